"""The SQL repositories of fulfillment: warehouses, and stock items read locked with the
reservations of the orders an operation names (and only those)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import bindparam

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.fulfillment.mapping import RESERVATIONS, STOCK, WAREHOUSES
from shop_adapters.sql.fulfillment.tables import stock_items, stock_reservations, warehouses
from shop_adapters.sql.uow import SqlRepository
from shop_domain.fulfillment.errors import UnknownWarehouse
from shop_domain.fulfillment.stock import StockItem
from shop_domain.fulfillment.warehouse import Warehouse

S = stock_items.c
_LOCKED = Prepared(
    STOCK.select_all.where(
        S.sku_id == bindparam("sku_id"), S.warehouse_id == bindparam("warehouse_id")
    ).with_for_update()
)
_RESERVATION = Prepared(
    RESERVATIONS.select_all.where(
        stock_reservations.c.stock_id == bindparam("stock_id"),
        stock_reservations.c.order_id == bindparam("order_id"),
    )
)
_BY_CODE = Prepared(WAREHOUSES.select_all.where(warehouses.c.code == bindparam("code")))


class SqlWarehouseRepository(SqlRepository[Warehouse]):
    table = WAREHOUSES
    not_found = staticmethod(UnknownWarehouse.of)

    async def by_code(self, code: str) -> Warehouse | None:
        found = await self._load(_BY_CODE, {"code": code})
        return found[0] if found else None


class SqlStockRepository(SqlRepository[StockItem]):
    table = STOCK

    async def locked(
        self,
        sku_id: uuid.UUID,
        warehouse_id: uuid.UUID,
        new_id: uuid.UUID,
        orders: Collection[uuid.UUID] = (),
    ) -> StockItem:
        """The SKU's stock at the warehouse, locked (opened with nothing on hand if there is
        none: two first uses open one), with the reservations of ``orders`` attached."""
        empty = StockItem.new(id=new_id, sku_id=sku_id, warehouse_id=warehouse_id)
        params = {"sku_id": sku_id, "warehouse_id": warehouse_id}
        item = await self._opened_once(_LOCKED, params, empty)
        await self._attach(item, orders)
        return item

    async def find_locked(
        self, sku_id: uuid.UUID, warehouse_id: uuid.UUID, orders: Collection[uuid.UUID] = ()
    ) -> StockItem | None:
        found = await self._load(
            _LOCKED, {"sku_id": sku_id, "warehouse_id": warehouse_id}, locked=True
        )
        if not found:
            return None
        await self._attach(found[0], orders)
        return found[0]

    async def _attach(self, item: StockItem, orders: Collection[uuid.UUID]) -> None:
        for order_id in orders:
            if order_id in item.reservations:
                continue
            rows = await self._link.fetch(_RESERVATION, {"stock_id": item.id, "order_id": order_id})
            for row in rows:
                reservation = RESERVATIONS.load(row)
                item.reservations[reservation.order_id] = reservation
        self._tracker.settle(item)


__all__ = ["SqlStockRepository", "SqlWarehouseRepository"]
