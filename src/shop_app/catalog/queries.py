"""Read side of the catalog (CQRS): search criteria and read models (CAT-8).

The read models are plain frozen values built straight from storage, bypassing the aggregates.
:class:`shop_app.catalog.ports.CatalogQueries` documents the exact semantics every
implementation (memory, SQL) must share.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs

from shop_app.catalog.errors import (
    InvalidAttributeFilters,
    InvalidPage,
    InvalidPageSize,
    InvalidPriceRange,
    InvalidSort,
)
from shop_app.shared.paging import Page as Page  # re-exported: catalog callers use it
from shop_domain.shared.money import Money

MAX_PAGE_SIZE = 100


class SearchSort(enum.StrEnum):
    PRICE_ASC = "price_asc"  # lowest enabled-SKU sale price, cheapest first
    PRICE_DESC = "price_desc"  # lowest enabled-SKU sale price, dearest first
    SALES = "sales"  # sales_count, most sold first
    NEWEST = "newest"  # created_at, newest first


def _to_sort(value: str | SearchSort) -> SearchSort:
    try:
        return SearchSort(value)
    except ValueError as exc:
        raise InvalidSort(
            f"sort must be one of {[s.value for s in SearchSort]}",
            details={"sort": str(value)},
        ) from exc


def _to_attributes(value: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidAttributeFilters("attribute filters map keys to values")
    return {k.strip(): v.strip() for k, v in value.items()}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@attrs.frozen
class SearchCriteria:
    """What a shopper (or the back office) searches for (CAT-8). Every filter is optional;
    filters combine with AND. Invalid criteria raise ``InvalidValue`` on construction:

    - ``catalog.search.invalid_page``: ``page`` < 1;
    - ``catalog.search.invalid_page_size``: ``page_size`` outside 1..100;
    - ``catalog.search.invalid_sort``: an unknown sort;
    - ``catalog.search.invalid_price_range``: a negative bound, bounds in different
      currencies, or ``min_price`` > ``max_price``;
    - ``catalog.search.invalid_attributes``: attribute filters that are not str -> str.
    """

    keyword: str | None = None
    front_category_id: uuid.UUID | None = None
    category_id: uuid.UUID | None = None
    brand_id: uuid.UUID | None = None
    shop_id: uuid.UUID | None = None
    attributes: dict[str, str] = attrs.field(factory=dict, converter=_to_attributes)
    min_price: Money | None = None
    max_price: Money | None = None
    sort: SearchSort = attrs.field(default=SearchSort.NEWEST, converter=_to_sort)
    page: int = 1
    page_size: int = 20
    include_unlisted: bool = False  # back office only: unlisted products too

    def __attrs_post_init__(self) -> None:
        if not _is_int(self.page) or self.page < 1:
            raise InvalidPage("page starts at 1")
        if not _is_int(self.page_size) or not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidPageSize(f"page size is 1..{MAX_PAGE_SIZE}")
        bounds = [m for m in (self.min_price, self.max_price) if m is not None]
        if any(not isinstance(m, Money) or m.is_negative() for m in bounds):
            raise InvalidPriceRange("price bounds are amounts >= 0")
        if len(bounds) == 2 and (
            bounds[0].currency != bounds[1].currency or bounds[0].minor > bounds[1].minor
        ):
            raise InvalidPriceRange("min_price must not exceed max_price, in the same currency")

    def terms(self) -> list[str]:
        """The keyword's whitespace-separated terms, lower-cased."""
        return (self.keyword or "").lower().split()

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@attrs.frozen
class ProductSummary:
    """One search hit. Prices are over the product's enabled SKUs: ``min_price`` /
    ``max_price`` the lowest / highest sale price, ``list_price`` the lowest list price (None
    when no SKU is enabled, possible only for unlisted products). ``stock`` is the SPU stock,
    the sum over all its SKUs (CAT-1) of what fulfillment has available (ADR 0045).
    ``listed`` is the effective state at the query's now."""

    id: uuid.UUID
    shop_id: uuid.UUID
    name: str
    brand_id: uuid.UUID | None
    brand_name: str | None
    category_id: uuid.UUID
    category_name: str
    min_price: Money | None
    max_price: Money | None
    list_price: Money | None
    stock: int
    sales_count: int
    listed: bool
    created_at: dt.datetime
    kind: str = "physical"


@attrs.frozen
class SkuView:
    id: uuid.UUID
    code: str
    barcode: str | None
    sales_attributes: dict[str, str]
    sale_price: Money
    list_price: Money
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    freight_template_id: uuid.UUID | None
    stock: int
    enabled: bool


@attrs.frozen
class ProductDetail:
    """A product page: everything about the SPU, its SKUs in display order (all of them, with
    their ``enabled`` flag), and its category path from the root (``category_path`` names)."""

    id: uuid.UUID
    shop_id: uuid.UUID
    name: str
    description: str
    category_id: uuid.UUID
    category_path: tuple[str, ...]
    brand_id: uuid.UUID | None
    brand_name: str | None
    currency: str
    key_attributes: dict[str, str]
    other_attributes: dict[str, str]
    sales_attribute_keys: tuple[str, ...]
    skus: tuple[SkuView, ...]
    min_price: Money | None
    max_price: Money | None
    stock: int
    sales_count: int
    status: str  # stored status: "listed" / "unlisted"
    listed: bool  # effective state at the query's now
    list_at: dt.datetime | None
    delist_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    kind: str = "physical"
    """The goods kind (``GoodsKind``): physical, virtual or cross_border."""


@attrs.frozen
class AttributeView:
    key: str
    name: str
    kind: str
    required: bool
    allowed_values: tuple[str, ...]


@attrs.frozen
class CategoryNode:
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    depth: int
    path: str
    attributes: tuple[AttributeView, ...]
    children: tuple[CategoryNode, ...]

    @property
    def is_leaf(self) -> bool:
        return not self.children


@attrs.frozen
class FrontCategoryNode:
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    sort_order: int
    visible: bool
    category_ids: tuple[uuid.UUID, ...]
    children: tuple[FrontCategoryNode, ...]


@attrs.frozen
class BrandView:
    id: uuid.UUID
    name: str
    logo_url: str | None
    category_ids: tuple[uuid.UUID, ...]


@runtime_checkable
class CatalogFreshness(Protocol):
    """What a read side offers so that its answers may be reused (a cache of public reads):

    - ``freshness()``: a stamp that changes whenever a committed change touches anything the
      reads show — made by any writer, in any process — and is read after the change is
      visible; ``None`` when the store keeps none (then nothing may be reused);
    - ``next_listing_change(after)``: the earliest moment after ``after`` at which a product's
      effective listing changes by itself (a due ``list_at`` or ``delist_at``, CAT-7), or
      ``None``. A search answered at ``after`` stays the answer until then, if the stamp stays
      the same.
    """

    async def freshness(self) -> int | None: ...

    async def next_listing_change(self, after: dt.datetime) -> dt.datetime | None: ...
