"""The SQL repositories of fulfillment: warehouses, and stock items read locked with the
reservations of the orders an operation names (and only those)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import bindparam

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.fulfillment.mapping import RESERVATIONS, STOCK, WAREHOUSES
from shop_adapters.sql.fulfillment.tables import stock_items, stock_reservations, warehouses
from shop_adapters.sql.mapper import member_of
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
_LINES_LOCKED = Prepared(
    lambda dialect: (
        STOCK.select_all.where(
            member_of(S.sku_id, "skus", dialect),
            member_of(S.warehouse_id, "houses", dialect),
        )
        .order_by(S.sku_id, S.warehouse_id)
        .with_for_update()
    )
)
_ORDERS_RESERVATIONS = Prepared(
    lambda dialect: RESERVATIONS.select_all.where(
        member_of(stock_reservations.c.stock_id, "stocks", dialect),
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

    async def lock_lines(
        self, keys: Sequence[tuple[uuid.UUID, uuid.UUID]], order_id: uuid.UUID
    ) -> dict[tuple[uuid.UUID, uuid.UUID], StockItem]:
        """The stock items of ``keys`` (SKU, warehouse) that exist, locked in (SKU, warehouse)
        order in one statement, with ``order_id``'s reservations attached (one more)."""
        if not keys:
            return {}
        wanted = set(keys)
        # the SKUs × the warehouses named: an order from several warehouses may lock a row it
        # does not reserve from — in the same (SKU, warehouse) order as every other, so no cycle
        params = {
            "skus": sorted({sku for sku, _ in wanted}),
            "houses": sorted({house for _, house in wanted}),
        }
        items = [
            item
            for item in await self._load(_LINES_LOCKED, params, locked=True)
            if (item.sku_id, item.warehouse_id) in wanted
        ]
        fresh = [item for item in items if order_id not in item.reservations]
        if fresh and not self._uow.created_here(order_id):  # a new order reserved nothing yet
            rows = await self._link.fetch(
                _ORDERS_RESERVATIONS, {"stocks": [item.id for item in fresh], "order_id": order_id}
            )
            by_stock = {item.id: item for item in fresh}
            for row in rows:
                reservation = RESERVATIONS.load(row)
                stock_id = row[RESERVATIONS.column_names.index("stock_id")]
                by_stock[stock_id].reservations[reservation.order_id] = reservation
            for item in fresh:
                self._tracker.settle(item)
        return {(item.sku_id, item.warehouse_id): item for item in items}

    async def _attach(self, item: StockItem, orders: Collection[uuid.UUID]) -> None:
        for order_id in orders:
            if order_id in item.reservations or self._uow.created_here(order_id):
                continue
            rows = await self._link.fetch(_RESERVATION, {"stock_id": item.id, "order_id": order_id})
            for row in rows:
                reservation = RESERVATIONS.load(row)
                item.reservations[reservation.order_id] = reservation
        self._tracker.settle(item)


__all__ = ["SqlStockRepository", "SqlWarehouseRepository"]
