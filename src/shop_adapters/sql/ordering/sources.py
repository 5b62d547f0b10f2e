"""What a checkout reads of other contexts, from their tables (adapters may read another
context's tables; they never write them): the catalog's SKU facts an order keeps, and the
warehouses whose stock can serve an address."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.catalog.sku_facts import SKU_FACTS, sku_params
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.engine import reader
from shop_adapters.sql.fulfillment.tables import stock_items, warehouses
from shop_adapters.sql.mapper import member_of
from shop_adapters.sql.reads import read_records
from shop_app.ordering.ports import SkuFacts
from shop_domain.fulfillment.warehouse import regions_serve
from shop_domain.ordering.lines import GoodsKind

_i, _w = stock_items.c, warehouses.c
_LEVELS = Prepared(
    lambda dialect: (
        select(_i.sku_id, _i.on_hand, _i.reserved, _w.id, _w.code, _w.regions, _w.active)
        .join(warehouses, _w.id == _i.warehouse_id)
        .where(member_of(_i.sku_id, "ids", dialect), _w.active)
        .order_by(_i.sku_id, _w.code)
    )
)


class SqlOrderCatalog:
    def __init__(self, engine: AsyncEngine) -> None:
        self._reader = reader(engine)

    async def facts_of(self, sku_ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, SkuFacts]:
        if not sku_ids:
            return {}
        rows = await read_records(self._reader, SKU_FACTS, sku_params(sku_ids))
        return {
            row.id: SkuFacts(
                sku_id=row.id,
                spu_id=row.product_id,
                shop_id=row.shop_id,
                kind=GoodsKind(_value(row.kind)),
                name=row.name,
                attributes=dict(row.sales_attributes),
                weight_g=int(row.weight_g),
                freight_template_id=row.freight_template_id,
            )
            for row in rows
        }


def _value(kind: object) -> str:
    return str(getattr(kind, "value", kind))


class SqlStockSource:
    """The warehouse each SKU is reserved from: among the open warehouses serving the address
    that have the units available now, the one with the most (then by code). Read without locks:
    the reservation itself is what is exact (``stock.insufficient`` if the units went since)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._reader = reader(engine)

    async def warehouses_for(
        self, needs: Mapping[uuid.UUID, int], region: str | None
    ) -> Mapping[uuid.UUID, uuid.UUID]:
        rows = await read_records(self._reader, _LEVELS, {"ids": sorted(needs)})
        best: dict[uuid.UUID, tuple[int, str, uuid.UUID]] = {}
        for row in rows:
            available = int(row.on_hand) - int(row.reserved)
            if available < needs[row.sku_id]:
                continue
            if region is not None and not regions_serve(row.regions, region):
                continue
            held = best.get(row.sku_id)
            if held is None or (-available, row.code) < (-held[0], held[1]):
                best[row.sku_id] = (available, row.code, row.id)
        return {sku: found[2] for sku, found in best.items()}


__all__ = ["SqlOrderCatalog", "SqlStockSource"]
