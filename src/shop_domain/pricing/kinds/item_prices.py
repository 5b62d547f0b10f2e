"""Item prices (PRO-1 (c)): flash price 限时抢, direct reduction 直降, percent off 单品折扣,
special price 特价 and member price 会员价 — the first level of PRO-4.

Each one gives each targeted line a new unit price (a :class:`PriceCut`), never a higher one
and never below zero. A line whose price the kind would not lower keeps its price and is left
out of the cut; a kind that lowers no line misses with :data:`NO_SAVING`. Unit prices stay
whole minor units, so a line's amount is always its unit price times its quantity.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar, Final

import attrs

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import (
    Applied,
    Context,
    Missed,
    Outcome,
    PriceCut,
    Stage,
    register,
)
from shop_domain.pricing.kinds.support import (
    NO_SAVING,
    check_count,
    check_money,
    check_rate,
    figure,
    no_lines,
    other_currency,
    rate_label,
    rate_off,
    validated,
)
from shop_domain.pricing.lines import Line
from shop_domain.shared.money import Money

BELOW_MEMBER_LEVEL: Final = "promotion.below_member_level"
"""The reason of a :class:`Missed` when the customer's member level is below every tier of a
member price."""


def cut_prices(
    lines: Sequence[Line], new_unit: Callable[[Money], int], tag: Callable[[], str]
) -> Outcome:
    """A :class:`PriceCut` giving each line ``new_unit(its unit price)`` — minor units of that
    price's currency — where that is lower (and never below zero); a miss with
    :data:`NO_SAVING`, in words naming ``tag()``, when no line's price is lowered."""
    cuts: dict[str, Money] = {}
    for line in lines:
        unit = line.unit_price
        lowered = new_unit(unit)
        if lowered < 0:
            lowered = 0
        if lowered < unit.minor:
            cuts[line.line_id] = Money(lowered, unit.currency)
    return _cut(cuts, tag)


def _cut(cuts: dict[str, Money], tag: Callable[[], str]) -> Outcome:
    if not cuts:
        return Missed(NO_SAVING, f"{tag()} is not below the price of any line")
    return Applied((PriceCut(cuts),))


def _fixed_price(
    price: Money, lines: Sequence[Line], context: Context, tag: Callable[[], str]
) -> Outcome:
    if not lines:
        return no_lines(tag)
    missed = other_currency(price.currency, context, tag)
    if missed is not None:
        return missed
    return _cut_to(price, lines, tag)


def _cut_to(price: Money, lines: Sequence[Line], tag: Callable[[], str]) -> Outcome:
    """:func:`cut_prices` to one positive unit ``price`` (the same :class:`Money` for each
    line it lowers)."""
    minor, currency = price.minor, price.currency
    cuts: dict[str, Money] = {}
    for line in lines:
        unit = line.unit_price
        if unit.currency != currency:
            price.capped_at(unit)  # raises CurrencyMismatch, as comparing them does
        if minor < unit.minor:
            cuts[line.line_id] = price
    return _cut(cuts, tag)


@register
@attrs.frozen
class FlashPrice:
    """限时抢: every unit costs ``price`` during the promotion's window (a line already cheaper
    keeps its price). It prices like :class:`SpecialPrice` but is a flash offer: the page shows
    it as one ("限时价 99.00"), and it is the kind that will carry promo stock and per-user
    limits once orders exist (PRO-11)."""

    name: ClassVar[str] = "flash_price"
    stage: ClassVar[Stage] = Stage.ITEM

    price: Money = attrs.field(validator=validated(check_money, "a flash price"))

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        return _fixed_price(self.price, lines, context, self.tag)

    def tag(self) -> str:
        return f"限时价 {figure(self.price)}"


@register
@attrs.frozen
class SpecialPrice:
    """特价: every unit costs ``price``, a standing lower price with no stock or limit of its
    own (a line already cheaper keeps its price). Where :class:`FlashPrice` is a short offer
    that will carry promo stock and limits, a special price is simply the item's price while
    the promotion runs."""

    name: ClassVar[str] = "special_price"
    stage: ClassVar[Stage] = Stage.ITEM

    price: Money = attrs.field(validator=validated(check_money, "a special price"))

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        return _fixed_price(self.price, lines, context, self.tag)

    def tag(self) -> str:
        return "特价"


@register
@attrs.frozen
class DirectReduction:
    """直降: ``amount`` off each unit; a unit cheaper than ``amount`` becomes free, never
    negative."""

    name: ClassVar[str] = "direct_reduction"
    stage: ClassVar[Stage] = Stage.ITEM

    amount: Money = attrs.field(validator=validated(check_money, "a direct reduction"))

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        if not lines:
            return no_lines(self.tag)
        amount = self.amount
        missed = other_currency(amount.currency, context, self.tag)
        if missed is not None:
            return missed
        off, currency = amount.minor, amount.currency

        def new_unit(unit: Money) -> int:
            if unit.currency != currency:
                unit.capped_at(amount)  # raises CurrencyMismatch, as subtracting them does
            return unit.minor - off

        return cut_prices(lines, new_unit, self.tag)

    def tag(self) -> str:
        return f"直降 {figure(self.amount)}"


@register
@attrs.frozen
class PercentOff:
    """单品折扣: each unit costs the fraction ``rate`` of its price (``0.8`` is 8折).

    The rate applies **per unit**: each unit's discount is its price times ``1 - rate``,
    rounded half-up once (MON-2: 8折 on 99.99 takes 20.00 off, the unit costs 79.99). Per unit,
    not per line, because the result is a unit price in whole minor units: a line of three
    0.99 units at 8折 pays 3 × 0.79 = 2.37, where rounding the line (0.594 → 0.59 off 2.97)
    would leave 2.38, which is no whole unit price. It also means a unit costs the same
    whatever the quantity, so returning one unit refunds one unit's price.
    """

    name: ClassVar[str] = "percent_off"
    stage: ClassVar[Stage] = Stage.ITEM

    rate: decimal.Decimal = attrs.field(validator=validated(check_rate, "a percent-off rate"))

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        if not lines:
            return no_lines(self.tag)
        rate = self.rate
        return cut_prices(lines, lambda unit: unit.minor - rate_off(unit.minor, rate), self.tag)

    def tag(self) -> str:
        return rate_label(self.rate)


@attrs.frozen
class MemberTier:
    """The unit ``price`` of members at ``level`` or above (levels from 1; 0 is no member)."""

    level: int = attrs.field(validator=validated(check_count, "a member tier's level", least=1))
    price: Money = attrs.field(validator=validated(check_money, "a member price"))


def _tiers(value: Iterable[MemberTier]) -> tuple[MemberTier, ...]:
    tiers = tuple(value)
    for tier in tiers:
        if not isinstance(tier, MemberTier):
            raise InvalidPromotion(f"a member price's tiers are MemberTier, not {tier!r}")
    return tiers


@register
@attrs.frozen
class MemberPrice:
    """会员价: a unit price per member level. A customer takes the price of the highest tier
    whose level is at most theirs; below every tier there is no member price (a miss with
    :data:`BELOW_MEMBER_LEVEL`).

    Tiers go up in level and never up in price (a higher level never pays more), all in one
    currency. Levels start at 1: a price for everyone is a :class:`SpecialPrice`.
    """

    name: ClassVar[str] = "member_price"
    stage: ClassVar[Stage] = Stage.ITEM

    tiers: tuple[MemberTier, ...] = attrs.field(converter=_tiers)

    def __attrs_post_init__(self) -> None:
        if not self.tiers:
            raise InvalidPromotion("a member price has at least one tier")
        if len({tier.price.currency for tier in self.tiers}) > 1:
            raise InvalidPromotion("every tier of a member price is in one currency")
        for lower, higher in zip(self.tiers, self.tiers[1:], strict=False):
            if higher.level <= lower.level:
                raise InvalidPromotion(
                    f"member tiers go up in level: {higher.level} follows {lower.level}"
                )
            if higher.price > lower.price:
                raise InvalidPromotion(
                    f"level {higher.level} would pay more ({higher.price}) "
                    f"than level {lower.level} ({lower.price})"
                )

    @property
    def currency(self) -> str:
        return self.tiers[0].price.currency

    def price_for(self, level: int) -> Money | None:
        """The unit price of a customer at member ``level``; None below every tier."""
        reached = [tier.price for tier in self.tiers if tier.level <= level]
        return reached[-1] if reached else None

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        if not lines:
            return no_lines(self.tag)
        missed = other_currency(self.currency, context, self.tag)
        if missed is not None:
            return missed
        price = self.price_for(context.member_level)
        if price is None:
            return Missed(
                BELOW_MEMBER_LEVEL,
                f"{self.tag()} starts at member level {self.tiers[0].level}; "
                f"the customer is at level {context.member_level}",
            )
        return _cut_to(price, lines, self.tag)

    def tag(self) -> str:
        return "会员价"


__all__ = [
    "BELOW_MEMBER_LEVEL",
    "DirectReduction",
    "FlashPrice",
    "MemberPrice",
    "MemberTier",
    "PercentOff",
    "SpecialPrice",
    "cut_prices",
]
