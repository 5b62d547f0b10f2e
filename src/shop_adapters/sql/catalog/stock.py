"""The catalog's view of stock: ``sku_stock``, a projection of fulfillment's stock (ADR 0045).

Fulfillment is the one truth of stock (STK-1: on hand and reserved per SKU per warehouse). The
catalog shows a SKU's stock — and an SPU's, the sum of its SKUs' (CAT-1) — from ``sku_stock``:
one row per SKU per warehouse holding what is available there (on hand − reserved).

:class:`SkuStockProjection` is a :class:`~shop_app.shared.unit_of_work.Projection`: it sees
every event about to commit, and for each stock item that changed writes the figure its last
event carries, in the same transaction (``INSERT … ON CONFLICT DO UPDATE SET available =
excluded.available``). The value is absolute, not a delta, and still exact under concurrency:
whoever changes a stock item holds its row lock (``SELECT … FOR UPDATE``; SQLite has one writer)
until it commits, so the writes to one (SKU, warehouse) row follow the item's own order. A
replayed or repeated figure changes nothing, and any stock event — those of tomorrow too —
carries the figures, so no rule per event kind is needed. Rows are written in (SKU, warehouse)
order, the order the stock commands lock items in.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from shop_adapters.sql.catalog.tables import sku_stock
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.uow import SqlUnitOfWork
from shop_domain.fulfillment.stock import StockEvent
from shop_domain.shared.events import DomainEvent


def _upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(sku_stock)
    return statement.on_conflict_do_update(
        index_elements=[sku_stock.c.sku_id, sku_stock.c.warehouse_id],
        set_={"available": statement.excluded.available},
    )


_UPSERT = Prepared(_upsert)


def stock_figures(events: Sequence[DomainEvent]) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
    """Per (SKU, warehouse) whose stock changed, what is available after the last change."""
    figures: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    for event in events:
        if isinstance(event, StockEvent):
            figures[(event.sku_id, event.warehouse_id)] = event.on_hand - event.reserved
    return figures


class SkuStockProjection:
    """Keeps ``sku_stock`` in the unit of work's transaction."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def apply(self, events: Sequence[DomainEvent]) -> None:
        figures = stock_figures(events)
        if not figures:
            return
        self._uow.write_at_commit(
            _UPSERT,
            [
                {"sku_id": sku_id, "warehouse_id": warehouse_id, "available": available}
                for (sku_id, warehouse_id), available in sorted(figures.items())
            ],
        )


__all__ = ["SkuStockProjection", "stock_figures"]
