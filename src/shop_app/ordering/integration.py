"""What ordering publishes (PAY-4: through the outbox, delivered until acknowledged): an order
submitted, paid (``ordering.order_paid`` — fulfillment's cue), cancelled, a child shipped and
completed; a payment succeeded, flagged, closed, and its refunds requested and completed."""

from __future__ import annotations

import uuid
from typing import ClassVar

import attrs

import shop_domain.ordering.events as oe
import shop_domain.ordering.payment as pe
from shop_app.shared.integration import REGISTRY, IntegrationEvent
from shop_domain.ordering.address import AddressBook
from shop_domain.ordering.cart import Cart
from shop_domain.ordering.order import Order

REGISTRY.aggregate(Order, "ordering.order")
REGISTRY.aggregate(pe.Payment, "ordering.payment")
REGISTRY.aggregate(Cart, "ordering.cart")
REGISTRY.aggregate(AddressBook, "ordering.address_book")


@attrs.frozen(kw_only=True)
class OrderFacts(IntegrationEvent):
    order_id: uuid.UUID
    number: str
    user_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class OrderSubmittedV1(OrderFacts):
    """An order was submitted: it holds stock, coupons, points and card amounts until paid or
    cancelled (ORD-5)."""

    type: ClassVar[str] = "ordering.order_submitted"
    version: ClassVar[int] = 1
    channel: str
    payable: int
    currency: str
    children: tuple[str, ...]


@REGISTRY.event
@attrs.frozen(kw_only=True)
class OrderPaidV1(OrderFacts):
    """The order is paid: its children await shipment (virtual ones are completed)."""

    type: ClassVar[str] = "ordering.order_paid"
    version: ClassVar[int] = 1
    channel: str
    payable: int
    external: int
    gift_card: int
    points_used: int
    currency: str
    payment_id: uuid.UUID | None
    children: tuple[str, ...]


@REGISTRY.event
@attrs.frozen(kw_only=True)
class OrderCancelledV1(OrderFacts):
    """The unpaid order was cancelled — ``reason`` user, timeout or system — and released
    everything it held."""

    type: ClassVar[str] = "ordering.order_cancelled"
    version: ClassVar[int] = 1
    reason: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class OrderClosedV1(OrderFacts):
    """Everything the paid order took was refunded: it is closed (ORD-4)."""

    type: ClassVar[str] = "ordering.order_closed"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class ChildShippedV1(OrderFacts):
    type: ClassVar[str] = "ordering.child_shipped"
    version: ClassVar[int] = 1
    child_id: uuid.UUID
    child_number: str
    warehouse_ids: tuple[uuid.UUID, ...]


@REGISTRY.event
@attrs.frozen(kw_only=True)
class ChildCompletedV1(OrderFacts):
    type: ClassVar[str] = "ordering.child_completed"
    version: ClassVar[int] = 1
    child_id: uuid.UUID
    child_number: str
    paid: int
    currency: str


@attrs.frozen(kw_only=True)
class PaymentFacts(IntegrationEvent):
    payment_id: uuid.UUID
    order_id: uuid.UUID
    number: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PaymentSucceededV1(PaymentFacts):
    type: ClassVar[str] = "ordering.payment_succeeded"
    version: ClassVar[int] = 1
    external: int
    gift_card: int
    currency: str
    trade_no: str | None


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PaymentFlaggedV1(PaymentFacts):
    """A gateway notification that was not accepted (PAY-2): ``flag`` says why."""

    type: ClassVar[str] = "ordering.payment_flagged"
    version: ClassVar[int] = 1
    flag: str
    trade_no: str
    amount: int


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PaymentClosedV1(PaymentFacts):
    type: ClassVar[str] = "ordering.payment_closed"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class RefundRequestedV1(PaymentFacts):
    type: ClassVar[str] = "ordering.refund_requested"
    version: ClassVar[int] = 1
    refund_id: uuid.UUID
    key: str
    gift_card: int
    external: int
    currency: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class RefundCompletedV1(PaymentFacts):
    type: ClassVar[str] = "ordering.refund_completed"
    version: ClassVar[int] = 1
    refund_id: uuid.UUID
    external: int
    currency: str


def _fields(event: object, cls: type) -> dict[str, object]:
    names = [field.name for field in attrs.fields(cls)]
    return {name: getattr(event, name) for name in names}


def _mapping(domain: type, published: type) -> None:
    REGISTRY.maps(domain)(lambda e: published(**_fields(e, published)))


for _domain, _published in (
    (oe.OrderSubmitted, OrderSubmittedV1),
    (oe.OrderPaid, OrderPaidV1),
    (oe.OrderCancelled, OrderCancelledV1),
    (oe.OrderClosed, OrderClosedV1),
    (oe.ChildShipped, ChildShippedV1),
    (oe.ChildCompleted, ChildCompletedV1),
    (pe.PaymentSucceeded, PaymentSucceededV1),
    (pe.PaymentFlagged, PaymentFlaggedV1),
    (pe.PaymentClosed, PaymentClosedV1),
    (pe.RefundRequested, RefundRequestedV1),
    (pe.RefundCompleted, RefundCompletedV1),
):
    _mapping(_domain, _published)
