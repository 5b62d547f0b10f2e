"""What the engine knows of a cart line: the goods' facts promotions target, the quantity and
the unit price the earlier levels left (PRO-4)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import attrs

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.shared.money import Money


@attrs.frozen
class ItemFacts:
    """The facts of a SKU that targets and audiences read: its SKU, SPU, category path (leaf
    last), brand and shop."""

    sku_id: uuid.UUID
    spu_id: uuid.UUID
    shop_id: uuid.UUID
    category_ids: tuple[uuid.UUID, ...] = ()
    brand_id: uuid.UUID | None = None


@attrs.frozen
class Line:
    """A cart line at some level of pricing: ``unit_price`` is what one unit costs after the
    earlier levels."""

    line_id: str
    item: ItemFacts
    quantity: int = attrs.field()
    unit_price: Money

    @quantity.validator
    def _positive(self, _attribute: object, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidPromotion("a cart line has a quantity of at least 1")

    @property
    def amount(self) -> Money:
        return self.unit_price * self.quantity


def total_of(lines: Sequence[Line], currency: str) -> Money:
    """What ``lines`` cost together (zero of ``currency`` for none)."""
    total = Money.zero(currency)
    for line in lines:
        total += line.amount
    return total


def count_of(lines: Sequence[Line]) -> int:
    return sum(line.quantity for line in lines)


__all__ = ["ItemFacts", "Line", "count_of", "total_of"]
