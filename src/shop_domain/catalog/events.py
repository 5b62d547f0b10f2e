"""Domain events of the catalog. What other contexts receive are the integration events they
map to (``shop_app/catalog/integration.py``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

import attrs

from shop_domain.shared.events import DomainEvent
from shop_domain.shared.money import Money

# --- back-end categories ----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CategoryCreated(DomainEvent):
    event_type: ClassVar[str] = "catalog.category_created"
    category_id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    depth: int
    path: str


@attrs.frozen(kw_only=True)
class CategoryRenamed(DomainEvent):
    event_type: ClassVar[str] = "catalog.category_renamed"
    category_id: uuid.UUID
    old_name: str
    new_name: str


@attrs.frozen(kw_only=True)
class CategoryAttributesDefined(DomainEvent):
    event_type: ClassVar[str] = "catalog.category_attributes_defined"
    category_id: uuid.UUID
    key_attributes: tuple[str, ...]
    sales_attributes: tuple[str, ...]
    other_attributes: tuple[str, ...]


# --- front-end categories ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FrontCategoryCreated(DomainEvent):
    event_type: ClassVar[str] = "catalog.front_category_created"
    front_category_id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    sort_order: int
    visible: bool


@attrs.frozen(kw_only=True)
class FrontCategoryUpdated(DomainEvent):
    event_type: ClassVar[str] = "catalog.front_category_updated"
    front_category_id: uuid.UUID
    name: str
    sort_order: int
    visible: bool


@attrs.frozen(kw_only=True)
class FrontCategoryMapped(DomainEvent):
    event_type: ClassVar[str] = "catalog.front_category_mapped"
    front_category_id: uuid.UUID
    category_ids: tuple[uuid.UUID, ...]


@attrs.frozen(kw_only=True)
class FrontCategoryDeleted(DomainEvent):
    event_type: ClassVar[str] = "catalog.front_category_deleted"
    front_category_id: uuid.UUID


# --- brands -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BrandCreated(DomainEvent):
    event_type: ClassVar[str] = "catalog.brand_created"
    brand_id: uuid.UUID
    name: str
    category_ids: tuple[uuid.UUID, ...]


@attrs.frozen(kw_only=True)
class BrandUpdated(DomainEvent):
    event_type: ClassVar[str] = "catalog.brand_updated"
    brand_id: uuid.UUID
    name: str
    logo_url: str | None
    category_ids: tuple[uuid.UUID, ...]


# --- products and SKUs ------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ProductCreated(DomainEvent):
    event_type: ClassVar[str] = "catalog.product_created"
    product_id: uuid.UUID
    shop_id: uuid.UUID
    name: str
    category_id: uuid.UUID
    brand_id: uuid.UUID | None
    sku_ids: tuple[uuid.UUID, ...]


@attrs.frozen(kw_only=True)
class ProductUpdated(DomainEvent):
    event_type: ClassVar[str] = "catalog.product_updated"
    product_id: uuid.UUID
    changed: tuple[str, ...]  # names of the fields that changed


@attrs.frozen(kw_only=True)
class SkuAdded(DomainEvent):
    event_type: ClassVar[str] = "catalog.sku_added"
    product_id: uuid.UUID
    sku_id: uuid.UUID
    shop_id: uuid.UUID
    code: str
    sales_attributes: dict[str, str]
    sale_price: Money
    list_price: Money
    enabled: bool


@attrs.frozen(kw_only=True)
class SkuPriceChanged(DomainEvent):
    event_type: ClassVar[str] = "catalog.sku_price_changed"
    product_id: uuid.UUID
    sku_id: uuid.UUID
    old_sale_price: Money
    new_sale_price: Money
    old_list_price: Money
    new_list_price: Money


@attrs.frozen(kw_only=True)
class SkuEnabled(DomainEvent):
    event_type: ClassVar[str] = "catalog.sku_enabled"
    product_id: uuid.UUID
    sku_id: uuid.UUID


@attrs.frozen(kw_only=True)
class SkuDisabled(DomainEvent):
    event_type: ClassVar[str] = "catalog.sku_disabled"
    product_id: uuid.UUID
    sku_id: uuid.UUID


@attrs.frozen(kw_only=True)
class ProductListed(DomainEvent):
    """The product went on sale; ``effective_at`` is the scheduled time for a scheduled listing
    (``occurred_at`` is when the sweep applied it)."""

    event_type: ClassVar[str] = "catalog.product_listed"
    product_id: uuid.UUID
    scheduled: bool
    effective_at: dt.datetime


@attrs.frozen(kw_only=True)
class ProductUnlisted(DomainEvent):
    """The product left sale. ``reason``: ``manual``, ``scheduled`` or ``no_enabled_sku``
    (its last enabled SKU was disabled). Promotions on it stop applying (CAT-7)."""

    event_type: ClassVar[str] = "catalog.product_unlisted"
    product_id: uuid.UUID
    reason: str
    effective_at: dt.datetime


@attrs.frozen(kw_only=True)
class ProductListingScheduled(DomainEvent):
    event_type: ClassVar[str] = "catalog.product_listing_scheduled"
    product_id: uuid.UUID
    list_at: dt.datetime | None
    delist_at: dt.datetime | None


@attrs.frozen(kw_only=True)
class ProductListingSkipped(DomainEvent):
    """A scheduled listing came due but the product had no enabled SKU, so it stayed unlisted."""

    event_type: ClassVar[str] = "catalog.product_listing_skipped"
    product_id: uuid.UUID
    reason: str
    effective_at: dt.datetime


@attrs.frozen(kw_only=True)
class ProductSalesRecorded(DomainEvent):
    event_type: ClassVar[str] = "catalog.product_sales_recorded"
    product_id: uuid.UUID
    quantity: int
    sales_count: int
