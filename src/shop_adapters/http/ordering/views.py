"""Orders as customers and operators read them (ORD-9): a list row, and the whole order — its
children with their lines and amounts, the discount breakdown, the payment."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from shop_adapters.http.ordering.schemas import AmountsOut, money
from shop_adapters.http.schemas import MoneySchema
from shop_app.ordering.queries import (
    ChildView,
    LineView,
    OrderDetail,
    OrderSummary,
    PaymentView,
)


class OrderSummaryOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    number: str
    user_id: uuid.UUID
    state: str
    channel: str
    payable: MoneySchema
    created_at: dt.datetime
    expires_at: dt.datetime
    paid_at: dt.datetime | None
    children: int

    @classmethod
    def of(cls, s: OrderSummary) -> OrderSummaryOut:
        return cls(
            s.id,
            s.number,
            s.user_id,
            s.state,
            s.channel,
            money(s.payable),
            s.created_at,
            s.expires_at,
            s.paid_at,
            s.children,
        )


class LineOut(msgspec.Struct, frozen=True):
    line_id: str
    sku_id: uuid.UUID
    name: str
    attributes: dict[str, str]
    quantity: int
    unit_price: MoneySchema
    amounts: AmountsOut

    @classmethod
    def of(cls, line: LineView) -> LineOut:
        currency = line.unit_price.currency
        return cls(
            line.line_id,
            line.sku_id,
            line.name,
            dict(line.attributes),
            line.quantity,
            money(line.unit_price),
            AmountsOut.of(line.amounts, currency),
        )


class ChildOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    number: str
    shop_id: uuid.UUID
    kind: str
    warehouse_id: uuid.UUID | None
    state: str
    amounts: AmountsOut
    times: dict[str, dt.datetime | None]
    lines: list[LineOut]

    @classmethod
    def of(cls, child: ChildView, currency: str) -> ChildOut:
        return cls(
            child.id,
            child.number,
            child.shop_id,
            child.kind,
            child.warehouse_id,
            child.state,
            AmountsOut.of(child.amounts, currency),
            dict(child.times),
            [LineOut.of(line) for line in child.lines],
        )


class PaymentOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    number: str
    gateway: str
    state: str
    external: MoneySchema
    gift_card: MoneySchema
    trade_no: str | None
    paid_at: dt.datetime | None
    flags: list[str]
    refunded: MoneySchema

    @classmethod
    def of(cls, p: PaymentView) -> PaymentOut:
        return cls(
            p.id,
            p.number,
            p.gateway,
            p.state,
            money(p.external),
            money(p.gift_card),
            p.trade_no,
            p.paid_at,
            list(p.flags),
            money(p.refunded),
        )


class OrderOut(msgspec.Struct, frozen=True):
    summary: OrderSummaryOut
    member_level: int | None
    address: dict[str, str] | None
    breakdown: list[dict[str, Any]]
    amounts: AmountsOut
    cancelled_at: dt.datetime | None
    cancel_reason: str | None
    children: list[ChildOut]
    payment: PaymentOut | None

    @classmethod
    def of(cls, d: OrderDetail) -> OrderOut:
        currency = d.summary.payable.currency
        return cls(
            OrderSummaryOut.of(d.summary),
            d.member_level,
            dict(d.address) if d.address is not None else None,
            [dict(entry) for entry in d.breakdown],
            AmountsOut.of(d.amounts, currency),
            d.cancelled_at,
            d.cancel_reason,
            [ChildOut.of(child, currency) for child in d.children],
            PaymentOut.of(d.payment) if d.payment is not None else None,
        )


__all__ = ["OrderOut", "OrderSummaryOut"]
