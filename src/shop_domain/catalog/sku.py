"""The SKU: an entity of the product (SPU), one value per sales attribute (CAT-1, CAT-6).

:class:`SkuDraft` is what a caller gives to add one; :meth:`Sku.build` checks the values a SKU
guards alone (barcode, weight, dimensions). What needs the product — the code and the
combination unique within it, prices in its currency — is checked by
:meth:`~shop_domain.catalog.products.Product.add_sku`.

A SKU holds no stock: fulfillment keeps it per warehouse (STK-1), and the catalog's reads show
a projection of it (ADR 0045).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Final

import attrs

from shop_domain.catalog.errors import NegativeDimension, NegativeWeight
from shop_domain.catalog.model import Dimensions, clean_text
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.money import Money

MAX_CODE_LENGTH: Final = 64


@attrs.frozen
class SkuDraft:
    """What is needed to add a SKU (the handler fills ``id`` from its id generator)."""

    id: uuid.UUID
    code: str
    sales_attributes: Mapping[str, str]
    sale_price: Money
    list_price: Money
    barcode: str | None = None
    weight_g: int = 0
    dimensions: Dimensions = attrs.field(factory=Dimensions)
    freight_template_id: uuid.UUID | None = None
    enabled: bool = True


@attrs.define(slots=False, eq=False)
class Sku:
    """A stock keeping unit: the SPU plus one value of each sales attribute (CAT-1, CAT-6).

    ``code`` is the merchant's SKU code (unique within the shop), ``barcode`` the optional
    EAN/UPC, ``weight_g`` the gross weight in grams, ``position`` the display order in the SPU.
    """

    id: uuid.UUID
    code: str
    sales_attributes: dict[str, str]
    sale_price: Money
    list_price: Money
    barcode: str | None
    weight_g: int
    dimensions: Dimensions
    freight_template_id: uuid.UUID | None
    enabled: bool
    position: int

    @classmethod
    def build(
        cls, draft: SkuDraft, *, code: str, sales_attributes: dict[str, str], position: int
    ) -> Sku:
        """A SKU from ``draft`` with the ``code`` and ``sales_attributes`` the product has
        already cleaned and checked."""
        if not isinstance(draft.dimensions, Dimensions):
            raise NegativeDimension("dimensions are required")
        return cls(
            id=draft.id,
            code=code,
            sales_attributes=sales_attributes,
            sale_price=draft.sale_price,
            list_price=draft.list_price,
            barcode=_clean_barcode(draft.barcode),
            weight_g=whole_count(draft.weight_g, field="weight_g", error=NegativeWeight),
            dimensions=draft.dimensions,
            freight_template_id=draft.freight_template_id,
            enabled=bool(draft.enabled),
            position=position,
        )


def clean_sku_code(value: object) -> str:
    return clean_text(value, field="SKU code", max_length=MAX_CODE_LENGTH)


def whole_count(value: object, *, field: str, error: type[InvalidValue]) -> int:
    """``value`` if it is a whole number >= 0 (a bool is not), else ``error``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise error(f"{field} must be a whole number >= 0, not {value!r}", details={"field": field})
    return value


def _clean_barcode(value: str | None) -> str | None:
    if value is None:
        return None
    return clean_text(value, field="barcode", max_length=MAX_CODE_LENGTH)
