"""Invariant checks of stock (STK-1): for embedders' tests and ours.

:func:`check_stock_books` holds a :class:`~shop_domain.fulfillment.stock.StockItem` to its
books: nothing below zero, available = on hand − reserved, and — over the reservations it
holds — reserved = what the held ones hold.

:func:`check_sku_stock_projection` holds the catalog's view of stock (``sku_stock``, ADR 0045)
to fulfillment's books over a database: for every SKU, what the catalog shows is the sum over
the warehouses of on hand − reserved.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.catalog.tables import sku_stock
from shop_adapters.sql.fulfillment.tables import stock_items
from shop_domain.fulfillment.stock import ReservationState, StockItem
from shop_testing.invariants.base import Findings


def check_stock_books(item: StockItem, *, all_reservations: bool = True) -> None:
    """``all_reservations``: the item holds every reservation it ever had (not only those a
    repository loaded for one operation), so their sum must be ``reserved``."""
    found = Findings(f"stock books of {item.id}")
    found.expect(item.on_hand >= 0, f"on hand is {item.on_hand}")
    found.expect(item.reserved >= 0, f"reserved is {item.reserved}")
    found.expect(item.available >= 0, f"available is {item.available}: more reserved than on hand")
    for order_id, held in item.reservations.items():
        found.expect(held.order_id == order_id, f"{held.order_id}'s reservation under {order_id}")
        found.expect(held.quantity > 0, f"the reservation of {order_id} holds {held.quantity}")
    if all_reservations:
        holding = sum(
            r.quantity for r in item.reservations.values() if r.state is ReservationState.HELD
        )
        found.expect(
            holding == item.reserved, f"reservations hold {holding}, reserved is {item.reserved}"
        )
    found.raise_if_any()


async def check_sku_stock_projection(engine: AsyncEngine) -> dict[uuid.UUID, int]:
    """Raise unless every SKU's stock as the catalog shows it equals fulfillment's available
    (summed over warehouses; a SKU with neither row is 0 on both sides). Returns the figures."""
    books_query = select(
        stock_items.c.sku_id, func.sum(stock_items.c.on_hand - stock_items.c.reserved)
    )
    shown_query = select(sku_stock.c.sku_id, func.sum(sku_stock.c.available))
    async with engine.connect() as conn:
        books = dict((await conn.execute(books_query.group_by(stock_items.c.sku_id))).all())
        shown = dict((await conn.execute(shown_query.group_by(sku_stock.c.sku_id))).all())
    found = Findings("the catalog's stock against fulfillment's books")
    for sku_id in sorted(books.keys() | shown.keys()):
        want, got = int(books.get(sku_id) or 0), int(shown.get(sku_id) or 0)
        found.expect(got == want, f"SKU {sku_id}: the catalog shows {got}, the books say {want}")
    found.raise_if_any()
    return {sku_id: int(units or 0) for sku_id, units in books.items()}


__all__ = ["check_sku_stock_projection", "check_stock_books"]
