"""Orders and payments in their tables (the mapper of ADR 0023): an order with its children and
lines, a payment with its refunds, each loaded and saved whole."""

from __future__ import annotations

import uuid
from typing import Any

from shop_adapters.sql.mapper import Children, TableMap, Value, money
from shop_adapters.sql.ordering.tables import (
    order_children,
    order_lines,
    orders,
    payment_refunds,
    payments,
)
from shop_domain.ordering.lines import AMOUNT_FIELDS, OrderLine
from shop_domain.ordering.order import ChildOrder, Order
from shop_domain.ordering.payment import Payment, Refund

_AMOUNTS = [money(name, f"{name}_minor", "currency") for name in AMOUNT_FIELDS]


def _ids_from(values: list[str]) -> list[uuid.UUID]:
    return [uuid.UUID(value) for value in values]


def _ids_to(ids: list[uuid.UUID]) -> tuple[Any, ...]:
    return ([str(value) for value in ids],)


LINES = TableMap(
    OrderLine,
    order_lines,
    values=[*_AMOUNTS, money("unit_price", "unit_price_minor", "currency")],
    parent_column="order_id",
    versioned=False,
)
CHILDREN = TableMap(
    ChildOrder, order_children, values=_AMOUNTS, parent_column="order_id", versioned=False
)
ORDERS = TableMap(
    Order,
    orders,
    values=[*_AMOUNTS, Value("card_ids", ("card_ids",), _ids_from, _ids_to)],
    children=[
        Children("children", CHILDREN, "order_id", "number"),
        Children("lines", LINES, "order_id", "id"),
    ],
)

REFUNDS = TableMap(
    Refund,
    payment_refunds,
    values=[
        money("gift_card", "gift_card_minor", "currency"),
        money("external", "external_minor", "currency"),
    ],
    parent_column="payment_id",
    versioned=False,
)
PAYMENTS = TableMap(
    Payment,
    payments,
    values=[
        money("external", "external_minor", "currency"),
        money("gift_card", "gift_card_minor", "currency"),
    ],
    children=[Children("refunds", REFUNDS, "payment_id", "created_at")],
)

__all__ = ["CHILDREN", "LINES", "ORDERS", "PAYMENTS", "REFUNDS"]
