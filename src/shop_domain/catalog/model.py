"""Value objects and helpers shared by the catalog's aggregates.

The aggregates live in :mod:`shop_domain.catalog.categories` (back-end categories with their
:mod:`~shop_domain.catalog.attributes`, brands), :mod:`shop_domain.catalog.front_categories` and
:mod:`shop_domain.catalog.products` (the SPU, its :mod:`~shop_domain.catalog.sku` entities and
its :mod:`~shop_domain.catalog.listing`); ``shop_domain.catalog`` re-exports them.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable
from typing import Final

import attrs

from shop_domain.catalog.errors import (
    InvalidPolicy,
    InvalidSchedule,
    InvalidText,
    NegativeDimension,
)

MAX_NAME_LENGTH: Final = 200
MAX_KEY_LENGTH: Final = 64
MAX_VALUE_LENGTH: Final = 200
MAX_DESCRIPTION_LENGTH: Final = 20_000


class AttributeKind(enum.StrEnum):
    """What an attribute of a leaf category is for (CAT-4)."""

    KEY = "key"  # identifies the product (brand model, ...); given on the SPU
    SALES = "sales"  # forms SKUs (colour, storage); each SKU carries one value
    OTHER = "other"  # everything else (interface type, material); given on the SPU


class GoodsKind(enum.StrEnum):
    """What sort of goods a product is, which decides how its orders go (ORD-3, ORD-4, ORD-8)."""

    PHYSICAL = "physical"
    """Shipped from a warehouse: freight is charged (SHP-1), stock is reserved."""
    VIRTUAL = "virtual"
    """E-gift cards, services: never shipped (ORD-8: paid → completed), no freight."""
    CROSS_BORDER = "cross_border"
    """Shipped from a bonded or overseas warehouse: orders split by warehouse and a per-child
    value limit (ORD-3)."""


class ListingStatus(enum.StrEnum):
    LISTED = "listed"
    UNLISTED = "unlisted"


def _non_negative_int(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise NegativeDimension(
            f"{attribute.name} must be a whole number >= 0, not {value!r}",
            details={"field": attribute.name},
        )


@attrs.frozen
class Dimensions:
    """Outer size of a packed SKU in millimetres (CAT-6), for carrier limits and packing."""

    length_mm: int = attrs.field(default=0, validator=_non_negative_int)
    width_mm: int = attrs.field(default=0, validator=_non_negative_int)
    height_mm: int = attrs.field(default=0, validator=_non_negative_int)

    def volume_mm3(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm


def _depth_in_range(_instance: object, _attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4:
        raise InvalidPolicy(f"the category tree depth limit is 1..4, not {value!r}")


@attrs.frozen
class CatalogPolicy:
    """Operator-configurable catalog settings.

    ``max_category_depth``: how many levels the back-end category tree may have (CAT-2):
    3 by default, at most 4. Lowering it later leaves existing deeper categories alone; it only
    stops new ones.
    """

    max_category_depth: int = attrs.field(default=3, validator=_depth_in_range)


def clean_text(value: object, *, field: str, max_length: int = MAX_NAME_LENGTH) -> str:
    """A required one-line text: whitespace collapsed, not empty, not too long."""
    if not isinstance(value, str):
        raise InvalidText(f"{field} must be text", details={"field": field})
    cleaned = " ".join(value.split())
    if not cleaned or len(cleaned) > max_length:
        raise InvalidText(f"{field} must have 1..{max_length} characters", details={"field": field})
    return cleaned


def clean_name(value: object) -> str:
    return clean_text(value, field="name")


def name_key(name: str) -> str:
    """The form names are compared in when they must be unique (case-insensitive)."""
    return " ".join(name.split()).lower()


def unique_ids(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Ids without repeats, in a stable (sorted) order."""
    return sorted(set(ids))


def clean_attributes(values: object, *, field: str) -> dict[str, str]:
    """A mapping of attribute key to value, keys and values cleaned and non-empty."""
    if not isinstance(values, dict):
        try:
            values = dict(values)  # type: ignore[call-overload]
        except (TypeError, ValueError) as exc:
            raise InvalidText(f"{field} must map keys to values") from exc
    assert isinstance(values, dict)
    cleaned: dict[str, str] = {}
    for key, value in values.items():
        k = clean_text(key, field=f"{field} key", max_length=MAX_KEY_LENGTH)
        cleaned[k] = clean_text(value, field=f"{field}[{k}]", max_length=MAX_VALUE_LENGTH)
    return cleaned


def require_aware(moment: dt.datetime, *, field: str) -> None:
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        raise InvalidSchedule(
            f"{field} must be a timezone-aware datetime", details={"field": field}
        )
