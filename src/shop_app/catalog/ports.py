"""Ports of the catalog context: repositories, its unit of work, and the read side."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, Self

from shop_app.catalog.queries import (
    BrandView,
    CategoryNode,
    FrontCategoryNode,
    Page,
    ProductDetail,
    ProductSummary,
    SearchCriteria,
)
from shop_app.shared.ports import Clock, IdempotencyStore, IdGenerator
from shop_domain.catalog.categories import Brand, Category, FrontCategory
from shop_domain.catalog.products import Product

# --- repositories (write side: they return aggregates, tracked by the unit of work) ----------


class ProductRepository(Protocol):
    def add(self, product: Product) -> None: ...

    async def get(self, id_: uuid.UUID) -> Product:
        """The product, or raise ``ProductNotFound``."""
        ...

    async def find(self, id_: uuid.UUID) -> Product | None: ...

    async def exists_in_category(self, category_id: uuid.UUID) -> bool:
        """Whether any product hangs on exactly this category."""
        ...

    async def sku_code_taken(
        self, shop_id: uuid.UUID, code: str, *, exclude_product_id: uuid.UUID | None = None
    ) -> bool:
        """Whether a SKU of another product of ``shop_id`` uses ``code`` (exact match)."""
        ...

    async def due_for_schedule(self, now: dt.datetime, limit: int) -> list[Product]:
        """Up to ``limit`` products with ``list_at <= now`` or ``delist_at <= now``, earliest
        due first (ties by id)."""
        ...


class CategoryRepository(Protocol):
    def add(self, category: Category) -> None: ...

    async def get(self, id_: uuid.UUID) -> Category:
        """The category, or raise ``CategoryNotFound``."""
        ...

    async def find(self, id_: uuid.UUID) -> Category | None: ...

    async def has_children(self, id_: uuid.UUID) -> bool: ...

    async def children(self, parent_id: uuid.UUID | None) -> list[Category]:
        """Direct children of ``parent_id`` (roots for None), by name then id."""
        ...

    async def find_by_name_under(self, parent_id: uuid.UUID | None, name: str) -> Category | None:
        """The child of ``parent_id`` (a root for None) named ``name``, compared with
        :func:`shop_domain.catalog.name_key` (case- and whitespace-insensitive)."""
        ...


class FrontCategoryRepository(Protocol):
    def add(self, front_category: FrontCategory) -> None: ...

    async def get(self, id_: uuid.UUID) -> FrontCategory:
        """The front category, or raise ``FrontCategoryNotFound``."""
        ...

    async def find(self, id_: uuid.UUID) -> FrontCategory | None: ...

    async def has_children(self, id_: uuid.UUID) -> bool: ...

    def remove(self, front_category: FrontCategory) -> None:
        """Delete it when the unit of work commits (its recorded events still go out)."""
        ...


class BrandRepository(Protocol):
    def add(self, brand: Brand) -> None: ...

    async def get(self, id_: uuid.UUID) -> Brand:
        """The brand, or raise ``BrandNotFound``."""
        ...

    async def find(self, id_: uuid.UUID) -> Brand | None: ...

    async def find_by_name(self, name: str) -> Brand | None:
        """The brand whose name equals ``name`` by :func:`shop_domain.catalog.name_key`."""
        ...


class CatalogUnitOfWork(Protocol):
    """The kernel unit of work with the catalog's repositories."""

    clock: Clock
    ids: IdGenerator
    idempotency: IdempotencyStore

    @property
    def products(self) -> ProductRepository: ...

    @property
    def categories(self) -> CategoryRepository: ...

    @property
    def front_categories(self) -> FrontCategoryRepository: ...

    @property
    def brands(self) -> BrandRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


# --- read side (CQRS) -------------------------------------------------------------------------


class CatalogQueries(Protocol):
    """Reads over committed state. Every implementation behaves exactly like this:

    ``search(criteria, now)`` (CAT-8):

    - only products effectively listed at ``now`` (:meth:`Product.is_listed`: stored status with
      due schedules applied, and at least one enabled SKU), unless
      ``criteria.include_unlisted``;
    - ``keyword``: every whitespace-separated term, lower-cased, occurs in the lower-cased
      product name or brand name;
    - ``category_id``: the product's category lies in that category's subtree (itself included);
    - ``front_category_id``: the product's category lies in the subtree of a back-end category
      mapped by that front category or by any of its front descendants (hidden or not);
    - ``brand_id``, ``shop_id``: equality;
    - ``attributes``: for every pair, the product's key or other attributes hold that value,
      or an enabled SKU's sales attributes do (pairs may be met by different SKUs);
    - ``min_price`` / ``max_price``: some enabled SKU's sale price, in the bound's currency,
      lies within the bounds (inclusive);
    - unknown category, front category or brand ids simply match nothing;
    - sorting (ties always by product id ascending): ``price_asc`` / ``price_desc`` by the
      lowest enabled-SKU sale price (products without one last), ``sales`` by ``sales_count``
      descending, ``newest`` by ``created_at`` descending;
    - ``total`` counts all matches; ``items`` is the ``page`` (1-based) of ``page_size``;
      a page past the end is empty.

    ``product_detail(product_id, now, include_unlisted=False)``: the detail, or
    ``ProductNotFound`` if there is no such product or it is not listed at ``now`` and
    ``include_unlisted`` is false.

    ``category_tree()``: the back-end roots with nested children, siblings by name then id.

    ``front_category_tree(include_hidden=False)``: the front roots with nested children,
    siblings by ``sort_order``, name, id; a hidden category hides its whole subtree unless
    ``include_hidden``.

    ``brands()``: every brand, by lower-cased name then id.
    """

    async def search(self, criteria: SearchCriteria, now: dt.datetime) -> Page[ProductSummary]: ...

    async def product_detail(
        self, product_id: uuid.UUID, now: dt.datetime, include_unlisted: bool = False
    ) -> ProductDetail: ...

    async def category_tree(self) -> Sequence[CategoryNode]: ...

    async def front_category_tree(
        self, include_hidden: bool = False
    ) -> Sequence[FrontCategoryNode]: ...

    async def brands(self) -> Sequence[BrandView]: ...
