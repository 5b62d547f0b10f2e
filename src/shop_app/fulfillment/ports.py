"""Ports of fulfillment: its repositories on the unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Protocol

import attrs

from shop_app.shared.ports import Clock, IdGenerator
from shop_domain.fulfillment.freight import FreightTemplate, ShopFreightRule
from shop_domain.fulfillment.stock import StockItem, StockLevel
from shop_domain.fulfillment.warehouse import Warehouse


class WarehouseRepository(Protocol):
    def add(self, warehouse: Warehouse) -> None: ...

    async def get(self, id_: uuid.UUID) -> Warehouse: ...

    async def by_code(self, code: str) -> Warehouse | None: ...


class StockRepository(Protocol):
    async def locked(
        self,
        sku_id: uuid.UUID,
        warehouse_id: uuid.UUID,
        new_id: uuid.UUID,
        orders: Collection[uuid.UUID] = (),
    ) -> StockItem:
        """The SKU's stock at the warehouse, locked (opened empty if none), with the
        reservations of ``orders`` attached."""
        ...

    async def find_locked(
        self, sku_id: uuid.UUID, warehouse_id: uuid.UUID, orders: Collection[uuid.UUID] = ()
    ) -> StockItem | None:
        """The same, or ``None`` when the SKU was never stocked there (nothing is opened)."""
        ...

    async def lock_lines(
        self, keys: Sequence[tuple[uuid.UUID, uuid.UUID]], order_id: uuid.UUID
    ) -> dict[tuple[uuid.UUID, uuid.UUID], StockItem]:
        """The stock items of ``keys`` (SKU, warehouse) that exist, locked in (SKU, warehouse)
        order, in one read, with ``order_id``'s reservations attached."""
        ...


class FreightTemplateRepository(Protocol):
    def add(self, template: FreightTemplate) -> None: ...

    async def get(self, id_: uuid.UUID) -> FreightTemplate: ...

    def remove(self, template: FreightTemplate) -> None: ...


class ShopFreightRuleRepository(Protocol):
    def add(self, rule: ShopFreightRule) -> None: ...

    async def find(self, shop_id: uuid.UUID) -> ShopFreightRule | None: ...


class FulfillmentUnitOfWork(Protocol):
    warehouses: WarehouseRepository
    stock: StockRepository
    freight_templates: FreightTemplateRepository
    freight_rules: ShopFreightRuleRepository
    clock: Clock
    ids: IdGenerator

    def after_transaction(self, callback: Callable[[], Awaitable[object]]) -> None: ...


@attrs.frozen
class WarehouseView:
    id: uuid.UUID
    code: str
    name: str
    regions: tuple[str, ...]
    active: bool


class StockQueries(Protocol):
    async def warehouses(self) -> list[WarehouseView]:
        """Every warehouse, by code."""
        ...

    async def levels(self, sku_id: uuid.UUID) -> list[StockLevel]:
        """The SKU's stock at each warehouse that ever held it, by warehouse."""
        ...

    async def available_of(self, sku_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Per SKU, the units available across every warehouse (on hand − reserved); a SKU
        never stocked anywhere is 0."""
        ...


class FreightQueries(Protocol):
    """What operators read of freight (the domain's objects, read only: they carry no more
    than what a reader is shown)."""

    async def templates(self, shop_id: uuid.UUID) -> list[FreightTemplate]:
        """The shop's item templates, by name."""
        ...

    async def template(self, template_id: uuid.UUID) -> FreightTemplate | None: ...

    async def rule(self, shop_id: uuid.UUID) -> ShopFreightRule | None: ...


__all__ = [
    "FreightQueries",
    "FreightTemplateRepository",
    "FulfillmentUnitOfWork",
    "StockQueries",
    "ShopFreightRuleRepository",
    "StockRepository",
    "WarehouseRepository",
    "WarehouseView",
]
