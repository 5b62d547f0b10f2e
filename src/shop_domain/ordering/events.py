"""What happens to orders (ORD-4, ORD-5, ORD-8): recorded by :class:`~.order.Order`."""

from __future__ import annotations

import uuid
from typing import ClassVar

import attrs

from shop_domain.shared.events import DomainEvent


@attrs.frozen(kw_only=True)
class OrderEvent(DomainEvent):
    order_id: uuid.UUID
    number: str
    user_id: uuid.UUID


@attrs.frozen(kw_only=True)
class OrderSubmitted(OrderEvent):
    event_type: ClassVar[str] = "order.submitted"
    channel: str
    payable: int
    currency: str
    children: tuple[str, ...]
    """The children's numbers."""


@attrs.frozen(kw_only=True)
class OrderPaid(OrderEvent):
    """The parent order is paid: its children await shipment (virtual ones are completed)."""

    event_type: ClassVar[str] = "order.paid"
    channel: str
    payable: int
    external: int
    gift_card: int
    points_used: int
    currency: str
    payment_id: uuid.UUID | None
    children: tuple[str, ...]


@attrs.frozen(kw_only=True)
class OrderCancelled(OrderEvent):
    """ORD-5: the unpaid order is cancelled (by the user, a timeout or the system); everything
    it held is released."""

    event_type: ClassVar[str] = "order.cancelled"
    reason: str


@attrs.frozen(kw_only=True)
class OrderClosed(OrderEvent):
    """ORD-4: everything the paid order took was refunded."""

    event_type: ClassVar[str] = "order.closed"


@attrs.frozen(kw_only=True)
class ChildShipped(OrderEvent):
    event_type: ClassVar[str] = "order.child_shipped"
    child_id: uuid.UUID
    child_number: str
    warehouse_ids: tuple[uuid.UUID, ...]


@attrs.frozen(kw_only=True)
class ChildCompleted(OrderEvent):
    """A child is completed (received, or paid for virtual goods, ORD-8): its purchase counts
    for growth (MEM-2)."""

    event_type: ClassVar[str] = "order.child_completed"
    child_id: uuid.UUID
    child_number: str
    paid: int
    currency: str


__all__ = [
    "ChildCompleted",
    "ChildShipped",
    "OrderCancelled",
    "OrderClosed",
    "OrderEvent",
    "OrderPaid",
    "OrderSubmitted",
]
