"""Warehouses and stock in their tables (the mapper of ADR 0023). A stock item's reservations
are children it does not load with itself: the repository attaches those of the orders an
operation names, so a SKU reserved by thousands of orders reads one row per order it moves."""

from __future__ import annotations

from typing import Any

from shop_adapters.sql.fulfillment.tables import stock_items, stock_reservations, warehouses
from shop_adapters.sql.mapper import Children, TableMap, Value
from shop_domain.fulfillment.stock import Reservation, StockItem
from shop_domain.fulfillment.warehouse import Warehouse


def _regions_to(regions: frozenset[str]) -> tuple[Any, ...]:
    return (sorted(regions),)


WAREHOUSES = TableMap(
    Warehouse, warehouses, values=[Value("regions", ("regions",), frozenset, _regions_to)]
)
RESERVATIONS = TableMap(Reservation, stock_reservations, parent_column="stock_id", versioned=False)
STOCK = TableMap(
    StockItem,
    stock_items,
    children=[
        Children(
            "reservations",
            RESERVATIONS,
            "stock_id",
            "order_id",
            keyed_by="order_id",
            loaded=False,
        )
    ],
)

__all__ = ["RESERVATIONS", "STOCK", "WAREHOUSES"]
