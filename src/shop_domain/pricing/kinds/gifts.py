"""Threshold gifts (PRO-1 f): tiered 满赠 with a choose-N-of-M gift pool, and the add-price
gift 满X加Y元得Z.

Both give a :class:`GiftGrant` over all the targeted lines, each :class:`Gift` carrying its list
``value`` (allocated over the lines that earned it, PRO-9) and, for an add-price gift, the
``price`` the customer pays for it. Below the threshold, a :class:`Missed` says what is missing
(PRO-8).

**The customer's pick.** A 满赠 tier offers a pool: the customer takes ``choose`` gifts in all,
at most ``max_quantity`` of any one. :meth:`ThresholdGift.evaluate` takes the pick as an
optional ``picks`` argument — a mapping of gift SKU to quantity — which the engine passes from
the customer's choices for that promotion (PRO-5, PRO-12); :meth:`ThresholdGift.tier_reached`
tells a client which pool to offer. Without a pick the customer gets the default choice: the
pool's gifts in the operator's order, one of each, then around again while ``choose`` is not
met. A pick that does not fit the tier reached is refused with :class:`InvalidGiftPick`.
"""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Mapping, Sequence
from typing import ClassVar

import attrs

from shop_domain.pricing.errors import InvalidGiftPick, InvalidPromotion
from shop_domain.pricing.kinds.base import (
    Applied,
    Context,
    Gift,
    GiftGrant,
    Missed,
    Outcome,
    Stage,
    register,
)
from shop_domain.pricing.kinds.support import (
    check_count,
    check_money,
    figure,
    other_currency,
)
from shop_domain.pricing.kinds.threshold_basis import (
    Threshold,
    as_tuple,
    check_increasing,
    check_threshold,
    highest_reached,
    line_ids,
    major,
    measure,
    next_tier,
    one_currency,
    short_of,
    threshold_words,
)
from shop_domain.pricing.lines import Line
from shop_domain.shared.money import Money

Picks = Mapping[uuid.UUID, int]
"""A customer's pick from a gift pool: how many of each gift SKU."""


@attrs.frozen
class PoolGift:
    """A gift of a pool: SKU ``sku_id``, worth ``value`` each at list price; a customer takes at
    most ``max_quantity`` of it."""

    sku_id: uuid.UUID
    value: Money
    max_quantity: int = 1

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.sku_id, uuid.UUID):
            raise InvalidPromotion(f"a gift is a SKU id, not {self.sku_id!r}")
        check_money(self.value, "a gift's value", positive=False)
        check_count(self.max_quantity, "a gift's maximum quantity", least=1)


@attrs.frozen
class GiftPool:
    """Gifts to choose from: ``choose`` in all (N of M), at most each gift's ``max_quantity``
    of one; given in the operator's order, which the default choice follows."""

    gifts: tuple[PoolGift, ...] = attrs.field(converter=as_tuple)
    choose: int = 1

    def __attrs_post_init__(self) -> None:
        if not self.gifts:
            raise InvalidPromotion("a gift pool holds at least one gift")
        if any(not isinstance(gift, PoolGift) for gift in self.gifts):
            raise InvalidPromotion("a gift pool holds PoolGifts")
        if len({gift.sku_id for gift in self.gifts}) != len(self.gifts):
            raise InvalidPromotion("a gift pool names each gift once")
        one_currency(gift.value for gift in self.gifts)
        check_count(self.choose, "the number of gifts to choose", least=1)
        if self.choose > self.most():
            raise InvalidPromotion(
                f"a pool of {len(self.gifts)} gifts cannot give {self.choose}: "
                f"at most {self.most()} with their maximum quantities"
            )

    def most(self) -> int:
        """How many gifts the pool can give at most."""
        return sum(gift.max_quantity for gift in self.gifts)

    def default_choice(self) -> dict[uuid.UUID, int]:
        """``choose`` gifts in the operator's order: one of each, then around again."""
        chosen = {gift.sku_id: 0 for gift in self.gifts}
        left = self.choose
        while left:
            for gift in self.gifts:
                if left and chosen[gift.sku_id] < gift.max_quantity:
                    chosen[gift.sku_id] += 1
                    left -= 1
        return chosen

    def chosen(self, picks: Picks | None = None) -> tuple[Gift, ...]:
        """The gifts given for ``picks`` (the default choice when None), in the pool's order.

        A pick names gifts of this pool only, each at most its ``max_quantity``, and no more
        than ``choose`` in all (fewer is the customer's right); otherwise
        :class:`InvalidGiftPick`."""
        quantities = self.default_choice() if picks is None else self._checked(picks)
        return tuple(
            Gift(gift.sku_id, quantities[gift.sku_id], gift.value)
            for gift in self.gifts
            if quantities.get(gift.sku_id, 0) > 0
        )

    def _checked(self, picks: Picks) -> dict[uuid.UUID, int]:
        limits = {gift.sku_id: gift.max_quantity for gift in self.gifts}
        for sku_id, quantity in picks.items():
            if sku_id not in limits:
                raise InvalidGiftPick(
                    f"{sku_id} is not a gift of this pool", details={"sku_id": str(sku_id)}
                )
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
                raise InvalidGiftPick(f"a pick is a whole quantity, not {quantity!r}")
            if quantity > limits[sku_id]:
                raise InvalidGiftPick(
                    f"at most {limits[sku_id]} of gift {sku_id}",
                    details={"sku_id": str(sku_id), "max_quantity": limits[sku_id]},
                )
        if sum(picks.values()) > self.choose:
            raise InvalidGiftPick(
                f"choose at most {self.choose} gifts", details={"choose": self.choose}
            )
        return dict(picks)


@attrs.frozen
class GiftTier:
    """满 ``threshold`` 赠: the customer chooses from ``pool``."""

    threshold: Threshold
    pool: GiftPool

    def __attrs_post_init__(self) -> None:
        check_threshold(self.threshold)
        if not isinstance(self.pool, GiftPool):
            raise InvalidPromotion("a 满赠 tier has a GiftPool")

    def label(self) -> str:
        """``满300赠``, ``满3件赠``."""
        return f"满{threshold_words(self.threshold)}赠"


@register
@attrs.frozen
class ThresholdGift:
    """Tiered 满赠 (PRO-1 f): 满300 a selfie stick, 满500 a power bank — the highest tier the
    lines reach gives gifts from its pool (see the module's note on picks).

    Tiers are given lowest first, thresholds (all amounts or all item counts) strictly
    increasing; every amount is in one currency."""

    name: ClassVar[str] = "threshold_gift"
    stage: ClassVar[Stage] = Stage.THRESHOLD
    takes_every_line: ClassVar[bool] = True
    """When it applies, every line it is given takes it (the search relies on this)."""
    has_gift_pool: ClassVar[bool] = True
    """Its ``evaluate`` takes the customer's ``picks`` from a pool (the engine passes them)."""

    tiers: tuple[GiftTier, ...] = attrs.field(converter=as_tuple)

    def __attrs_post_init__(self) -> None:
        if any(not isinstance(tier, GiftTier) for tier in self.tiers):
            raise InvalidPromotion("the tiers of a 满赠 are GiftTiers")
        check_increasing([tier.threshold for tier in self.tiers])
        one_currency(self._amounts())

    def _amounts(self) -> list[Money | int]:
        values: list[Money | int] = [tier.threshold for tier in self.tiers]
        values.extend(gift.value for tier in self.tiers for gift in tier.pool.gifts)
        return values

    @property
    def currency(self) -> str:
        # every amount is in one currency (checked when built), and a pool holds a gift, and
        # a gift has a value
        return self.tiers[0].pool.gifts[0].value.currency

    def tier_reached(self, lines: Sequence[Line], context: Context) -> GiftTier | None:
        """The highest tier ``lines`` reach (None below the lowest): the pool to offer."""
        if other_currency(self.currency, context) is not None:
            return None
        index = highest_reached(self._thresholds(), self._measure(lines, context))
        return None if index is None else self.tiers[index]

    def evaluate(
        self, lines: Sequence[Line], context: Context, picks: Picks | None = None
    ) -> Outcome:
        """The gifts of the highest tier reached — the customer's ``picks`` from its pool, or
        the default choice — as a :class:`GiftGrant` over ``lines``; below the lowest tier a
        :class:`Missed` with what is missing to reach it."""
        wrong = other_currency(self.currency, context)
        if wrong is not None:
            return wrong
        reached = self._measure(lines, context)
        index = highest_reached(self._thresholds(), reached)
        if index is None:
            lowest = self.tiers[0]
            return short_of(lowest.threshold, reached, lines, lowest.label())
        gifts = self.tiers[index].pool.chosen(picks)
        return Applied((GiftGrant(gifts, line_ids(lines)),))

    def next_tier(self, lines: Sequence[Line], context: Context) -> Missed | None:
        """What ``lines`` miss to reach the tier above the one they reach (the lowest when they
        reach none); None at the top tier."""
        if other_currency(self.currency, context) is not None:
            return None
        return next_tier(
            self._thresholds(),
            lambda index: self.tiers[index].label(),
            self._measure(lines, context),
            lines,
        )

    def slope(self) -> decimal.Decimal:
        """A gift takes nothing off the price: its saving never grows."""
        return decimal.Decimal(0)

    def tag(self) -> str:
        """``满300赠，满500赠``."""
        return "，".join(tier.label() for tier in self.tiers)

    def _thresholds(self) -> list[Threshold]:
        return [tier.threshold for tier in self.tiers]

    def _measure(self, lines: Sequence[Line], context: Context) -> int:
        return measure(not isinstance(self.tiers[0].threshold, Money), lines, context.currency)


@register
@attrs.frozen
class AddPriceGift:
    """满X加Y元得Z (PRO-1 f): past ``threshold`` the customer gets ``quantity`` of SKU ``sku_id``
    (worth ``value`` each at list price) for ``price`` each. The price is positive (a free gift
    is a 满赠) and below the value; every amount is in one currency."""

    name: ClassVar[str] = "add_price_gift"
    stage: ClassVar[Stage] = Stage.THRESHOLD
    takes_every_line: ClassVar[bool] = True
    """When it applies, every line it is given takes it (the search relies on this)."""

    threshold: Threshold
    sku_id: uuid.UUID
    price: Money
    value: Money
    quantity: int = 1

    def __attrs_post_init__(self) -> None:
        check_threshold(self.threshold)
        if not isinstance(self.sku_id, uuid.UUID):
            raise InvalidPromotion(f"an add-price gift is a SKU id, not {self.sku_id!r}")
        check_money(self.price, "the price of an add-price gift")
        check_money(self.value, "the value of an add-price gift")
        check_count(self.quantity, "the quantity of an add-price gift", least=1)
        one_currency((self.threshold, self.price, self.value))
        if self.price >= self.value:
            raise InvalidPromotion(
                f"an add-price gift costs less than its value: {figure(self.price)} is not below "
                f"{figure(self.value)}"
            )

    @property
    def currency(self) -> str:
        return self.price.currency

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        """The gift at its price, as a :class:`GiftGrant` over ``lines``; below the threshold a
        :class:`Missed` with what is missing."""
        wrong = other_currency(self.currency, context)
        if wrong is not None:
            return wrong
        by_count = not isinstance(self.threshold, Money)
        reached = measure(by_count, lines, context.currency)
        if highest_reached([self.threshold], reached) is None:
            return short_of(self.threshold, reached, lines, self.tag())
        gift = Gift(self.sku_id, self.quantity, self.value, self.price)
        return Applied((GiftGrant((gift,), line_ids(lines)),))

    def slope(self) -> decimal.Decimal:
        """A gift takes nothing off the price: its saving never grows."""
        return decimal.Decimal(0)

    def tag(self) -> str:
        """``满300加9.90元得``."""
        return f"满{threshold_words(self.threshold)}加{major(self.price)}元得"


__all__ = [
    "AddPriceGift",
    "GiftPool",
    "GiftTier",
    "Picks",
    "PoolGift",
    "ThresholdGift",
]
