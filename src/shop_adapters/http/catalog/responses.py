"""Response bodies of the catalog API, built from the read models of
:mod:`shop_app.catalog.queries` (never from aggregates). Request bodies are in
:mod:`shop_adapters.http.catalog.requests`.

Amounts are :class:`~shop_adapters.http.schemas.MoneySchema` objects (exact decimal strings,
never floats: MON-1).
"""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from shop_adapters.http.schemas import MoneySchema
from shop_app.catalog.queries import (
    AttributeView,
    BrandView,
    CategoryNode,
    FrontCategoryNode,
    Page,
    ProductDetail,
    ProductSummary,
    SkuView,
)
from shop_domain.catalog.model import AttributeKind, GoodsKind, ListingStatus
from shop_domain.shared.money import Money


def _money(value: Money | None) -> MoneySchema | None:
    return None if value is None else MoneySchema.from_domain(value)


class Created(msgspec.Struct, frozen=True):
    id: uuid.UUID


class SchedulesApplied(msgspec.Struct, frozen=True):
    changed: int
    """How many products changed state."""


class ProductSummaryOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    shop_id: uuid.UUID
    name: str
    brand_id: uuid.UUID | None
    brand_name: str | None
    category_id: uuid.UUID
    category_name: str
    min_price: MoneySchema | None
    """Lowest sale price over the enabled SKUs."""
    max_price: MoneySchema | None
    list_price: MoneySchema | None
    stock: int
    """SPU stock: the sum of its SKUs' (CAT-1), what fulfillment has available (ADR 0045)."""
    sales_count: int
    listed: bool
    created_at: dt.datetime
    kind: GoodsKind
    """``physical``, ``virtual`` (never shipped) or ``cross_border``."""

    @classmethod
    def of(cls, view: ProductSummary) -> ProductSummaryOut:
        return cls(
            id=view.id,
            shop_id=view.shop_id,
            name=view.name,
            brand_id=view.brand_id,
            brand_name=view.brand_name,
            category_id=view.category_id,
            category_name=view.category_name,
            min_price=_money(view.min_price),
            max_price=_money(view.max_price),
            list_price=_money(view.list_price),
            stock=view.stock,
            sales_count=view.sales_count,
            listed=view.listed,
            created_at=view.created_at,
            kind=GoodsKind(view.kind),
        )


class ProductPage(msgspec.Struct, frozen=True):
    """One page of search hits; ``pages`` is the number of pages of ``page_size``."""

    items: list[ProductSummaryOut]
    total: int
    page: int
    page_size: int
    pages: int

    @classmethod
    def of(cls, page: Page[ProductSummary]) -> ProductPage:
        return cls(
            items=[ProductSummaryOut.of(item) for item in page.items],
            total=page.total,
            page=page.page,
            page_size=page.page_size,
            pages=page.pages,
        )


class SkuOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    code: str
    barcode: str | None
    sales_attributes: dict[str, str]
    sale_price: MoneySchema
    list_price: MoneySchema
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    freight_template_id: uuid.UUID | None
    stock: int
    enabled: bool

    @classmethod
    def of(cls, view: SkuView) -> SkuOut:
        return cls(
            id=view.id,
            code=view.code,
            barcode=view.barcode,
            sales_attributes=dict(view.sales_attributes),
            sale_price=MoneySchema.from_domain(view.sale_price),
            list_price=MoneySchema.from_domain(view.list_price),
            weight_g=view.weight_g,
            length_mm=view.length_mm,
            width_mm=view.width_mm,
            height_mm=view.height_mm,
            freight_template_id=view.freight_template_id,
            stock=view.stock,
            enabled=view.enabled,
        )


class ProductDetailOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    shop_id: uuid.UUID
    name: str
    description: str
    category_id: uuid.UUID
    category_path: list[str]
    """Category names from the root down to the product's leaf."""
    brand_id: uuid.UUID | None
    brand_name: str | None
    currency: str
    key_attributes: dict[str, str]
    other_attributes: dict[str, str]
    sales_attribute_keys: list[str]
    skus: list[SkuOut]
    min_price: MoneySchema | None
    max_price: MoneySchema | None
    stock: int
    sales_count: int
    status: ListingStatus
    """Stored status: ``listed`` or ``unlisted``."""
    listed: bool
    """Effective state now (due schedules applied)."""
    list_at: dt.datetime | None
    delist_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    kind: GoodsKind
    """``physical``, ``virtual`` (never shipped) or ``cross_border``."""

    @classmethod
    def of(cls, view: ProductDetail) -> ProductDetailOut:
        return cls(
            id=view.id,
            shop_id=view.shop_id,
            name=view.name,
            description=view.description,
            category_id=view.category_id,
            category_path=list(view.category_path),
            brand_id=view.brand_id,
            brand_name=view.brand_name,
            currency=view.currency,
            key_attributes=dict(view.key_attributes),
            other_attributes=dict(view.other_attributes),
            sales_attribute_keys=list(view.sales_attribute_keys),
            skus=[SkuOut.of(sku) for sku in view.skus],
            min_price=_money(view.min_price),
            max_price=_money(view.max_price),
            stock=view.stock,
            sales_count=view.sales_count,
            status=ListingStatus(view.status),
            listed=view.listed,
            list_at=view.list_at,
            delist_at=view.delist_at,
            created_at=view.created_at,
            updated_at=view.updated_at,
            version=view.version,
            kind=GoodsKind(view.kind),
        )


class AttributeOut(msgspec.Struct, frozen=True):
    key: str
    name: str
    kind: AttributeKind
    required: bool
    allowed_values: list[str]

    @classmethod
    def of(cls, view: AttributeView) -> AttributeOut:
        return cls(
            key=view.key,
            name=view.name,
            kind=AttributeKind(view.kind),
            required=view.required,
            allowed_values=list(view.allowed_values),
        )


class CategoryOut(msgspec.Struct, frozen=True):
    """A back-end category with its attribute definitions and its subcategories."""

    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    depth: int
    """1 for a root."""
    leaf: bool
    attributes: list[AttributeOut]
    children: list[CategoryOut]

    @classmethod
    def of(cls, node: CategoryNode) -> CategoryOut:
        return cls(
            id=node.id,
            name=node.name,
            parent_id=node.parent_id,
            depth=node.depth,
            leaf=node.is_leaf,
            attributes=[AttributeOut.of(a) for a in node.attributes],
            children=[cls.of(child) for child in node.children],
        )


class FrontCategoryOut(msgspec.Struct, frozen=True):
    """A display category, the back-end categories it shows, and its subcategories."""

    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    sort_order: int
    visible: bool
    category_ids: list[uuid.UUID]
    children: list[FrontCategoryOut]

    @classmethod
    def of(cls, node: FrontCategoryNode) -> FrontCategoryOut:
        return cls(
            id=node.id,
            name=node.name,
            parent_id=node.parent_id,
            sort_order=node.sort_order,
            visible=node.visible,
            category_ids=list(node.category_ids),
            children=[cls.of(child) for child in node.children],
        )


class BrandOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    name: str
    logo_url: str | None
    category_ids: list[uuid.UUID]
    """The categories the brand is restricted to; empty: any."""

    @classmethod
    def of(cls, view: BrandView) -> BrandOut:
        return cls(
            id=view.id,
            name=view.name,
            logo_url=view.logo_url,
            category_ids=list(view.category_ids),
        )


__all__ = [
    "AttributeOut",
    "BrandOut",
    "CategoryOut",
    "Created",
    "FrontCategoryOut",
    "ProductDetailOut",
    "ProductPage",
    "ProductSummaryOut",
    "SchedulesApplied",
    "SkuOut",
]
