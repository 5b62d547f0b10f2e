"""Attribute definitions of a leaf category (CAT-4): what a product in it describes itself with."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from shop_domain.catalog.errors import InvalidAttributeDefinition
from shop_domain.catalog.model import (
    MAX_KEY_LENGTH,
    MAX_VALUE_LENGTH,
    AttributeKind,
    clean_name,
    clean_text,
)


@attrs.define(slots=False, eq=False)
class AttributeDefinition:
    """One attribute of a leaf category (CAT-4), keyed by ``key``: an entity of
    :class:`~shop_domain.catalog.categories.Category`.

    - ``kind``: key (identifies the product; always required), sales (forms SKUs), other;
    - ``required``: a key attribute is always required; a required sales attribute must be one
      of the product's SKU dimensions; a required other attribute must be filled in;
    - ``allowed_values``: the closed list of values, or empty for free text;
    - ``position``: display order within the category.
    """

    key: str
    name: str
    kind: AttributeKind
    required: bool = False
    allowed_values: list[str] = attrs.field(factory=list)
    position: int = 0

    @property
    def is_required(self) -> bool:
        return self.required or self.kind is AttributeKind.KEY

    def signature(self) -> tuple[AttributeKind, bool, tuple[str, ...]]:
        return (self.kind, self.is_required, tuple(self.allowed_values))

    @classmethod
    def build(
        cls,
        *,
        key: str,
        name: str,
        kind: str | AttributeKind,
        required: bool = False,
        allowed_values: Iterable[str] = (),
        position: int = 0,
    ) -> AttributeDefinition:
        clean_key = clean_text(key, field="attribute key", max_length=MAX_KEY_LENGTH)
        try:
            clean_kind = AttributeKind(kind)
        except ValueError as exc:
            raise InvalidAttributeDefinition(
                f"attribute kind must be one of {[k.value for k in AttributeKind]}",
                details={"key": clean_key},
            ) from exc
        values: list[str] = []
        for value in allowed_values:
            cleaned = clean_text(value, field=f"{clean_key} value", max_length=MAX_VALUE_LENGTH)
            if cleaned in values:
                raise InvalidAttributeDefinition(
                    f"{clean_key}: the allowed value {cleaned!r} is listed twice",
                    details={"key": clean_key},
                )
            values.append(cleaned)
        return cls(
            key=clean_key,
            name=clean_name(name),
            kind=clean_kind,
            required=bool(required) or clean_kind is AttributeKind.KEY,
            allowed_values=values,
            position=position,
        )
