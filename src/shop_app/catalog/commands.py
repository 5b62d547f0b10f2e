"""Commands of the catalog context: one frozen class per use case, carrying plain data.

Commands that create something return the new id (taken from the unit of work's id generator);
the others return None, except :class:`ApplyListingSchedules` (the number of products it
touched).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

import attrs

from shop_domain.catalog.model import GoodsKind
from shop_domain.shared.money import Money


def _frozen_dict(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


# --- back-end categories (CAT-2, CAT-4) -------------------------------------------------------


@attrs.frozen
class CreateCategory:
    name: str
    parent_id: uuid.UUID | None = None


@attrs.frozen
class RenameCategory:
    category_id: uuid.UUID
    name: str


@attrs.frozen
class AttributeSpec:
    """One attribute definition; ``kind`` is ``key``, ``sales`` or ``other``."""

    key: str
    name: str
    kind: str
    required: bool = False
    allowed_values: tuple[str, ...] = ()


@attrs.frozen
class DefineCategoryAttributes:
    """Replace the attribute definitions of a leaf category (order = display order)."""

    category_id: uuid.UUID
    attributes: tuple[AttributeSpec, ...]


# --- front-end categories (CAT-3) -------------------------------------------------------------


@attrs.frozen
class CreateFrontCategory:
    name: str
    parent_id: uuid.UUID | None = None
    sort_order: int = 0
    visible: bool = True
    category_ids: tuple[uuid.UUID, ...] = ()


@attrs.frozen
class UpdateFrontCategory:
    """Rename, reorder, hide or show; None leaves a field unchanged."""

    front_category_id: uuid.UUID
    name: str | None = None
    sort_order: int | None = None
    visible: bool | None = None


@attrs.frozen
class MapFrontCategory:
    """Set the back-end categories (any level) a front category shows."""

    front_category_id: uuid.UUID
    category_ids: tuple[uuid.UUID, ...]


@attrs.frozen
class DeleteFrontCategory:
    front_category_id: uuid.UUID


# --- brands (CAT-5) ---------------------------------------------------------------------------


@attrs.frozen
class CreateBrand:
    name: str
    logo_url: str | None = None
    category_ids: tuple[uuid.UUID, ...] = ()  # empty: allowed in any category


@attrs.frozen
class UpdateBrand:
    """Replace name, logo and allowed categories."""

    brand_id: uuid.UUID
    name: str
    logo_url: str | None = None
    category_ids: tuple[uuid.UUID, ...] = ()


# --- products and SKUs (CAT-1, CAT-6) ---------------------------------------------------------


@attrs.frozen
class NewSku:
    code: str
    sale_price: Money
    list_price: Money
    sales_attributes: dict[str, str] = attrs.field(factory=dict, converter=_frozen_dict)
    barcode: str | None = None
    weight_g: int = 0
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0
    freight_template_id: uuid.UUID | None = None
    enabled: bool = True


@attrs.frozen
class CreateProduct:
    """Create an unlisted product with its first SKUs; returns the product id."""

    shop_id: uuid.UUID
    name: str
    category_id: uuid.UUID
    currency: str
    skus: tuple[NewSku, ...]
    description: str = ""
    brand_id: uuid.UUID | None = None
    key_attributes: dict[str, str] = attrs.field(factory=dict, converter=_frozen_dict)
    other_attributes: dict[str, str] = attrs.field(factory=dict, converter=_frozen_dict)
    sales_attribute_keys: tuple[str, ...] = ()
    kind: GoodsKind = GoodsKind.PHYSICAL


@attrs.frozen
class UpdateProduct:
    """Replace the descriptive fields (all of them: ``brand_id=None`` removes the brand)."""

    product_id: uuid.UUID
    name: str
    description: str
    brand_id: uuid.UUID | None
    key_attributes: dict[str, str] = attrs.field(factory=dict, converter=_frozen_dict)
    other_attributes: dict[str, str] = attrs.field(factory=dict, converter=_frozen_dict)
    kind: GoodsKind | None = None
    """The goods kind; ``None`` keeps it."""


@attrs.frozen
class AddSku:
    """Add a SKU to a product; returns the SKU id."""

    product_id: uuid.UUID
    sku: NewSku


@attrs.frozen
class ChangeSkuPrice:
    product_id: uuid.UUID
    sku_id: uuid.UUID
    sale_price: Money
    list_price: Money


@attrs.frozen
class SetSkuEnabled:
    product_id: uuid.UUID
    sku_id: uuid.UUID
    enabled: bool


@attrs.frozen
class RecordProductSales:
    """Add units sold to a product's sales count (sent by the ordering context)."""

    product_id: uuid.UUID
    quantity: int


# --- listing (CAT-7) --------------------------------------------------------------------------


@attrs.frozen
class ListProduct:
    product_id: uuid.UUID


@attrs.frozen
class UnlistProduct:
    product_id: uuid.UUID


@attrs.frozen
class ScheduleListing:
    """Set the scheduled listing / delisting times; None clears one."""

    product_id: uuid.UUID
    list_at: dt.datetime | None = None
    delist_at: dt.datetime | None = None


@attrs.frozen
class ApplyListingSchedules:
    """The sweep: apply the schedules due now to at most ``limit`` products; returns how many
    products it changed. Run it periodically; reads are right without it (``is_listed``)."""

    limit: int = 500
