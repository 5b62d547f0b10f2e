"""Wire schemas of the catalog API: msgspec request structs with their limits, and response
structs built from the read models of :mod:`shop_app.catalog.queries` (never from aggregates).

Requests refuse unknown fields and out-of-range values with 400 ``request.invalid`` before any
command runs; what only the domain can judge (an unknown currency, more decimals than the
currency has, a blank name, a business rule) comes back as 422/409 with the domain's code.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Final

import msgspec
from msgspec import Meta

from shop_adapters.http.schemas import MoneySchema
from shop_app.catalog import commands as c
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
from shop_domain.shared.money import Money

# --- limits -----------------------------------------------------------------------------------

MAX_NAME: Final = 200
MAX_KEY: Final = 64
MAX_VALUE: Final = 200
MAX_CODE: Final = 64
MAX_DESCRIPTION: Final = 20_000
MAX_URL: Final = 2_000
MAX_SKUS: Final = 200
MAX_ATTRIBUTES: Final = 50
MAX_ALLOWED_VALUES: Final = 200
MAX_CATEGORY_LINKS: Final = 100
MAX_COUNT: Final = 1_000_000_000
MAX_SIZE: Final = 100_000_000
MAX_SORT_ORDER: Final = 1_000_000

Name = Annotated[str, Meta(min_length=1, max_length=MAX_NAME, examples=["Smartphones"])]
Key = Annotated[str, Meta(min_length=1, max_length=MAX_KEY, examples=["colour"])]
Value = Annotated[str, Meta(min_length=1, max_length=MAX_VALUE, examples=["Black"])]
Code = Annotated[str, Meta(min_length=1, max_length=MAX_CODE, examples=["NOVA-X1-BLK-128"])]
Description = Annotated[str, Meta(max_length=MAX_DESCRIPTION)]
Url = Annotated[str, Meta(min_length=1, max_length=MAX_URL, examples=["https://cdn.example/l.png"])]
Count = Annotated[int, Meta(ge=0, le=MAX_COUNT)]
Size = Annotated[int, Meta(ge=0, le=MAX_SIZE)]
SortOrder = Annotated[int, Meta(ge=-MAX_SORT_ORDER, le=MAX_SORT_ORDER)]
Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217", examples=["CNY"])]
Attributes = Annotated[dict[Key, Value], Meta(max_length=MAX_ATTRIBUTES)]
CategoryIds = Annotated[list[uuid.UUID], Meta(max_length=MAX_CATEGORY_LINKS)]
Moment = Annotated[
    dt.datetime,
    Meta(tz=True, description="ISO 8601 with a timezone", examples=["2026-01-01T10:00:00+08:00"]),
]
AttributeKindName = Annotated[str, Meta(pattern=r"^(key|sales|other)$", examples=["sales"])]


class _In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are an error, not silently ignored."""


# --- requests: categories ---------------------------------------------------------------------


class CategoryIn(_In):
    name: Name
    parent_id: uuid.UUID | None = None

    def command(self) -> c.CreateCategory:
        return c.CreateCategory(name=self.name, parent_id=self.parent_id)


class RenameIn(_In):
    name: Name


class AttributeIn(_In):
    key: Key
    name: Name
    kind: AttributeKindName
    """``key`` (identifies the product, always required), ``sales`` (forms SKUs), ``other``."""
    required: bool = False
    allowed_values: Annotated[list[Value], Meta(max_length=MAX_ALLOWED_VALUES)] = []

    def spec(self) -> c.AttributeSpec:
        return c.AttributeSpec(
            key=self.key,
            name=self.name,
            kind=self.kind,
            required=self.required,
            allowed_values=tuple(self.allowed_values),
        )


class AttributesIn(_In):
    """The complete list of attribute definitions of a leaf category (replaces the old one)."""

    attributes: Annotated[list[AttributeIn], Meta(max_length=MAX_ATTRIBUTES)]


class FrontCategoryIn(_In):
    name: Name
    parent_id: uuid.UUID | None = None
    sort_order: SortOrder = 0
    visible: bool = True
    category_ids: CategoryIds = []

    def command(self) -> c.CreateFrontCategory:
        return c.CreateFrontCategory(
            name=self.name,
            parent_id=self.parent_id,
            sort_order=self.sort_order,
            visible=self.visible,
            category_ids=tuple(self.category_ids),
        )


class FrontCategoryPatch(_In):
    """Fields to change; an absent field stays as it is."""

    name: Name | None = None
    sort_order: SortOrder | None = None
    visible: bool | None = None


class CategoryLinksIn(_In):
    """The back-end categories (any level) a front category shows; replaces the old mapping."""

    category_ids: CategoryIds


# --- requests: brands -------------------------------------------------------------------------


class BrandIn(_In):
    name: Name
    logo_url: Url | None = None
    category_ids: CategoryIds = []
    """Restrict the brand to these categories' subtrees; empty: allowed everywhere (CAT-5)."""


# --- requests: products and SKUs --------------------------------------------------------------


class SkuIn(_In):
    code: Code
    """The merchant's SKU code, unique within the shop."""
    sale_price: MoneySchema
    list_price: MoneySchema
    sales_attributes: Attributes = {}
    barcode: Code | None = None
    weight_g: Size = 0
    length_mm: Size = 0
    width_mm: Size = 0
    height_mm: Size = 0
    freight_template_id: uuid.UUID | None = None
    stock: Count = 0
    enabled: bool = True

    def new_sku(self) -> c.NewSku:
        return c.NewSku(
            code=self.code,
            sale_price=self.sale_price.to_domain(),
            list_price=self.list_price.to_domain(),
            sales_attributes=dict(self.sales_attributes),
            barcode=self.barcode,
            weight_g=self.weight_g,
            length_mm=self.length_mm,
            width_mm=self.width_mm,
            height_mm=self.height_mm,
            freight_template_id=self.freight_template_id,
            stock=self.stock,
            enabled=self.enabled,
        )


class ProductIn(_In):
    shop_id: uuid.UUID
    name: Name
    category_id: uuid.UUID
    """A leaf of the back-end tree (CAT-2)."""
    skus: Annotated[list[SkuIn], Meta(min_length=1, max_length=MAX_SKUS)]
    currency: Currency = "CNY"
    description: Description = ""
    brand_id: uuid.UUID | None = None
    key_attributes: Attributes = {}
    other_attributes: Attributes = {}
    sales_attribute_keys: Annotated[list[Key], Meta(max_length=MAX_ATTRIBUTES)] = []

    def command(self) -> c.CreateProduct:
        return c.CreateProduct(
            shop_id=self.shop_id,
            name=self.name,
            category_id=self.category_id,
            currency=self.currency,
            skus=tuple(sku.new_sku() for sku in self.skus),
            description=self.description,
            brand_id=self.brand_id,
            key_attributes=dict(self.key_attributes),
            other_attributes=dict(self.other_attributes),
            sales_attribute_keys=tuple(self.sales_attribute_keys),
        )


class ProductUpdateIn(_In):
    """The descriptive fields, all replaced (``brand_id: null`` removes the brand)."""

    name: Name
    description: Description = ""
    brand_id: uuid.UUID | None = None
    key_attributes: Attributes = {}
    other_attributes: Attributes = {}

    def command(self, product_id: uuid.UUID) -> c.UpdateProduct:
        return c.UpdateProduct(
            product_id=product_id,
            name=self.name,
            description=self.description,
            brand_id=self.brand_id,
            key_attributes=dict(self.key_attributes),
            other_attributes=dict(self.other_attributes),
        )


class PriceIn(_In):
    sale_price: MoneySchema
    list_price: MoneySchema


class StockIn(_In):
    stock: Count


class ScheduleIn(_In):
    """Scheduled listing and delisting times (CAT-7); ``null`` or absent clears one."""

    list_at: Moment | None = None
    delist_at: Moment | None = None


# --- responses --------------------------------------------------------------------------------


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
    """SPU stock: the sum of its SKUs' (CAT-1)."""
    sales_count: int
    listed: bool
    created_at: dt.datetime

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
    status: str
    """Stored status: ``listed`` or ``unlisted``."""
    listed: bool
    """Effective state now (due schedules applied)."""
    list_at: dt.datetime | None
    delist_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

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
            status=view.status,
            listed=view.listed,
            list_at=view.list_at,
            delist_at=view.delist_at,
            created_at=view.created_at,
            updated_at=view.updated_at,
            version=view.version,
        )


class AttributeOut(msgspec.Struct, frozen=True):
    key: str
    name: str
    kind: str
    required: bool
    allowed_values: list[str]

    @classmethod
    def of(cls, view: AttributeView) -> AttributeOut:
        return cls(
            key=view.key,
            name=view.name,
            kind=view.kind,
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
    "AttributeIn",
    "AttributeOut",
    "AttributesIn",
    "BrandIn",
    "BrandOut",
    "CategoryIn",
    "CategoryLinksIn",
    "CategoryOut",
    "Created",
    "FrontCategoryIn",
    "FrontCategoryOut",
    "FrontCategoryPatch",
    "PriceIn",
    "ProductDetailOut",
    "ProductIn",
    "ProductPage",
    "ProductSummaryOut",
    "ProductUpdateIn",
    "RenameIn",
    "ScheduleIn",
    "SchedulesApplied",
    "SkuIn",
    "SkuOut",
    "StockIn",
]
