"""Warehouses and stock over HTTP (STK-1), for operators: with ``stock.read`` they list the
warehouses (``GET /warehouses``) and read a SKU's stock at each (``GET /stock/{sku_id}``); with
``stock.write`` they add a warehouse (``POST /warehouses``) and adjust what is on hand
(``POST /stock/{sku_id}/{warehouse_id}/adjustments``, a change with a reason; audited; never
below what is reserved). Orders reserve, release and consume through the application's
commands."""

from __future__ import annotations

import uuid
from typing import Annotated, Final

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.problems import problem_spec
from shop_adapters.runtime import Runtime
from shop_app.fulfillment.ports import StockQueries
from shop_app.fulfillment.stock import AdjustStock, CreateWarehouse
from shop_domain.fulfillment.stock import StockLevel

READ: Final = "stock.read"
WRITE: Final = "stock.write"
READERS: Final = [requires(READ), operator_only]
WRITERS: Final = [requires(WRITE), operator_only]
TAKEN: Final = problem_spec("Another warehouse has the code (`stock.warehouse_code_taken`)")
Region = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$", examples=["310000"])]


class WarehouseIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    regions: Annotated[list[Region], msgspec.Meta(min_length=1, max_length=4000)]


class WarehouseOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    code: str
    name: str
    regions: list[str]
    active: bool


class AdjustmentIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    change: Annotated[int, msgspec.Meta(ge=-(10**9), le=10**9)]
    """Units added (received, found) or, negative, taken away (counted short, damaged)."""
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class StockOut(msgspec.Struct, frozen=True):
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    on_hand: int
    reserved: int
    available: int

    @classmethod
    def of(cls, level: StockLevel) -> StockOut:
        return cls(level.sku_id, level.warehouse_id, level.on_hand, level.reserved, level.available)


class CreatedOut(msgspec.Struct, frozen=True):
    id: uuid.UUID


class StockController(Controller):
    path = "/"
    tags = ["stock"]

    @get("/warehouses", summary="Every warehouse, by code", guards=READERS)
    async def warehouses(self, runtime: NamedDependency[Runtime]) -> list[WarehouseOut]:
        found = await runtime.get(StockQueries).warehouses()
        return [WarehouseOut(w.id, w.code, w.name, list(w.regions), w.active) for w in found]

    @post(
        "/warehouses",
        summary="Add a warehouse and the regions it serves",
        status_code=201,
        guards=WRITERS,
        responses={
            409: problem_spec("Another warehouse has the code (`stock.warehouse_code_taken`)")
        },
    )
    async def add(
        self, data: JSONBody[WarehouseIn], commands: NamedDependency[Commands]
    ) -> CreatedOut:
        made = await commands.send(
            CreateWarehouse(code=data.code, name=data.name, regions=frozenset(data.regions))
        )
        return CreatedOut(uuid.UUID(str(made)))

    @get("/stock/{sku_id:uuid}", summary="A SKU's stock at each warehouse", guards=READERS)
    async def levels(
        self, sku_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> list[StockOut]:
        return [StockOut.of(level) for level in await runtime.get(StockQueries).levels(sku_id)]

    @post(
        "/stock/{sku_id:uuid}/{warehouse_id:uuid}/adjustments",
        summary="Add or take away units, with a reason (audited)",
        status_code=200,
        guards=WRITERS,
        responses={409: problem_spec("Below what is reserved (`stock.below_reserved`)")},
    )
    async def adjust(
        self,
        sku_id: FromPath[uuid.UUID],
        warehouse_id: FromPath[uuid.UUID],
        data: JSONBody[AdjustmentIn],
        commands: NamedDependency[Commands],
    ) -> StockOut:
        level = await commands.send(
            AdjustStock(
                sku_id=sku_id,
                warehouse_id=warehouse_id,
                change=data.change,
                reason=data.reason,
                actor=commands.principal.subject,
            )
        )
        return StockOut.of(level)


__all__ = ["READ", "WRITE", "StockController"]
