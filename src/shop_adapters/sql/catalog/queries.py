"""``CatalogQueries`` in SQL: Core selects over committed rows, never loading aggregates.

The one read side of the catalog (``memory://`` runs it too); the contract suite checks that
SQLite and PostgreSQL answer alike for the same data. Search is two round trips (count,
page), reading the search columns the mapping keeps on ``products`` and the index tables
``product_attribute_values`` and ``front_category_links``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from shop_adapters.sql.catalog.tables import (
    brands,
    categories,
    category_attributes,
    front_categories,
    front_category_links,
    product_attribute_values,
    products,
    skus,
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
    SearchSort,
    SkuView,
)
from shop_domain.catalog.errors import ProductNotFound
from shop_domain.catalog.model import AttributeKind, ListingStatus
from shop_domain.shared.money import Money

_ESCAPE = "\\"


def like_escape(text: str) -> str:
    """``text`` with the LIKE wildcards (and the escape character) taken literally."""
    return (
        text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    )


def listed_at(now: dt.datetime) -> ColumnElement[bool]:
    """``Product.is_listed(now)`` in SQL: an enabled SKU (``min_price_minor`` is set exactly
    then) and the stored status with the schedules due at ``now`` applied in time order (a
    listing and a delisting due at the same moment: list, then delist)."""
    p = products.c
    list_due = and_(p.list_at.is_not(None), p.list_at <= now)
    delist_due = and_(p.delist_at.is_not(None), p.delist_at <= now)
    return and_(
        p.min_price_minor.is_not(None),
        or_(
            and_(list_due, or_(~delist_due, p.list_at > p.delist_at)),
            and_(~list_due, ~delist_due, p.status == ListingStatus.LISTED),
        ),
    )


def _money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else Money(int(minor), currency)


class SqlCatalogQueries:
    """``CatalogQueries`` over an ``AsyncEngine`` (committed state only)."""

    def __init__(self, engine: AsyncEngine) -> None:
        # read-only transactions: on SQLite a plain BEGIN, so reads run beside the writer and
        # never queue for the write lock (a bare connection would BEGIN IMMEDIATE)
        self._engine = reader(engine)

    # --- search (CAT-8) -----------------------------------------------------------------------
    def _conditions(self, criteria: SearchCriteria, now: dt.datetime) -> list[Any]:
        p = products.c
        where: list[Any] = []
        if not criteria.include_unlisted:
            where.append(listed_at(now))
        if criteria.brand_id is not None:
            where.append(p.brand_id == criteria.brand_id)
        if criteria.shop_id is not None:
            where.append(p.shop_id == criteria.shop_id)
        if criteria.category_id is not None:
            where.append(p.category_id.in_(self._subtree_of(criteria.category_id)))
        if criteria.front_category_id is not None:
            where.append(p.category_id.in_(self._front_subtree(criteria.front_category_id)))
        for term in criteria.terms():
            pattern = f"%{like_escape(term)}%"
            where.append(
                or_(
                    p.name_key.like(pattern, escape=_ESCAPE),
                    brands.c.name_key.like(pattern, escape=_ESCAPE),
                )
            )
        v = product_attribute_values.c
        for key, value in criteria.attributes.items():
            where.append(exists().where(v.product_id == p.id, v.key == key, v.value == value))
        low, high = criteria.min_price, criteria.max_price
        bound = low if low is not None else high
        if bound is not None:
            s = skus.c
            price = [s.product_id == p.id, s.enabled.is_(True), s.currency == bound.currency]
            if low is not None:
                price.append(s.sale_price_minor >= low.minor)
            if high is not None:
                price.append(s.sale_price_minor <= high.minor)
            where.append(exists().where(*price))
        return where

    @staticmethod
    def _subtree_of(category_id: uuid.UUID) -> Any:
        """Ids of the categories in ``category_id``'s subtree (itself included)."""
        root = categories.alias("root")
        node = categories.alias("node")
        return (
            select(node.c.id)
            .join(root, node.c.path.startswith(root.c.path))
            .where(root.c.id == category_id)
        )

    @staticmethod
    def _front_subtree(front_category_id: uuid.UUID) -> Any:
        f = front_categories.c
        fronts = select(f.id).where(f.id == front_category_id).cte("fronts", recursive=True)
        child = front_categories.alias("child")
        fronts = fronts.union(select(child.c.id).where(child.c.parent_id == fronts.c.id))
        links = front_category_links.c
        mapped = select(links.category_id).where(links.front_category_id.in_(select(fronts.c.id)))
        root = categories.alias("mapped_root")
        node = categories.alias("mapped_node")
        return (
            select(node.c.id)
            .join(root, node.c.path.startswith(root.c.path))
            .where(root.c.id.in_(mapped))
        )

    @staticmethod
    def _order(sort: SearchSort) -> list[Any]:
        p = products.c
        if sort is SearchSort.NEWEST:
            return [p.created_at.desc(), p.id]
        if sort is SearchSort.SALES:
            return [p.sales_count.desc(), p.id]
        unpriced_last = case((p.min_price_minor.is_(None), 1), else_=0)
        price = p.min_price_minor.desc() if sort is SearchSort.PRICE_DESC else p.min_price_minor
        return [unpriced_last, price, p.id]

    async def search(self, criteria: SearchCriteria, now: dt.datetime) -> Page[ProductSummary]:
        p = products.c
        source = products.join(categories, categories.c.id == p.category_id).outerjoin(
            brands, brands.c.id == p.brand_id
        )
        where = self._conditions(criteria, now)
        count = select(func.count()).select_from(source).where(*where)
        page = (
            select(
                p.id,
                p.shop_id,
                p.name,
                p.brand_id,
                brands.c.name.label("brand_name"),
                p.category_id,
                categories.c.name.label("category_name"),
                p.currency,
                p.min_price_minor,
                p.max_price_minor,
                p.list_price_minor,
                p.stock_total,
                p.sales_count,
                listed_at(now).label("listed"),
                p.created_at,
            )
            .select_from(source)
            .where(*where)
            .order_by(*self._order(criteria.sort))
            .offset(criteria.offset)
            .limit(criteria.page_size)
        )
        async with self._engine.connect() as conn:
            total = (await conn.execute(count)).scalar_one()
            rows = (await conn.execute(page)).all() if total > criteria.offset else []
        return Page(
            items=tuple(self._summary(row) for row in rows),
            total=int(total),
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
            stock=int(row.stock_total),
            sales_count=int(row.sales_count),
            listed=bool(row.listed),
            created_at=row.created_at,
        )

    # --- product page -------------------------------------------------------------------------
    async def product_detail(
        self, product_id: uuid.UUID, now: dt.datetime, include_unlisted: bool = False
    ) -> ProductDetail:
        p = products.c
        category = categories.alias("category")
        ancestor = categories.alias("ancestor")
        # one row per ancestor of the product's category (root first)
        head = (
            select(
                products,
                brands.c.name.label("brand_name"),
                ancestor.c.name.label("ancestor_name"),
                listed_at(now).label("listed"),
            )
            .select_from(
                products.join(category, category.c.id == p.category_id)
                .join(ancestor, category.c.path.startswith(ancestor.c.path))
                .outerjoin(brands, brands.c.id == p.brand_id)
            )
            .where(p.id == product_id)
            .order_by(ancestor.c.depth)
        )
        lines = select(skus).where(skus.c.product_id == product_id).order_by(skus.c.position)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(head)).all()
            if not rows or not (include_unlisted or rows[0].listed):
                raise ProductNotFound(product_id)
            sku_rows = (await conn.execute(lines)).all()
        row = rows[0]
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
            skus=tuple(
                SkuView(
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
                    stock=int(s.stock),
                    enabled=bool(s.enabled),
                )
                for s in sku_rows
            ),
            min_price=_money(row.min_price_minor, row.currency),
            max_price=_money(row.max_price_minor, row.currency),
            stock=int(row.stock_total),
            sales_count=int(row.sales_count),
            status=ListingStatus(row.status).value,
            listed=bool(row.listed),
            list_at=row.list_at,
            delist_at=row.delist_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            version=row.version,
        )

    # --- trees and lists ----------------------------------------------------------------------
    async def category_tree(self) -> Sequence[CategoryNode]:
        async with self._engine.connect() as conn:
            nodes = (await conn.execute(select(categories))).all()
            definitions = (
                await conn.execute(
                    select(category_attributes).order_by(
                        category_attributes.c.category_id, category_attributes.c.position
                    )
                )
            ).all()
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
            nodes = (await conn.execute(select(front_categories))).all()
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
            rows = (await conn.execute(select(brands))).all()
        return [
            BrandView(id=b.id, name=b.name, logo_url=b.logo_url, category_ids=tuple(b.category_ids))
            for b in sorted(rows, key=lambda b: (b.name.lower(), b.id))
        ]


__all__ = ["SqlCatalogQueries", "like_escape", "listed_at"]
