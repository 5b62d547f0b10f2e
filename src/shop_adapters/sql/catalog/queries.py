"""``CatalogQueries`` in SQL: Core selects over committed rows, never loading aggregates.

The one read side of the catalog (``memory://`` runs it too). Every method gives exactly what
:class:`shop_app.catalog.ports.CatalogQueries` promises (the contract suite checks it on
SQLite and PostgreSQL). The statements are built once, with bind
parameters (:mod:`shop_adapters.sql.catalog.statements`): a search is one round trip, reading
the search columns the mapping keeps on ``products`` and the index tables
``product_attribute_values`` and ``front_category_links``; a product page is two (its head and
its SKUs) in one read transaction.

It also tells the HTTP adapter when a read may be reused (:class:`CatalogFreshness`): the
catalog's freshness stamp (:mod:`shop_adapters.sql.catalog.freshness`) and the next moment a
listing changes by itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.catalog.freshness import FreshnessStamp
from shop_adapters.sql.catalog.statements import (
    BRANDS,
    CATEGORIES,
    CATEGORY_ATTRIBUTES,
    FRONT_CATEGORIES,
    NEXT_SCHEDULE,
    PRODUCT_HEAD,
    PRODUCT_SKUS,
    SearchShape,
    like_escape,
    listed_at,
    search_parameters,
    search_statements,
)
from shop_adapters.sql.engine import reader
from shop_app.catalog.queries import (
    AttributeView,
    BrandView,
    CategoryNode,
    FrontCategoryNode,
    Page,
    ProductDetail,
    ProductSummary,
    SearchCriteria,
    SkuView,
)
from shop_domain.catalog.errors import ProductNotFound
from shop_domain.catalog.model import AttributeKind, GoodsKind, ListingStatus
from shop_domain.shared.money import Money


def _money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else Money(int(minor), currency)


class SqlCatalogQueries:
    """``CatalogQueries`` over an ``AsyncEngine`` (committed state only), and its
    :class:`~shop_app.catalog.queries.CatalogFreshness`."""

    def __init__(self, engine: AsyncEngine) -> None:
        # read-only transactions: on SQLite a plain BEGIN, so reads run beside the writer and
        # never queue for the write lock (a bare connection would BEGIN IMMEDIATE)
        self._engine = reader(engine)
        self._stamp = FreshnessStamp(engine)

    # --- reuse --------------------------------------------------------------------------------
    async def freshness(self) -> int | None:
        return await self._stamp.read()

    async def next_listing_change(self, after: dt.datetime) -> dt.datetime | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(NEXT_SCHEDULE, {"now": after})).one()
        due: list[dt.datetime] = [moment for moment in row if moment is not None]
        return min(due, default=None)

    # --- search (CAT-8) -----------------------------------------------------------------------
    async def search(self, criteria: SearchCriteria, now: dt.datetime) -> Page[ProductSummary]:
        page, count = search_statements(SearchShape.of(criteria))
        values = search_parameters(criteria, now)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(page, values)).all()
            if rows:
                total = int(rows[0].total)
            elif criteria.offset:  # a page past the end: no row carries the total
                total = int((await conn.execute(count, values)).scalar_one())
            else:
                total = 0
        return Page(
            items=tuple(self._summary(row) for row in rows),
            total=total,
            page=criteria.page,
            page_size=criteria.page_size,
        )

    @staticmethod
    def _summary(row: Any) -> ProductSummary:
        return ProductSummary(
            id=row.id,
            shop_id=row.shop_id,
            name=row.name,
            brand_id=row.brand_id,
            brand_name=row.brand_name,
            category_id=row.category_id,
            category_name=row.category_name,
            min_price=_money(row.min_price_minor, row.currency),
            max_price=_money(row.max_price_minor, row.currency),
            list_price=_money(row.list_price_minor, row.currency),
            stock=int(row.stock),
            sales_count=int(row.sales_count),
            listed=bool(row.listed),
            created_at=row.created_at,
            kind=GoodsKind(row.kind).value,
        )

    # --- product page -------------------------------------------------------------------------
    async def product_detail(
        self, product_id: uuid.UUID, now: dt.datetime, include_unlisted: bool = False
    ) -> ProductDetail:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(PRODUCT_HEAD, {"product_id": product_id, "now": now})).all()
            if not rows or not (include_unlisted or rows[0].listed):
                raise ProductNotFound(product_id)
            sku_rows = (await conn.execute(PRODUCT_SKUS, {"product_id": product_id})).all()
        row = rows[0]
        sku_views = tuple(_sku_view(s) for s in sku_rows)
        return ProductDetail(
            id=row.id,
            shop_id=row.shop_id,
            name=row.name,
            description=row.description,
            category_id=row.category_id,
            category_path=tuple(r.ancestor_name for r in rows),
            brand_id=row.brand_id,
            brand_name=row.brand_name,
            currency=row.currency,
            key_attributes=dict(row.key_attributes),
            other_attributes=dict(row.other_attributes),
            sales_attribute_keys=tuple(row.sales_attribute_keys),
            skus=sku_views,
            min_price=_money(row.min_price_minor, row.currency),
            max_price=_money(row.max_price_minor, row.currency),
            stock=sum(s.stock for s in sku_views),  # CAT-1
            sales_count=int(row.sales_count),
            status=ListingStatus(row.status).value,
            listed=bool(row.listed),
            list_at=row.list_at,
            delist_at=row.delist_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            version=row.version,
            kind=GoodsKind(row.kind).value,
        )

    # --- trees and lists ----------------------------------------------------------------------
    async def category_tree(self) -> Sequence[CategoryNode]:
        async with self._engine.connect() as conn:
            nodes = (await conn.execute(CATEGORIES)).all()
            definitions = (await conn.execute(CATEGORY_ATTRIBUTES)).all()
        attributes: dict[uuid.UUID, list[AttributeView]] = {}
        for d in definitions:
            kind = AttributeKind(d.kind)
            attributes.setdefault(d.category_id, []).append(
                AttributeView(
                    key=d.key,
                    name=d.name,
                    kind=kind.value,
                    required=bool(d.required) or kind is AttributeKind.KEY,
                    allowed_values=tuple(d.allowed_values),
                )
            )
        by_parent: dict[uuid.UUID | None, list[Row[Any]]] = {}
        for n in nodes:
            by_parent.setdefault(n.parent_id, []).append(n)

        def level(parent_id: uuid.UUID | None) -> tuple[CategoryNode, ...]:
            return tuple(
                CategoryNode(
                    id=n.id,
                    name=n.name,
                    parent_id=n.parent_id,
                    depth=n.depth,
                    path=n.path,
                    attributes=tuple(attributes.get(n.id, ())),
                    children=level(n.id),
                )
                for n in sorted(by_parent.get(parent_id, ()), key=lambda n: (n.name, n.id))
            )

        return level(None)

    async def front_category_tree(
        self, include_hidden: bool = False
    ) -> Sequence[FrontCategoryNode]:
        async with self._engine.connect() as conn:
            nodes = (await conn.execute(FRONT_CATEGORIES)).all()
        by_parent: dict[uuid.UUID | None, list[Row[Any]]] = {}
        for n in nodes:
            if include_hidden or n.visible:
                by_parent.setdefault(n.parent_id, []).append(n)

        def level(parent_id: uuid.UUID | None) -> tuple[FrontCategoryNode, ...]:
            return tuple(
                FrontCategoryNode(
                    id=n.id,
                    name=n.name,
                    parent_id=n.parent_id,
                    sort_order=n.sort_order,
                    visible=bool(n.visible),
                    category_ids=tuple(n.category_ids),
                    children=level(n.id),
                )
                for n in sorted(
                    by_parent.get(parent_id, ()), key=lambda n: (n.sort_order, n.name, n.id)
                )
            )

        return level(None)

    async def brands(self) -> Sequence[BrandView]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(BRANDS)).all()
        return [
            BrandView(id=b.id, name=b.name, logo_url=b.logo_url, category_ids=tuple(b.category_ids))
            for b in sorted(rows, key=lambda b: (b.name.lower(), b.id))
        ]


def _sku_view(s: Any) -> SkuView:
    return SkuView(
        id=s.id,
        code=s.code,
        barcode=s.barcode,
        sales_attributes=dict(s.sales_attributes),
        sale_price=Money(int(s.sale_price_minor), s.currency),
        list_price=Money(int(s.list_price_minor), s.currency),
        weight_g=s.weight_g,
        length_mm=s.length_mm,
        width_mm=s.width_mm,
        height_mm=s.height_mm,
        freight_template_id=s.freight_template_id,
        stock=int(s.stock),  # what fulfillment has available (ADR 0045)
        enabled=bool(s.enabled),
    )


__all__ = ["SqlCatalogQueries", "like_escape", "listed_at"]
