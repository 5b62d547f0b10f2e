"""In-memory catalog repositories and the reference implementation of ``CatalogQueries``.

``MemoryCatalogQueries`` is the executable specification of the read side: the SQL
implementation must return exactly what it returns (see ``CatalogQueries``' docstring).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from shop_adapters.memory.kernel import MemoryDatabase, MemoryRepository
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
from shop_domain.catalog.categories import Brand, Category, FrontCategory
from shop_domain.catalog.errors import (
    BrandNotFound,
    CategoryNotFound,
    FrontCategoryNotFound,
    ProductNotFound,
)
from shop_domain.catalog.model import name_key
from shop_domain.catalog.products import Product
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.money import Money

if TYPE_CHECKING:
    pass

A = TypeVar("A", bound=Aggregate)

# --- repositories -----------------------------------------------------------------------------


class MemoryProductRepository(MemoryRepository[Product]):
    aggregate_type = Product
    not_found = staticmethod(ProductNotFound)

    async def exists_in_category(self, category_id: uuid.UUID) -> bool:
        return bool(await self.find_where(lambda p: p.category_id == category_id))

    async def sku_code_taken(
        self, shop_id: uuid.UUID, code: str, *, exclude_product_id: uuid.UUID | None = None
    ) -> bool:
        def uses_code(product: Product) -> bool:
            return (
                product.shop_id == shop_id
                and product.id != exclude_product_id
                and any(sku.code == code for sku in product.skus)
            )

        return bool(await self.find_where(uses_code))

    async def due_for_schedule(self, now: dt.datetime, limit: int) -> list[Product]:
        def due_at(product: Product) -> dt.datetime | None:
            times = [t for t in (product.list_at, product.delist_at) if t is not None and t <= now]
            return min(times) if times else None

        due = await self.find_where(lambda p: due_at(p) is not None)
        due.sort(key=lambda p: (due_at(p), p.id))
        return due[:limit]


class MemoryCategoryRepository(MemoryRepository[Category]):
    aggregate_type = Category
    not_found = staticmethod(CategoryNotFound)

    async def has_children(self, id_: uuid.UUID) -> bool:
        return bool(await self.find_where(lambda c: c.parent_id == id_))

    async def children(self, parent_id: uuid.UUID | None) -> list[Category]:
        found = await self.find_where(lambda c: c.parent_id == parent_id)
        return sorted(found, key=lambda c: (c.name, c.id))

    async def find_by_name_under(self, parent_id: uuid.UUID | None, name: str) -> Category | None:
        key = name_key(name)
        found = await self.find_where(
            lambda c: c.parent_id == parent_id and name_key(c.name) == key
        )
        return min(found, key=lambda c: c.id) if found else None


class MemoryFrontCategoryRepository(MemoryRepository[FrontCategory]):
    aggregate_type = FrontCategory
    not_found = staticmethod(FrontCategoryNotFound)

    async def has_children(self, id_: uuid.UUID) -> bool:
        return bool(await self.find_where(lambda f: f.parent_id == id_))


class MemoryBrandRepository(MemoryRepository[Brand]):
    aggregate_type = Brand
    not_found = staticmethod(BrandNotFound)

    async def find_by_name(self, name: str) -> Brand | None:
        key = name_key(name)
        found = await self.find_where(lambda b: name_key(b.name) == key)
        return min(found, key=lambda b: b.id) if found else None


# --- read side --------------------------------------------------------------------------------


def _rows(db: MemoryDatabase, kind: type[A]) -> list[A]:
    return [row for row in db.rows(kind.__name__) if isinstance(row, kind)]


def _lowest(prices: Iterable[Money]) -> Money | None:
    return min(prices, key=lambda m: m.minor, default=None)


def _highest(prices: Iterable[Money]) -> Money | None:
    return max(prices, key=lambda m: m.minor, default=None)


class MemoryCatalogQueries:
    """``CatalogQueries`` over a :class:`MemoryDatabase`'s committed state."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    # --- search (CAT-8) -----------------------------------------------------------------------
    async def search(self, criteria: SearchCriteria, now: dt.datetime) -> Page[ProductSummary]:
        categories = {c.id: c for c in _rows(self._db, Category)}
        brands = {b.id: b for b in _rows(self._db, Brand)}
        category_filters = self._category_filters(criteria, categories)

        def in_subtrees(product: Product) -> bool:
            if not category_filters:
                return True
            category = categories.get(product.category_id)
            return category is not None and all(
                any(category.is_within(root) for root in roots) for roots in category_filters
            )

        def matches(product: Product) -> bool:
            if not criteria.include_unlisted and not product.is_listed(now):
                return False
            if criteria.brand_id is not None and product.brand_id != criteria.brand_id:
                return False
            if criteria.shop_id is not None and product.shop_id != criteria.shop_id:
                return False
            if not in_subtrees(product):
                return False
            brand = brands.get(product.brand_id) if product.brand_id else None
            haystacks = [product.name.lower(), brand.name.lower() if brand else ""]
            if not all(any(t in h for h in haystacks) for t in criteria.terms()):
                return False
            enabled = product.enabled_skus()
            for key, value in criteria.attributes.items():
                if (
                    product.key_attributes.get(key) != value
                    and product.other_attributes.get(key) != value
                    and not any(s.sales_attributes.get(key) == value for s in enabled)
                ):
                    return False
            return self._price_matches(criteria, [s.sale_price for s in enabled])

        found = [p for p in _rows(self._db, Product) if matches(p)]
        found = self._sorted(found, criteria.sort)
        window = found[criteria.offset : criteria.offset + criteria.page_size]
        return Page(
            items=tuple(self._summary(p, categories, brands, now) for p in window),
            total=len(found),
            page=criteria.page,
            page_size=criteria.page_size,
        )

    def _category_filters(
        self, criteria: SearchCriteria, categories: dict[uuid.UUID, Category]
    ) -> list[list[Category]]:
        """For each category filter, the categories whose subtrees satisfy it (the product's
        category must lie in one of them, for every filter). An empty list matches nothing."""
        filters: list[list[Category]] = []
        if criteria.category_id is not None:
            category = categories.get(criteria.category_id)
            filters.append([category] if category is not None else [])
        if criteria.front_category_id is not None:
            fronts = _rows(self._db, FrontCategory)
            wanted = {f.id for f in fronts if f.id == criteria.front_category_id}
            while True:  # add the front descendants
                more = {f.id for f in fronts if f.parent_id in wanted} - wanted
                if not more:
                    break
                wanted |= more
            mapped = {
                cid for f in fronts if f.id in wanted for cid in f.category_ids if cid in categories
            }
            filters.append([categories[cid] for cid in sorted(mapped)])
        return filters

    @staticmethod
    def _price_matches(criteria: SearchCriteria, prices: Sequence[Money]) -> bool:
        low, high = criteria.min_price, criteria.max_price
        if low is None and high is None:
            return True
        bound = low if low is not None else high
        assert bound is not None
        currency = bound.currency
        return any(
            p.currency == currency
            and (low is None or p.minor >= low.minor)
            and (high is None or p.minor <= high.minor)
            for p in prices
        )

    @staticmethod
    def _sorted(products: list[Product], sort: SearchSort) -> list[Product]:
        by_id = sorted(products, key=lambda p: p.id)  # stable sorts keep id order for ties
        if sort is SearchSort.NEWEST:
            return sorted(by_id, key=lambda p: p.created_at, reverse=True)
        if sort is SearchSort.SALES:
            return sorted(by_id, key=lambda p: -p.sales_count)
        priced = [p for p in by_id if p.price_range() is not None]
        unpriced = [p for p in by_id if p.price_range() is None]

        def low(product: Product) -> int:
            prices = product.price_range()
            assert prices is not None
            return prices[0].minor

        descending = sort is SearchSort.PRICE_DESC
        return sorted(priced, key=lambda p: -low(p) if descending else low(p)) + unpriced

    @staticmethod
    def _summary(
        product: Product,
        categories: dict[uuid.UUID, Category],
        brands: dict[uuid.UUID, Brand],
        now: dt.datetime,
    ) -> ProductSummary:
        enabled = product.enabled_skus()
        brand = brands.get(product.brand_id) if product.brand_id else None
        category = categories.get(product.category_id)
        return ProductSummary(
            id=product.id,
            shop_id=product.shop_id,
            name=product.name,
            brand_id=product.brand_id,
            brand_name=brand.name if brand else None,
            category_id=product.category_id,
            category_name=category.name if category else "",
            min_price=_lowest(s.sale_price for s in enabled),
            max_price=_highest(s.sale_price for s in enabled),
            list_price=_lowest(s.list_price for s in enabled),
            stock=product.total_stock,
            sales_count=product.sales_count,
            listed=product.is_listed(now),
            created_at=product.created_at,
        )

    # --- product page -------------------------------------------------------------------------
    async def product_detail(
        self, product_id: uuid.UUID, now: dt.datetime, include_unlisted: bool = False
    ) -> ProductDetail:
        product = self._db.tables[Product.__name__].get(product_id)
        if not isinstance(product, Product) or not (include_unlisted or product.is_listed(now)):
            raise ProductNotFound(product_id)
        categories = {c.id: c for c in _rows(self._db, Category)}
        category = categories.get(product.category_id)
        lineage = category.lineage() if category else []
        brand = self._db.tables[Brand.__name__].get(product.brand_id) if product.brand_id else None
        enabled = product.enabled_skus()
        skus = sorted(product.skus, key=lambda s: s.position)
        return ProductDetail(
            id=product.id,
            shop_id=product.shop_id,
            name=product.name,
            description=product.description,
            category_id=product.category_id,
            category_path=tuple(categories[i].name for i in lineage if i in categories),
            brand_id=product.brand_id,
            brand_name=brand.name if isinstance(brand, Brand) else None,
            currency=product.currency,
            key_attributes=dict(product.key_attributes),
            other_attributes=dict(product.other_attributes),
            sales_attribute_keys=tuple(product.sales_attribute_keys),
            skus=tuple(
                SkuView(
                    id=s.id,
                    code=s.code,
                    barcode=s.barcode,
                    sales_attributes=dict(s.sales_attributes),
                    sale_price=s.sale_price,
                    list_price=s.list_price,
                    weight_g=s.weight_g,
                    length_mm=s.dimensions.length_mm,
                    width_mm=s.dimensions.width_mm,
                    height_mm=s.dimensions.height_mm,
                    freight_template_id=s.freight_template_id,
                    stock=s.stock,
                    enabled=s.enabled,
                )
                for s in skus
            ),
            min_price=_lowest(s.sale_price for s in enabled),
            max_price=_highest(s.sale_price for s in enabled),
            stock=product.total_stock,
            sales_count=product.sales_count,
            status=product.status.value,
            listed=product.is_listed(now),
            list_at=product.list_at,
            delist_at=product.delist_at,
            created_at=product.created_at,
            updated_at=product.updated_at,
            version=product.version,
        )

    # --- trees and lists ----------------------------------------------------------------------
    async def category_tree(self) -> Sequence[CategoryNode]:
        categories = _rows(self._db, Category)

        def nodes(parent_id: uuid.UUID | None) -> tuple[CategoryNode, ...]:
            level = sorted(
                (c for c in categories if c.parent_id == parent_id), key=lambda c: (c.name, c.id)
            )
            return tuple(
                CategoryNode(
                    id=c.id,
                    name=c.name,
                    parent_id=c.parent_id,
                    depth=c.depth,
                    path=c.path,
                    attributes=tuple(
                        AttributeView(
                            key=d.key,
                            name=d.name,
                            kind=d.kind.value,
                            required=d.is_required,
                            allowed_values=tuple(d.allowed_values),
                        )
                        for d in sorted(c.attributes, key=lambda d: d.position)
                    ),
                    children=nodes(c.id),
                )
                for c in level
            )

        return nodes(None)

    async def front_category_tree(
        self, include_hidden: bool = False
    ) -> Sequence[FrontCategoryNode]:
        fronts = _rows(self._db, FrontCategory)

        def nodes(parent_id: uuid.UUID | None) -> tuple[FrontCategoryNode, ...]:
            level = sorted(
                (f for f in fronts if f.parent_id == parent_id and (include_hidden or f.visible)),
                key=lambda f: (f.sort_order, f.name, f.id),
            )
            return tuple(
                FrontCategoryNode(
                    id=f.id,
                    name=f.name,
                    parent_id=f.parent_id,
                    sort_order=f.sort_order,
                    visible=f.visible,
                    category_ids=tuple(f.category_ids),
                    children=nodes(f.id),
                )
                for f in level
            )

        return nodes(None)

    async def brands(self) -> Sequence[BrandView]:
        return [
            BrandView(id=b.id, name=b.name, logo_url=b.logo_url, category_ids=tuple(b.category_ids))
            for b in sorted(_rows(self._db, Brand), key=lambda b: (b.name.lower(), b.id))
        ]
