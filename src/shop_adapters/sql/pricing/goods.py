"""The goods promotions target, read from the catalog's tables
(:class:`shop_app.pricing.ports.PricingGoods`, offered as ``uow.promotion_goods``).

Adapters may read another context's tables; this one reads ``skus``, ``products`` and
``categories`` in the unit of work's own transaction (one connection per scheduling, and on
PostgreSQL the same snapshot rules as the rest of it). Every SKU counts, listed or not, enabled
or not: PRO-3 is a rule of configuration, and a product unlisted today and listed again while
both promotions run would otherwise be in two of them. A SKU's category path is read off its
category's materialised path (``/<root-id>/…/<leaf-id>/``), root first, leaf last.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from shop_adapters.sql.catalog.tables import categories, products, skus
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.mapper import member_of
from shop_adapters.sql.uow import SqlUnitOfWork
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.terms import TargetKind, Targets

_s, _p, _c = skus.c, products.c, categories.c
_root = categories.alias("target_root")
_node = categories.alias("target_node")


def _items() -> Select[Any]:
    return (
        select(_s.id, _s.product_id, _s.shop_id, _p.brand_id, _c.path)
        .select_from(skus.join(products, _p.id == _s.product_id))
        .join(categories, _c.id == _p.category_id)
        .order_by(_s.id)
    )


def _category_subtrees(dialect: str) -> ColumnElement[bool]:
    """The SKU's category is under one of the categories bound as ``ids`` (or is one)."""
    under = (
        select(_node.c.id)
        .join(_root, _node.c.path.startswith(_root.c.path))
        .where(member_of(_root.c.id, "ids", dialect))
    )
    return _p.category_id.in_(under)


_WHERE: dict[TargetKind, Callable[[str], ColumnElement[bool]]] = {
    TargetKind.SKU: lambda dialect: member_of(_s.id, "ids", dialect),
    TargetKind.SPU: lambda dialect: member_of(_s.product_id, "ids", dialect),
    TargetKind.CATEGORY: _category_subtrees,
    TargetKind.BRAND: lambda dialect: member_of(_p.brand_id, "ids", dialect),
    TargetKind.SHOP: lambda dialect: member_of(_s.shop_id, "ids", dialect),
}


def _statement(kind: TargetKind) -> Prepared:
    where = _WHERE[kind]
    return Prepared(lambda dialect: _items().where(where(dialect)))


_BY_KIND: dict[TargetKind, Prepared] = {kind: _statement(kind) for kind in _WHERE}
_EVERY = Prepared(_items())


def _item(row: Sequence[Any]) -> ItemFacts:
    sku_id, spu_id, shop_id, brand_id, path = row
    return ItemFacts(
        sku_id=sku_id,
        spu_id=spu_id,
        shop_id=shop_id,
        category_ids=tuple(uuid.UUID(part) for part in path.strip("/").split("/")),
        brand_id=brand_id,
    )


class SqlPricingGoods:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._link = uow.link

    async def items_of(self, targets: Targets) -> list[ItemFacts]:
        if targets.kind is TargetKind.PLATFORM:
            rows = await self._link.fetch(_EVERY)
        else:
            rows = await self._link.fetch(_BY_KIND[targets.kind], {"ids": sorted(targets.ids)})
        found = (_item(row) for row in rows)
        return [item for item in found if targets.covers(item)]


__all__ = ["SqlPricingGoods"]
