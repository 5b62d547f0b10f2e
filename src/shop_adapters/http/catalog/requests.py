"""Request bodies of the catalog API, and the field types they share.

Each schema says what the server takes (``docs/http.md``): strings are bounded and free of
control characters (the kernel's :func:`~shop_adapters.http.schemas.text`), with the domain's
own limits (:data:`MAX_NAME_LENGTH`, :data:`MAX_KEY_LENGTH`…) imported rather than repeated;
integers have a minimum and a maximum, prices cannot be negative, currencies are the ones the
server knows, lists have a maximum size, enums are closed. A body outside its schema is a 400
``request.invalid`` before any command runs; what only the domain can judge — a blank name, more
decimals than the currency has, a business rule — comes back as 422/409 with the domain's code,
and nothing is written.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final

import msgspec
from msgspec import Meta

from shop_adapters.http.schemas import (
    FORBIDDEN_CHARACTERS,
    Currency,
    Moment,
    MoneyIn,
    bounded_int,
    text,
)
from shop_app.catalog import commands as c
from shop_domain.catalog.categories import MAX_URL_LENGTH
from shop_domain.catalog.model import (
    MAX_DESCRIPTION_LENGTH,
    MAX_KEY_LENGTH,
    MAX_NAME_LENGTH,
    MAX_VALUE_LENGTH,
    AttributeKind,
    GoodsKind,
)
from shop_domain.catalog.sku import MAX_CODE_LENGTH

# --- limits of the wire (the domain's own limits are imported above) ---------------------------

MAX_SKUS: Final = 200
MAX_ATTRIBUTES: Final = 50
MAX_ALLOWED_VALUES: Final = 200
MAX_CATEGORY_LINKS: Final = 100
MAX_COUNT: Final = 1_000_000_000
"""Stock of one SKU."""
MAX_SIZE: Final = 100_000_000
"""A weight in grams or a length in millimetres."""
MAX_SORT_ORDER: Final = 1_000_000

_KEY: Final = text(MAX_KEY_LENGTH, min_length=1, examples=["colour"])
_VALUE: Final = text(MAX_VALUE_LENGTH, min_length=1, examples=["Black"])


def _documented(meta: Meta) -> dict[str, Any]:
    """The JSON schema of a string ``meta`` constrains. Litestar leaves out the constraints of
    list items and of dict keys and values (and a dict's size), so a container states them
    itself through ``extra_json_schema`` (what the server checks is the ``Meta`` either way)."""
    return {
        "type": "string",
        "minLength": meta.min_length,
        "maxLength": meta.max_length,
        "pattern": meta.pattern,
    }


def _listed(item: Meta, max_items: int) -> Meta:
    return Meta(max_length=max_items, extra_json_schema={"extra": {"items": _documented(item)}})


Name = Annotated[str, text(MAX_NAME_LENGTH, min_length=1, examples=["Smartphones"])]
Key = Annotated[str, _KEY]
Value = Annotated[str, _VALUE]
Code = Annotated[str, text(MAX_CODE_LENGTH, min_length=1, examples=["NOVA-X1-BLK-128"])]
Description = Annotated[str, text(MAX_DESCRIPTION_LENGTH)]
Url = Annotated[
    str,
    Meta(
        # what the domain takes: http(s), no whitespace, at most MAX_URL_LENGTH characters
        pattern=rf"^https?://[^\s{FORBIDDEN_CHARACTERS}]*$",
        max_length=MAX_URL_LENGTH,
        description="An http(s) URL without whitespace",
        examples=["https://cdn.example/l.png"],
    ),
]
Count = Annotated[int, bounded_int(0, MAX_COUNT)]
Size = Annotated[int, bounded_int(0, MAX_SIZE)]
SortOrder = Annotated[int, bounded_int(-MAX_SORT_ORDER, MAX_SORT_ORDER)]
Attributes = Annotated[
    dict[Key, Value],
    Meta(
        max_length=MAX_ATTRIBUTES,
        extra_json_schema={
            "extra": {
                "maxProperties": MAX_ATTRIBUTES,
                "propertyNames": _documented(_KEY),
                "additionalProperties": _documented(_VALUE),
            }
        },
    ),
]
CategoryIds = Annotated[list[uuid.UUID], Meta(max_length=MAX_CATEGORY_LINKS)]


class _In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are an error, not silently ignored."""


# --- categories (CAT-2, CAT-3, CAT-4) ----------------------------------------------------------


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
    kind: AttributeKind
    """``key`` (identifies the product, always required), ``sales`` (forms SKUs), ``other``."""
    required: bool = False
    allowed_values: Annotated[list[Value], _listed(_VALUE, MAX_ALLOWED_VALUES)] = []

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


# --- brands (CAT-5) ----------------------------------------------------------------------------


class BrandIn(_In):
    name: Name
    logo_url: Url | None = None
    category_ids: CategoryIds = []
    """Restrict the brand to these categories' subtrees; empty: allowed everywhere (CAT-5)."""


# --- products and SKUs (CAT-1, CAT-6, CAT-7) ---------------------------------------------------


class SkuIn(_In):
    code: Code
    """The merchant's SKU code, unique within the shop."""
    sale_price: MoneyIn
    list_price: MoneyIn
    sales_attributes: Attributes = {}
    barcode: Code | None = None
    weight_g: Size = 0
    length_mm: Size = 0
    width_mm: Size = 0
    height_mm: Size = 0
    freight_template_id: uuid.UUID | None = None
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
    sales_attribute_keys: Annotated[list[Key], _listed(_KEY, MAX_ATTRIBUTES)] = []
    kind: GoodsKind = GoodsKind.PHYSICAL
    """``physical`` (shipped), ``virtual`` (never shipped) or ``cross_border``."""

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
            kind=self.kind,
        )


class ProductUpdateIn(_In):
    """The descriptive fields, all replaced (``brand_id: null`` removes the brand)."""

    name: Name
    description: Description = ""
    brand_id: uuid.UUID | None = None
    key_attributes: Attributes = {}
    other_attributes: Attributes = {}
    kind: GoodsKind | None = None
    """The goods kind; left as it is when absent."""

    def command(self, product_id: uuid.UUID) -> c.UpdateProduct:
        return c.UpdateProduct(
            product_id=product_id,
            name=self.name,
            description=self.description,
            brand_id=self.brand_id,
            key_attributes=dict(self.key_attributes),
            other_attributes=dict(self.other_attributes),
            kind=self.kind,
        )


class PriceIn(_In):
    sale_price: MoneyIn
    list_price: MoneyIn


class ScheduleIn(_In):
    """Scheduled listing and delisting times (CAT-7); ``null`` or absent clears one."""

    list_at: Moment | None = None
    delist_at: Moment | None = None


__all__ = [
    "MAX_ATTRIBUTES",
    "AttributeIn",
    "AttributesIn",
    "BrandIn",
    "CategoryIn",
    "CategoryLinksIn",
    "FrontCategoryIn",
    "FrontCategoryPatch",
    "PriceIn",
    "ProductIn",
    "ProductUpdateIn",
    "RenameIn",
    "ScheduleIn",
    "SkuIn",
]
