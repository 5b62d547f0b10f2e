"""Invariant checks of stock (STK-1): for embedders' tests and ours.

:func:`check_stock_books` holds a :class:`~shop_domain.fulfillment.stock.StockItem` to its
books: nothing below zero, available = on hand − reserved, and — over the reservations it
holds — reserved = what the held ones hold.
"""

from __future__ import annotations

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


__all__ = ["check_stock_books"]
