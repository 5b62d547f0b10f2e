"""``StockQueries`` in SQL: warehouses and a SKU's stock levels, over committed rows."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from shop_adapters.sql.fulfillment.tables import stock_items, warehouses
from shop_adapters.sql.reads import SqlReads
from shop_app.fulfillment.ports import WarehouseView
from shop_domain.fulfillment.stock import StockLevel

S, W = stock_items.c, warehouses.c


class SqlStockQueries(SqlReads):
    async def warehouses(self) -> list[WarehouseView]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(warehouses).order_by(W.code))).all()
        return [
            WarehouseView(row.id, row.code, row.name, tuple(sorted(row.regions)), row.active)
            for row in rows
        ]

    async def levels(self, sku_id: uuid.UUID) -> list[StockLevel]:
        query = (
            select(S.sku_id, S.warehouse_id, S.on_hand, S.reserved)
            .join(warehouses, W.id == S.warehouse_id)
            .where(S.sku_id == sku_id)
            .order_by(W.code)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            StockLevel(
                row.sku_id, row.warehouse_id, row.on_hand, row.reserved, row.on_hand - row.reserved
            )
            for row in rows
        ]


__all__ = ["SqlStockQueries"]
