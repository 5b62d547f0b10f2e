"""Commands of stock (STK-1, STK-2). They do not commit: the bus does.

An order's lines are reserved, released or consumed together, in one transaction: each
line's stock item is locked in one order — by SKU, then warehouse — so two orders sharing
SKUs never wait for each other in a circle; if any line cannot be reserved, the whole command
fails and nothing stays reserved.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final

import attrs

from shop_app.fulfillment.ports import FulfillmentUnitOfWork
from shop_app.shared import codec
from shop_app.shared.messagebus import CommandHandler
from shop_domain.fulfillment.errors import (
    InsufficientStock,
    InvalidStock,
    ReservationConflict,
    WarehouseCodeTaken,
)
from shop_domain.fulfillment.stock import StockLevel, units
from shop_domain.fulfillment.warehouse import Warehouse

MAX_LINES: Final = 200


@attrs.frozen
class StockLine:
    """``quantity`` of a SKU from a warehouse."""

    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: int = 1


@attrs.frozen(kw_only=True)
class CreateWarehouse:
    code: str
    name: str
    regions: frozenset[str]


@attrs.frozen(kw_only=True)
class AdjustStock:
    """An operator's adjustment of what is on hand (received, counted, damaged), audited."""

    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    change: int
    reason: str
    actor: str


@attrs.frozen(kw_only=True)
class CountStock:
    """A stock count (an import's row): what is on hand is ``on_hand``; adjusted by the
    difference, with a reason, audited. The same count again changes nothing."""

    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    on_hand: int
    reason: str
    actor: str


@attrs.frozen(kw_only=True)
class ReserveStock:
    """Submission: hold every line for the order, or nothing (once per order)."""

    order_id: uuid.UUID
    lines: tuple[StockLine, ...]


@attrs.frozen(kw_only=True)
class ReleaseStock:
    """Cancellation or timeout: give back what the order holds of these lines."""

    order_id: uuid.UUID
    lines: tuple[StockLine, ...]


@attrs.frozen(kw_only=True)
class ConsumeStock:
    """Shipment: what the order reserved of these lines leaves the warehouse."""

    order_id: uuid.UUID
    lines: tuple[StockLine, ...]


codec.register(StockLine, StockLevel)


def _merged(lines: Sequence[StockLine]) -> list[StockLine]:
    """The lines by (SKU, warehouse) — quantities of the same one added — in lock order."""
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidStock(f"an order's stock is 1 to {MAX_LINES} lines")
    merged: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    for line in lines:
        key = (line.sku_id, line.warehouse_id)
        merged[key] = merged.get(key, 0) + units(line.quantity, "a line's quantity", 1)
    return [
        StockLine(sku, warehouse, quantity) for (sku, warehouse), quantity in sorted(merged.items())
    ]


class StockHandlers:
    def mapping(self) -> dict[type, CommandHandler]:
        return {
            CreateWarehouse: self.create_warehouse,
            AdjustStock: self.adjust,
            CountStock: self.count,
            ReserveStock: self.reserve,
            ReleaseStock: self.release,
            ConsumeStock: self.consume,
        }

    async def create_warehouse(
        self, command: CreateWarehouse, uow: FulfillmentUnitOfWork
    ) -> uuid.UUID:
        warehouse = Warehouse.new(
            id=uow.ids.new_id(), code=command.code, name=command.name, regions=command.regions
        )
        if await uow.warehouses.by_code(warehouse.code) is not None:
            raise WarehouseCodeTaken(f"a warehouse is coded {warehouse.code} already")
        uow.warehouses.add(warehouse)
        return warehouse.id

    async def adjust(self, command: AdjustStock, uow: FulfillmentUnitOfWork) -> StockLevel:
        await uow.warehouses.get(command.warehouse_id)
        item = await uow.stock.locked(command.sku_id, command.warehouse_id, uow.ids.new_id())
        item.adjust(command.change, reason=command.reason, actor=command.actor, now=uow.clock.now())
        return StockLevel.of(item)

    async def count(self, command: CountStock, uow: FulfillmentUnitOfWork) -> StockLevel:
        await uow.warehouses.get(command.warehouse_id)
        item = await uow.stock.locked(command.sku_id, command.warehouse_id, uow.ids.new_id())
        item.count(command.on_hand, reason=command.reason, actor=command.actor, now=uow.clock.now())
        return StockLevel.of(item)

    async def reserve(self, command: ReserveStock, uow: FulfillmentUnitOfWork) -> list[StockLevel]:
        lines = _merged(command.lines)
        items = await uow.stock.lock_lines(
            [(line.sku_id, line.warehouse_id) for line in lines], command.order_id
        )
        levels = []
        for line in lines:
            item = items.get((line.sku_id, line.warehouse_id))
            if item is None:  # never stocked there: nothing available
                raise InsufficientStock(
                    f"{line.quantity} asked for, 0 available", details={"available": 0}
                )
            item.reserve(command.order_id, line.quantity, uow.clock.now())
            levels.append(StockLevel.of(item))
        return levels

    async def release(self, command: ReleaseStock, uow: FulfillmentUnitOfWork) -> int:
        """The units given back (0 when released already, or never reserved)."""
        total = 0
        for line in _merged(command.lines):
            item = await uow.stock.find_locked(line.sku_id, line.warehouse_id, (command.order_id,))
            if item is not None:
                total += item.release(command.order_id, uow.clock.now())
        return total

    async def consume(self, command: ConsumeStock, uow: FulfillmentUnitOfWork) -> int:
        """The units shipped (0 when shipped already)."""
        total = 0
        for line in _merged(command.lines):
            item = await uow.stock.find_locked(line.sku_id, line.warehouse_id, (command.order_id,))
            if item is None:
                raise ReservationConflict(
                    f"order {command.order_id} holds no stock of {line.sku_id} there",
                    details={"order_id": str(command.order_id)},
                )
            total += item.consume(command.order_id, uow.clock.now())
        return total


def stock_command_handlers() -> dict[type, CommandHandler]:
    return StockHandlers().mapping()


__all__ = [
    "AdjustStock",
    "ConsumeStock",
    "CountStock",
    "CreateWarehouse",
    "ReleaseStock",
    "ReserveStock",
    "StockHandlers",
    "StockLevel",
    "StockLine",
    "stock_command_handlers",
]
