"""The read side of orders (CQRS): a customer's orders, an order in detail, operators' search,
and what the timeout and the refund sweeps look for."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from shop_app.shared.paging import Page, PageRequest
from shop_domain.shared.money import Money


@attrs.frozen(kw_only=True)
class OrderSummary:
    id: uuid.UUID
    number: str
    user_id: uuid.UUID
    state: str
    channel: str
    payable: Money
    created_at: dt.datetime
    expires_at: dt.datetime
    paid_at: dt.datetime | None
    children: int


@attrs.frozen(kw_only=True)
class LineView:
    line_id: str
    sku_id: uuid.UUID
    name: str
    attributes: Mapping[str, str]
    quantity: int
    unit_price: Money
    amounts: Mapping[str, int]
    """goods, promotion, coupon, points, shipping, gift_card, payable, points_used (minor)."""


@attrs.frozen(kw_only=True)
class ChildView:
    id: uuid.UUID
    number: str
    shop_id: uuid.UUID
    kind: str
    warehouse_id: uuid.UUID | None
    state: str
    amounts: Mapping[str, int]
    times: Mapping[str, dt.datetime | None]
    lines: tuple[LineView, ...]


@attrs.frozen(kw_only=True)
class PaymentView:
    id: uuid.UUID
    number: str
    gateway: str
    state: str
    external: Money
    gift_card: Money
    trade_no: str | None
    paid_at: dt.datetime | None
    flags: tuple[str, ...]
    refunded: Money


@attrs.frozen(kw_only=True)
class OrderDetail:
    summary: OrderSummary
    member_level: int | None
    address: Mapping[str, str] | None
    breakdown: tuple[Mapping[str, Any], ...]
    amounts: Mapping[str, int]
    cancelled_at: dt.datetime | None
    cancel_reason: str | None
    children: tuple[ChildView, ...]
    payment: PaymentView | None


@attrs.frozen(kw_only=True)
class OrderSearch:
    number: str | None = None
    user_id: uuid.UUID | None = None
    state: str | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class RefundDue:
    order_id: uuid.UUID
    payment_number: str
    refund_id: uuid.UUID
    amount: Money


class OrderQueries(Protocol):
    async def search(self, criteria: OrderSearch, page: PageRequest) -> Page[OrderSummary]:
        """Orders matching every criterion given, newest first (a customer's: ``user_id``)."""
        ...

    async def detail(self, order_id: uuid.UUID) -> OrderDetail | None: ...

    async def overdue(self, now: dt.datetime, limit: int) -> list[uuid.UUID]:
        """Orders still waiting for payment past their time (ORD-5), soonest first."""
        ...

    async def order_of_payment(self, payment_number: str) -> uuid.UUID | None: ...

    async def refunds_due(self, order_id: uuid.UUID | None, limit: int) -> list[RefundDue]:
        """Refunds whose external part the gateway has not given back yet (of one order)."""
        ...


__all__ = [
    "ChildView",
    "LineView",
    "OrderDetail",
    "OrderQueries",
    "OrderSearch",
    "OrderSummary",
    "PaymentView",
    "RefundDue",
]
