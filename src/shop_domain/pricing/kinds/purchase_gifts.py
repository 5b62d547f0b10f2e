"""Gift with purchase 赠品 (PRO-1 (e)): buying the main goods adds all the gifts.

**Stage.** PRO-4 names no level for it; it acts at the bundle level
(:attr:`Stage.BUNDLE`). It is earned by buying units of a SKU, not by reaching a threshold, and
it changes no price, so the stage only decides what it competes with under PRO-5 (one
promotion per line and level). At the bundle level a line keeps its item price (直降 plus a
gift is a common offer) and its thresholds (满减 plus a gift too), and chooses between the gift
and a set or multi-buy price, which are themselves the offer made on those units (a gift is a
set whose extra part is free).

**Stock.** The kind grants gifts; whether they are in stock is not its business: the engine is
told which gifts are available, and stock is held when the order is placed. Per-user limits
("once per member") are the promotion's, from its participation log (PRO-7).
"""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Iterable, Sequence
from typing import ClassVar

import attrs

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import (
    Applied,
    Context,
    Gift,
    GiftGrant,
    Outcome,
    Stage,
    register,
)
from shop_domain.pricing.kinds.support import (
    check_count,
    check_money,
    no_lines,
    other_currency,
    validated,
)
from shop_domain.pricing.lines import Line, count_of
from shop_domain.shared.money import Money


def _optional_cap(_instance: object, _attribute: object, value: int | None) -> None:
    if value is not None:
        check_count(value, "a gift's cap per order", least=1)


@attrs.frozen
class GiftPerUnit:
    """``quantity`` units of the SKU ``sku_id`` given with each unit of the main goods bought,
    at most ``cap`` per order (no cap when None). ``value`` is one gift unit's list price: what
    the gift is worth when it is allocated over the lines that earned it (PRO-9); it may be
    zero (a sample worth nothing)."""

    sku_id: uuid.UUID = attrs.field()
    value: Money = attrs.field(validator=validated(check_money, "a gift's value", positive=False))
    quantity: int = attrs.field(
        default=1, validator=validated(check_count, "a gift's quantity per unit", least=1)
    )
    cap: int | None = attrs.field(default=None, validator=_optional_cap)

    @sku_id.validator
    def _sku(self, _attribute: object, value: object) -> None:
        if not isinstance(value, uuid.UUID):
            raise InvalidPromotion(f"a gift's SKU is a UUID, not {value!r}")

    def for_units(self, units: int) -> int:
        """How many gift units go with ``units`` units of the main goods."""
        given = self.quantity * units
        return given if self.cap is None else min(given, self.cap)


def _gifts(value: Iterable[GiftPerUnit]) -> tuple[GiftPerUnit, ...]:
    gifts = tuple(value)
    for gift in gifts:
        if not isinstance(gift, GiftPerUnit):
            raise InvalidPromotion(f"a purchase gift's gifts are GiftPerUnit, not {gift!r}")
    return gifts


@register
@attrs.frozen
class PurchaseGift:
    """赠品: each unit of the targeted goods (the main SKU) bought brings every gift of
    ``gifts``, each in its quantity per unit and up to its cap per order. The gifts are granted
    to all the targeted lines, over which their value is allocated (PRO-9). Gifts name distinct
    SKUs and are valued in one currency."""

    name: ClassVar[str] = "purchase_gift"
    stage: ClassVar[Stage] = Stage.BUNDLE

    gifts: tuple[GiftPerUnit, ...] = attrs.field(converter=_gifts)

    def __attrs_post_init__(self) -> None:
        if not self.gifts:
            raise InvalidPromotion("a purchase gift gives at least one gift")
        if len({gift.sku_id for gift in self.gifts}) != len(self.gifts):
            raise InvalidPromotion("a purchase gift names each gift SKU once")
        if len({gift.value.currency for gift in self.gifts}) > 1:
            raise InvalidPromotion("every gift of a purchase gift is valued in one currency")

    @property
    def currency(self) -> str:
        return self.gifts[0].value.currency

    @property
    def gift_sku_ids(self) -> frozenset[uuid.UUID]:
        """The SKUs given (whose stock the engine is told about)."""
        return frozenset(gift.sku_id for gift in self.gifts)

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        if not lines:
            return no_lines(self.tag)
        missed = other_currency(self.currency, context, self.tag)
        if missed is not None:
            return missed
        units = count_of(lines)
        granted = tuple(
            Gift(sku_id=gift.sku_id, quantity=gift.for_units(units), value=gift.value)
            for gift in self.gifts
        )
        return Applied((GiftGrant(granted, tuple(line.line_id for line in lines)),))

    def slope(self) -> decimal.Decimal:
        """A gift takes nothing off the price: its saving never grows."""
        return decimal.Decimal(0)

    def tag(self) -> str:
        return "赠品"


__all__ = ["GiftPerUnit", "PurchaseGift"]
