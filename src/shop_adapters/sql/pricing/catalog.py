"""The catalog's SKUs and prices as a quote reads them
(:class:`shop_app.pricing.quoting.PricingCatalog`), from the catalog's tables.

Adapters may read another context's tables; this one reads ``skus``, ``products`` and
``categories`` outside any unit of work (a prepared statement, straight to the driver:
:func:`~shop_adapters.sql.reads.read_records`): the SKU facts ordering reads too
(:mod:`shop_adapters.sql.catalog.sku_facts`), of a cart's SKUs or of a product's.
A SKU's price is its **sale price** — what it sells at before any promotion; the catalog's list
price (the struck-through reference price) plays no part in pricing. It can be bought when its
product is listed at the moment asked (due schedules applied: the catalog domain's
``listed_at``, worked out from the row) and the SKU is enabled.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.catalog.sku_facts import (
    SKU_FACTS,
    buyable_at,
    sku_facts_select,
    sku_params,
)
from shop_adapters.sql.catalog.tables import skus
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.engine import reader
from shop_adapters.sql.reads import read_records
from shop_app.pricing.quoting import CatalogLine
from shop_domain.pricing.lines import ItemFacts
from shop_domain.shared.money import Money

_s = skus.c
_OF_PRODUCT = Prepared(
    sku_facts_select().where(_s.product_id == bindparam("product_id", type_=_s.product_id.type))
)


@functools.lru_cache(maxsize=4096)
def _category_ids(path: str) -> tuple[uuid.UUID, ...]:
    """A category path (``/root/…/leaf/``) as its ids, root first — parsed once per path."""
    return tuple(uuid.UUID(part) for part in path.strip("/").split("/"))


def _line(row: Any, listed: bool) -> CatalogLine:
    item = ItemFacts(
        sku_id=row.id,
        spu_id=row.product_id,
        shop_id=row.shop_id,
        category_ids=_category_ids(row.path),
        brand_id=row.brand_id,
    )
    return CatalogLine(item, Money(int(row.sale_price_minor), row.currency), listed)


class SqlPricingCatalog:
    def __init__(self, engine: AsyncEngine) -> None:
        self._reader = reader(engine)

    async def _fetch(
        self, statement: Prepared, values: dict[str, Any], now: dt.datetime
    ) -> list[CatalogLine]:
        rows = await read_records(self._reader, statement, values)
        return [_line(row, buyable_at(row, now)) for row in rows]

    async def lines_of(
        self, sku_ids: Sequence[uuid.UUID], now: dt.datetime
    ) -> Mapping[uuid.UUID, CatalogLine]:
        """The lines of ``sku_ids``, from the SKU facts ordering reads too (one read in a
        submission's read scope, decision 0048)."""
        if not sku_ids:
            return {}
        found = await self._fetch(SKU_FACTS, sku_params(sku_ids), now)
        return {line.item.sku_id: line for line in found}

    async def lines_of_product(
        self, product_id: uuid.UUID, now: dt.datetime
    ) -> Sequence[CatalogLine]:
        return await self._fetch(_OF_PRODUCT, {"product_id": product_id}, now)


__all__ = ["SqlPricingCatalog"]
