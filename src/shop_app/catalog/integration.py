"""What the catalog publishes: its integration events, and the one mapping from each of its
domain events (see :mod:`shop_app.shared.integration`).

Internal: ``ProductListingSkipped`` (a scheduled listing that did not happen changes nothing
outside) and ``ProductSalesRecorded`` (the catalog's own sales counter, fed by orders).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

import attrs

import shop_domain.catalog.events as ev
from shop_app.shared.integration import REGISTRY, Amount, IntegrationEvent
from shop_domain.catalog.categories import Brand, Category, FrontCategory
from shop_domain.catalog.products import Product

REGISTRY.aggregate(Product, "catalog.product")
REGISTRY.aggregate(Category, "catalog.category")
REGISTRY.aggregate(FrontCategory, "catalog.front_category")
REGISTRY.aggregate(Brand, "catalog.brand")
REGISTRY.internal(ev.ProductListingSkipped, ev.ProductSalesRecorded)

# --- categories and brands -------------------------------------------------------------------


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CategoryCreatedV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.category_created"
    version: ClassVar[int] = 1
    category_id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    depth: int
    path: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CategoryRenamedV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.category_renamed"
    version: ClassVar[int] = 1
    category_id: uuid.UUID
    name: str
    previous_name: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CategoryAttributesDefinedV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.category_attributes_defined"
    version: ClassVar[int] = 1
    category_id: uuid.UUID
    key_attributes: tuple[str, ...]
    sales_attributes: tuple[str, ...]
    other_attributes: tuple[str, ...]


@REGISTRY.maps(ev.CategoryCreated)
def _category_created(e: ev.CategoryCreated) -> CategoryCreatedV1:
    return CategoryCreatedV1(
        category_id=e.category_id,
        name=e.name,
        parent_id=e.parent_id,
        depth=e.depth,
        path=e.path,
    )


@REGISTRY.maps(ev.CategoryRenamed)
def _category_renamed(e: ev.CategoryRenamed) -> CategoryRenamedV1:
    return CategoryRenamedV1(category_id=e.category_id, name=e.new_name, previous_name=e.old_name)


@REGISTRY.maps(ev.CategoryAttributesDefined)
def _category_attributes(e: ev.CategoryAttributesDefined) -> CategoryAttributesDefinedV1:
    return CategoryAttributesDefinedV1(
        category_id=e.category_id,
        key_attributes=e.key_attributes,
        sales_attributes=e.sales_attributes,
        other_attributes=e.other_attributes,
    )


@REGISTRY.event
@attrs.frozen(kw_only=True)
class FrontCategoryCreatedV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.front_category_created"
    version: ClassVar[int] = 1
    front_category_id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    sort_order: int
    visible: bool


@REGISTRY.event
@attrs.frozen(kw_only=True)
class FrontCategoryUpdatedV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.front_category_updated"
    version: ClassVar[int] = 1
    front_category_id: uuid.UUID
    name: str
    sort_order: int
    visible: bool


@REGISTRY.event
@attrs.frozen(kw_only=True)
class FrontCategoryMappedV1(IntegrationEvent):
    """The front category now shows the products of exactly ``category_ids``."""

    type: ClassVar[str] = "catalog.front_category_mapped"
    version: ClassVar[int] = 1
    front_category_id: uuid.UUID
    category_ids: tuple[uuid.UUID, ...]


@REGISTRY.event
@attrs.frozen(kw_only=True)
class FrontCategoryDeletedV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.front_category_deleted"
    version: ClassVar[int] = 1
    front_category_id: uuid.UUID


@REGISTRY.maps(ev.FrontCategoryCreated)
def _front_created(e: ev.FrontCategoryCreated) -> FrontCategoryCreatedV1:
    return FrontCategoryCreatedV1(
        front_category_id=e.front_category_id,
        name=e.name,
        parent_id=e.parent_id,
        sort_order=e.sort_order,
        visible=e.visible,
    )


@REGISTRY.maps(ev.FrontCategoryUpdated)
def _front_updated(e: ev.FrontCategoryUpdated) -> FrontCategoryUpdatedV1:
    return FrontCategoryUpdatedV1(
        front_category_id=e.front_category_id,
        name=e.name,
        sort_order=e.sort_order,
        visible=e.visible,
    )


@REGISTRY.maps(ev.FrontCategoryMapped)
def _front_mapped(e: ev.FrontCategoryMapped) -> FrontCategoryMappedV1:
    return FrontCategoryMappedV1(front_category_id=e.front_category_id, category_ids=e.category_ids)


@REGISTRY.maps(ev.FrontCategoryDeleted)
def _front_deleted(e: ev.FrontCategoryDeleted) -> FrontCategoryDeletedV1:
    return FrontCategoryDeletedV1(front_category_id=e.front_category_id)


@REGISTRY.event
@attrs.frozen(kw_only=True)
class BrandCreatedV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.brand_created"
    version: ClassVar[int] = 1
    brand_id: uuid.UUID
    name: str
    category_ids: tuple[uuid.UUID, ...]


@REGISTRY.event
@attrs.frozen(kw_only=True)
class BrandUpdatedV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.brand_updated"
    version: ClassVar[int] = 1
    brand_id: uuid.UUID
    name: str
    logo_url: str | None
    category_ids: tuple[uuid.UUID, ...]


@REGISTRY.maps(ev.BrandCreated)
def _brand_created(e: ev.BrandCreated) -> BrandCreatedV1:
    return BrandCreatedV1(brand_id=e.brand_id, name=e.name, category_ids=e.category_ids)


@REGISTRY.maps(ev.BrandUpdated)
def _brand_updated(e: ev.BrandUpdated) -> BrandUpdatedV1:
    return BrandUpdatedV1(
        brand_id=e.brand_id, name=e.name, logo_url=e.logo_url, category_ids=e.category_ids
    )


# --- products and SKUs ------------------------------------------------------------------------


@REGISTRY.event
@attrs.frozen(kw_only=True)
class ProductCreatedV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.product_created"
    version: ClassVar[int] = 1
    product_id: uuid.UUID
    shop_id: uuid.UUID
    name: str
    category_id: uuid.UUID
    brand_id: uuid.UUID | None
    sku_ids: tuple[uuid.UUID, ...]


@REGISTRY.event
@attrs.frozen(kw_only=True)
class ProductUpdatedV1(IntegrationEvent):
    """The product's descriptive fields changed; ``changed_fields`` names them."""

    type: ClassVar[str] = "catalog.product_updated"
    version: ClassVar[int] = 1
    product_id: uuid.UUID
    changed_fields: tuple[str, ...]


@REGISTRY.event
@attrs.frozen(kw_only=True)
class ProductListedV1(IntegrationEvent):
    """The product went on sale at ``effective_at`` (its scheduled time, if ``scheduled``)."""

    type: ClassVar[str] = "catalog.product_listed"
    version: ClassVar[int] = 1
    product_id: uuid.UUID
    scheduled: bool
    effective_at: dt.datetime


@REGISTRY.event
@attrs.frozen(kw_only=True)
class ProductUnlistedV1(IntegrationEvent):
    """The product left sale; ``reason``: ``manual``, ``scheduled`` or ``no_enabled_sku``."""

    type: ClassVar[str] = "catalog.product_unlisted"
    version: ClassVar[int] = 1
    product_id: uuid.UUID
    reason: str
    effective_at: dt.datetime


@REGISTRY.event
@attrs.frozen(kw_only=True)
class ProductListingScheduledV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.product_listing_scheduled"
    version: ClassVar[int] = 1
    product_id: uuid.UUID
    list_at: dt.datetime | None
    delist_at: dt.datetime | None


@REGISTRY.maps(ev.ProductCreated)
def _product_created(e: ev.ProductCreated) -> ProductCreatedV1:
    return ProductCreatedV1(
        product_id=e.product_id,
        shop_id=e.shop_id,
        name=e.name,
        category_id=e.category_id,
        brand_id=e.brand_id,
        sku_ids=e.sku_ids,
    )


@REGISTRY.maps(ev.ProductUpdated)
def _product_updated(e: ev.ProductUpdated) -> ProductUpdatedV1:
    return ProductUpdatedV1(product_id=e.product_id, changed_fields=e.changed)


@REGISTRY.maps(ev.ProductListed)
def _product_listed(e: ev.ProductListed) -> ProductListedV1:
    return ProductListedV1(
        product_id=e.product_id, scheduled=e.scheduled, effective_at=e.effective_at
    )


@REGISTRY.maps(ev.ProductUnlisted)
def _product_unlisted(e: ev.ProductUnlisted) -> ProductUnlistedV1:
    return ProductUnlistedV1(product_id=e.product_id, reason=e.reason, effective_at=e.effective_at)


@REGISTRY.maps(ev.ProductListingScheduled)
def _listing_scheduled(e: ev.ProductListingScheduled) -> ProductListingScheduledV1:
    return ProductListingScheduledV1(
        product_id=e.product_id, list_at=e.list_at, delist_at=e.delist_at
    )


@REGISTRY.event
@attrs.frozen(kw_only=True)
class SkuAddedV2(IntegrationEvent):
    """Version 2 drops v1's ``stock``: a SKU's stock is fulfillment's, published by its
    ``fulfillment.stock_*`` events (ADR 0045)."""

    type: ClassVar[str] = "catalog.sku_added"
    version: ClassVar[int] = 2
    product_id: uuid.UUID
    sku_id: uuid.UUID
    shop_id: uuid.UUID
    code: str
    sales_attributes: dict[str, str]
    sale_price: Amount
    list_price: Amount
    enabled: bool


@REGISTRY.event
@attrs.frozen(kw_only=True)
class SkuPriceChangedV1(IntegrationEvent):
    type: ClassVar[str] = "catalog.sku_price_changed"
    version: ClassVar[int] = 1
    product_id: uuid.UUID
    sku_id: uuid.UUID
    sale_price: Amount
    list_price: Amount
    previous_sale_price: Amount
    previous_list_price: Amount


@attrs.frozen(kw_only=True)
class _SkuChange(IntegrationEvent):
    product_id: uuid.UUID
    sku_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class SkuEnabledV1(_SkuChange):
    type: ClassVar[str] = "catalog.sku_enabled"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class SkuDisabledV1(_SkuChange):
    type: ClassVar[str] = "catalog.sku_disabled"
    version: ClassVar[int] = 1


@REGISTRY.maps(ev.SkuAdded)
def _sku_added(e: ev.SkuAdded) -> SkuAddedV2:
    return SkuAddedV2(
        product_id=e.product_id,
        sku_id=e.sku_id,
        shop_id=e.shop_id,
        code=e.code,
        sales_attributes=dict(e.sales_attributes),
        sale_price=Amount.of(e.sale_price),
        list_price=Amount.of(e.list_price),
        enabled=e.enabled,
    )


@REGISTRY.maps(ev.SkuPriceChanged)
def _sku_price_changed(e: ev.SkuPriceChanged) -> SkuPriceChangedV1:
    return SkuPriceChangedV1(
        product_id=e.product_id,
        sku_id=e.sku_id,
        sale_price=Amount.of(e.new_sale_price),
        list_price=Amount.of(e.new_list_price),
        previous_sale_price=Amount.of(e.old_sale_price),
        previous_list_price=Amount.of(e.old_list_price),
    )


@REGISTRY.maps(ev.SkuEnabled)
def _sku_enabled(e: ev.SkuEnabled) -> SkuEnabledV1:
    return SkuEnabledV1(product_id=e.product_id, sku_id=e.sku_id)


@REGISTRY.maps(ev.SkuDisabled)
def _sku_disabled(e: ev.SkuDisabled) -> SkuDisabledV1:
    return SkuDisabledV1(product_id=e.product_id, sku_id=e.sku_id)
