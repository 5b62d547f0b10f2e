"""``StockQueries`` in SQL: warehouses and a SKU's stock levels, over committed rows."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import func, select

from shop_adapters.sql.fulfillment.tables import stock_items, warehouses
from shop_adapters.sql.mapper import member_of
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

    async def available_of(self, sku_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
        found = dict.fromkeys(sku_ids, 0)
        if not found:
            return found
        async with self._engine.connect() as conn:
            query = (
                select(S.sku_id, func.sum(S.on_hand - S.reserved))
                .where(member_of(S.sku_id, "ids", conn.dialect.name))
                .group_by(S.sku_id)
            )
            rows = (await conn.execute(query, {"ids": sorted(found)})).all()
        found.update((sku_id, int(units or 0)) for sku_id, units in rows)
        return found


__all__ = ["SqlStockQueries"]
