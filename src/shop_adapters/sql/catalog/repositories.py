"""SQL repositories of the catalog (the Protocols of :mod:`shop_app.catalog.ports`).

A unit of work sees its own writes (pending changes are written before a query), and a write
refused for a stale version or a clashing row raises the same errors as the commit would.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import and_, case, exists, or_, select

from shop_adapters.sql.catalog.mapping import BRANDS, CATEGORIES, FRONT_CATEGORIES, PRODUCTS
from shop_adapters.sql.catalog.tables import brands, categories, front_categories, products, skus
from shop_adapters.sql.uow import A, SqlRepository
from shop_domain.catalog.categories import Brand, Category, FrontCategory
from shop_domain.catalog.errors import (
    BrandNotFound,
    CategoryNotFound,
    FrontCategoryNotFound,
    ProductNotFound,
)
from shop_domain.catalog.model import name_key
from shop_domain.catalog.products import Product


class _CatalogRepository(SqlRepository[A]):
    async def _exists(self, *criteria: Any) -> bool:
        await self._flush()
        return bool((await self._tracker.rows(select(exists().where(*criteria))))[0][0])

    async def _find_by(self, *criteria: Any) -> list[A]:
        return await self.find_by(*criteria)


def _parent_is(column: Any, parent_id: uuid.UUID | None) -> Any:
    return column.is_(None) if parent_id is None else column == parent_id


class SqlProductRepository(_CatalogRepository[Product]):
    table = PRODUCTS
    not_found = staticmethod(ProductNotFound)

    async def exists_in_category(self, category_id: uuid.UUID) -> bool:
        return await self._exists(products.c.category_id == category_id)

    async def sku_code_taken(
        self, shop_id: uuid.UUID, code: str, *, exclude_product_id: uuid.UUID | None = None
    ) -> bool:
        criteria = [skus.c.shop_id == shop_id, skus.c.code == code]
        if exclude_product_id is not None:
            criteria.append(skus.c.product_id != exclude_product_id)
        # the product being checked is excluded: its own changes are not written first (its new
        # SKU would meet the unique index before the rule could refuse it)
        keep = () if exclude_product_id is None else (exclude_product_id,)
        await self._tracker.flush(keep=keep)
        statement = select(exists().where(*criteria))
        return bool((await self._tracker.rows(statement))[0][0])

    async def due_for_schedule(self, now: dt.datetime, limit: int) -> list[Product]:
        list_due = and_(products.c.list_at.is_not(None), products.c.list_at <= now)
        delist_due = and_(products.c.delist_at.is_not(None), products.c.delist_at <= now)
        due_at = case(
            (
                and_(
                    list_due,
                    or_(~delist_due, products.c.list_at <= products.c.delist_at),
                ),
                products.c.list_at,
            ),
            else_=products.c.delist_at,
        )
        return await self._load(
            PRODUCTS.select_all.where(or_(list_due, delist_due))
            .order_by(due_at, products.c.id)
            .limit(limit)
        )


class SqlCategoryRepository(_CatalogRepository[Category]):
    table = CATEGORIES
    not_found = staticmethod(CategoryNotFound)

    async def has_children(self, id_: uuid.UUID) -> bool:
        return await self._exists(categories.c.parent_id == id_)

    async def children(self, parent_id: uuid.UUID | None) -> list[Category]:
        found = await self._find_by(_parent_is(categories.c.parent_id, parent_id))
        return sorted(found, key=lambda c: (c.name, c.id))

    async def find_by_name_under(self, parent_id: uuid.UUID | None, name: str) -> Category | None:
        found = await self._find_by(
            _parent_is(categories.c.parent_id, parent_id),
            categories.c.name_key == name_key(name),
        )
        return min(found, key=lambda c: c.id) if found else None


class SqlFrontCategoryRepository(_CatalogRepository[FrontCategory]):
    table = FRONT_CATEGORIES
    not_found = staticmethod(FrontCategoryNotFound)

    async def has_children(self, id_: uuid.UUID) -> bool:
        return await self._exists(front_categories.c.parent_id == id_)


class SqlBrandRepository(_CatalogRepository[Brand]):
    table = BRANDS
    not_found = staticmethod(BrandNotFound)

    async def find_by_name(self, name: str) -> Brand | None:
        found = await self._find_by(brands.c.name_key == name_key(name))
        return min(found, key=lambda b: b.id) if found else None
