"""The catalog read side's statements, built once with bind parameters (ADR 0026).

Building a ``select`` of this size costs SQLAlchemy some hundreds of microseconds, and its cache
key as much again, on every request that builds it anew; a statement object built once is
compiled once and its cache key is remembered. So every read sends a statement made here: the
fixed ones at import, a search's per *shape* (which filters it has, how many keyword terms and
attribute pairs, which sort), kept for reuse; only the values travel, as parameters
(:func:`search_parameters`).

A search is one round trip: the page's rows carry the number of all matches (an uncorrelated
scalar subquery, computed once per statement by both databases), and only a page past the end,
which has no row to carry it, asks for the count alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import attrs
from sqlalchemy import (
    BindParameter,
    Integer,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.sql import ColumnElement, Select

from shop_adapters.sql.catalog.tables import (
    brands,
    categories,
    category_attributes,
    front_categories,
    front_category_links,
    product_attribute_values,
    products,
    sku_stock,
    skus,
)
from shop_app.catalog.queries import SearchCriteria, SearchSort
from shop_domain.catalog.model import ListingStatus

ESCAPE: Final = "\\"
MAX_SHAPES: Final = 512
"""Search shapes kept built; a search of a shape beyond them is built for itself."""


def like_escape(text: str) -> str:
    """``text`` with the LIKE wildcards (and the escape character) taken literally."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def listed_at(now: dt.datetime | BindParameter[dt.datetime]) -> ColumnElement[bool]:
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


NOW: Final = bindparam("now", type_=products.c.list_at.type)

# --- search (CAT-8) ---------------------------------------------------------------------------


@attrs.frozen
class SearchShape:
    """What a search's statement depends on besides its values."""

    listed_only: bool
    brand: bool
    shop: bool
    category: bool
    front_category: bool
    terms: int
    attributes: int
    low: bool
    high: bool
    sort: SearchSort

    @classmethod
    def of(cls, criteria: SearchCriteria) -> SearchShape:
        return cls(
            listed_only=not criteria.include_unlisted,
            brand=criteria.brand_id is not None,
            shop=criteria.shop_id is not None,
            category=criteria.category_id is not None,
            front_category=criteria.front_category_id is not None,
            terms=len(criteria.terms()),
            attributes=len(criteria.attributes),
            low=criteria.min_price is not None,
            high=criteria.max_price is not None,
            sort=criteria.sort,
        )


def search_parameters(criteria: SearchCriteria, now: dt.datetime) -> dict[str, Any]:
    """The values of :func:`search_statement`'s parameters for ``criteria`` at ``now``."""
    values: dict[str, Any] = {
        "now": now,
        "offset": criteria.offset,
        "limit": criteria.page_size,
        "brand_id": criteria.brand_id,
        "shop_id": criteria.shop_id,
        "category_id": criteria.category_id,
        "front_category_id": criteria.front_category_id,
    }
    for index, term in enumerate(criteria.terms()):
        values[f"term_{index}"] = f"%{like_escape(term)}%"
    for index, (key, value) in enumerate(criteria.attributes.items()):
        values[f"attribute_key_{index}"] = key
        values[f"attribute_value_{index}"] = value
    bound = criteria.min_price or criteria.max_price
    if bound is not None:
        values["currency"] = bound.currency
        values["low"] = criteria.min_price.minor if criteria.min_price else None
        values["high"] = criteria.max_price.minor if criteria.max_price else None
    return {name: value for name, value in values.items() if value is not None}


def _subtree_of_category() -> Any:
    """Ids of the categories in ``:category_id``'s subtree (itself included)."""
    root = categories.alias("root")
    node = categories.alias("node")
    return (
        select(node.c.id)
        .join(root, node.c.path.startswith(root.c.path))
        .where(root.c.id == bindparam("category_id"))
    )


def _subtree_of_front_category() -> Any:
    """Ids of the back-end categories under those ``:front_category_id`` or any of its front
    descendants maps."""
    f = front_categories.c
    fronts = select(f.id).where(f.id == bindparam("front_category_id"))
    fronts_cte = fronts.cte("fronts", recursive=True)
    child = front_categories.alias("child")
    fronts_cte = fronts_cte.union(select(child.c.id).where(child.c.parent_id == fronts_cte.c.id))
    links = front_category_links.c
    mapped = select(links.category_id).where(links.front_category_id.in_(select(fronts_cte.c.id)))
    root = categories.alias("mapped_root")
    node = categories.alias("mapped_node")
    return (
        select(node.c.id)
        .join(root, node.c.path.startswith(root.c.path))
        .where(root.c.id.in_(mapped))
    )


def _conditions(shape: SearchShape) -> list[Any]:
    p = products.c
    where: list[Any] = []
    if shape.listed_only:
        where.append(listed_at(NOW))
    if shape.brand:
        where.append(p.brand_id == bindparam("brand_id"))
    if shape.shop:
        where.append(p.shop_id == bindparam("shop_id"))
    if shape.category:
        where.append(p.category_id.in_(_subtree_of_category()))
    if shape.front_category:
        where.append(p.category_id.in_(_subtree_of_front_category()))
    for index in range(shape.terms):
        pattern = bindparam(f"term_{index}", type_=products.c.name_key.type)
        where.append(
            or_(
                p.name_key.like(pattern, escape=ESCAPE),
                brands.c.name_key.like(pattern, escape=ESCAPE),
            )
        )
    v = product_attribute_values.c
    for index in range(shape.attributes):
        where.append(
            exists().where(
                v.product_id == p.id,
                v.key == bindparam(f"attribute_key_{index}"),
                v.value == bindparam(f"attribute_value_{index}"),
            )
        )
    if shape.low or shape.high:
        s = skus.c
        price = [s.product_id == p.id, s.enabled.is_(True), s.currency == bindparam("currency")]
        if shape.low:
            price.append(s.sale_price_minor >= bindparam("low"))
        if shape.high:
            price.append(s.sale_price_minor <= bindparam("high"))
        where.append(exists().where(*price))
    return where


def _order(sort: SearchSort) -> list[Any]:
    p = products.c
    if sort is SearchSort.NEWEST:
        return [p.created_at.desc(), p.id]
    if sort is SearchSort.SALES:
        return [p.sales_count.desc(), p.id]
    unpriced_last = case((p.min_price_minor.is_(None), 1), else_=0)
    price = p.min_price_minor.desc() if sort is SearchSort.PRICE_DESC else p.min_price_minor
    return [unpriced_last, price, p.id]


def _source() -> Any:
    p = products.c
    return products.join(categories, categories.c.id == p.category_id).outerjoin(
        brands, brands.c.id == p.brand_id
    )


def _count(where: list[Any]) -> Select[Any]:
    return select(func.count()).select_from(_source()).where(*where)


def count_statement(shape: SearchShape) -> Select[Any]:
    """How many products match (for a page past the end, which has no row to tell)."""
    return _count(_conditions(shape))


_SPU_STOCK: Final = (
    select(func.coalesce(func.sum(sku_stock.c.available), 0))
    .select_from(skus.join(sku_stock, sku_stock.c.sku_id == skus.c.id))
    .where(skus.c.product_id == products.c.id)
    .scalar_subquery()
)
"""A product's stock: what fulfillment has available of all its SKUs (CAT-1, ADR 0045)."""
_SKU_STOCK: Final = (
    select(func.coalesce(func.sum(sku_stock.c.available), 0))
    .where(sku_stock.c.sku_id == skus.c.id)
    .scalar_subquery()
)
"""A SKU's stock: the sum over the warehouses of what is available there (none: 0)."""


def _page_statement(shape: SearchShape) -> Select[Any]:
    p = products.c
    where = _conditions(shape)  # the same conditions (and CTE) in the count and the page
    total = _count(where).correlate(None).scalar_subquery()
    return (
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
            _SPU_STOCK.label("stock"),
            p.sales_count,
            p.kind,
            listed_at(NOW).label("listed"),
            p.created_at,
            total.label("total"),
        )
        .select_from(_source())
        .where(*where)
        .order_by(*_order(shape.sort))
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


_built: dict[SearchShape, tuple[Select[Any], Select[Any]]] = {}


def search_statements(shape: SearchShape) -> tuple[Select[Any], Select[Any]]:
    """The page statement (rows with the total) and the count statement of ``shape``."""
    built = _built.get(shape)
    if built is None:
        built = (_page_statement(shape), count_statement(shape))
        if len(_built) < MAX_SHAPES:
            _built[shape] = built
    return built


# --- the product page -------------------------------------------------------------------------

_category = categories.alias("category")
_ancestor = categories.alias("ancestor")
PRODUCT_HEAD: Final = (
    select(
        products,
        brands.c.name.label("brand_name"),
        _ancestor.c.name.label("ancestor_name"),
        listed_at(NOW).label("listed"),
    )
    .select_from(
        products.join(_category, _category.c.id == products.c.category_id)
        .join(_ancestor, _category.c.path.startswith(_ancestor.c.path))
        .outerjoin(brands, brands.c.id == products.c.brand_id)
    )
    .where(products.c.id == bindparam("product_id"))
    .order_by(_ancestor.c.depth)
)
"""One row per ancestor of the product's category (root first)."""
PRODUCT_SKUS: Final = (
    select(skus, _SKU_STOCK.label("stock"))
    .where(skus.c.product_id == bindparam("product_id"))
    .order_by(skus.c.position)
)

# --- when listings change by themselves, trees and lists --------------------------------------

NEXT_SCHEDULE: Final = select(
    select(func.min(products.c.list_at)).where(products.c.list_at > NOW).scalar_subquery(),
    select(func.min(products.c.delist_at)).where(products.c.delist_at > NOW).scalar_subquery(),
)
"""The earliest listing and delisting due after ``:now``, of any product."""
CATEGORIES: Final = select(categories)
CATEGORY_ATTRIBUTES: Final = select(category_attributes).order_by(
    category_attributes.c.category_id, category_attributes.c.position
)
FRONT_CATEGORIES: Final = select(front_categories)
BRANDS: Final = select(brands)

__all__ = [
    "BRANDS",
    "CATEGORIES",
    "CATEGORY_ATTRIBUTES",
    "FRONT_CATEGORIES",
    "NEXT_SCHEDULE",
    "PRODUCT_HEAD",
    "PRODUCT_SKUS",
    "SearchShape",
    "count_statement",
    "like_escape",
    "listed_at",
    "search_parameters",
    "search_statements",
]
