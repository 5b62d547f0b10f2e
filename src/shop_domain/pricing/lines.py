"""What the engine knows of a cart line: the goods' facts promotions target, the quantity and
the unit price the earlier levels left (PRO-4)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import attrs

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.shared.errors import CurrencyMismatch
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


def _amount(line: Line) -> Money:
    return line.unit_price * line.quantity


@attrs.frozen
class Line:
    """A cart line at some level of pricing: ``unit_price`` is what one unit costs after the
    item level, ``amount`` what the whole line costs after the earlier levels — its unit price
    times its quantity until a reduction shared over several lines (a bundle's, a threshold's)
    takes a part of it that need not divide by the quantity. Item and bundle kinds read unit
    prices; threshold kinds read amounts and counts."""

    line_id: str
    item: ItemFacts
    quantity: int = attrs.field()
    unit_price: Money
    amount: Money = attrs.field(default=attrs.Factory(_amount, takes_self=True))

    @quantity.validator
    def _positive(self, _attribute: object, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidPromotion("a cart line has a quantity of at least 1")


def total_of(lines: Sequence[Line], currency: str) -> Money:
    """What ``lines`` cost together (zero of ``currency`` for none); every line in
    ``currency``."""
    for line in lines:
        if line.amount.currency != currency:
            raise CurrencyMismatch(
                f"cannot combine {currency} with {line.amount.currency}",
                details={"left": currency, "right": line.amount.currency},
            )
    return Money(sum([line.amount.minor for line in lines]), currency)


def count_of(lines: Sequence[Line]) -> int:
    return sum(line.quantity for line in lines)


__all__ = ["ItemFacts", "Line", "count_of", "total_of"]
