"""Threshold reductions and discounts (PRO-1 a, b): tiered 满减, per-each 每满, and 满折.

Each is measured on the targeted lines as the earlier levels left them (PRO-4) — their total,
or their number of items for a count threshold — and takes one :class:`Reduction` off all of
them together (allocated over them by MON-3, PRO-9), never more than their total (MON-4). Below
its lowest threshold a kind gives a :class:`Missed` saying what is missing (PRO-8).
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Callable, Sequence
from typing import ClassVar, Protocol, TypeVar

import attrs

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import (
    Applied,
    Context,
    Missed,
    Outcome,
    Reduction,
    Stage,
    register,
)
from shop_domain.pricing.kinds.support import (
    check_money,
    check_rate,
    other_currency,
    rate_label,
    rate_off,
)
from shop_domain.pricing.kinds.threshold_basis import (
    Threshold,
    as_tuple,
    cap_words,
    check_increasing,
    check_threshold,
    highest_reached,
    line_ids,
    major,
    measure,
    next_tier,
    one_currency,
    short_of,
    threshold_measure,
    threshold_words,
)
from shop_domain.pricing.lines import Line, total_of
from shop_domain.shared.money import Money


def _check_cap(cap: Money | None, smallest: Money | None = None) -> None:
    if cap is None:
        return
    check_money(cap, "a cap")
    if smallest is not None and cap.currency == smallest.currency and cap < smallest:
        raise InvalidPromotion(f"a cap of {cap} is below the smallest reduction, {smallest}")


def _reduced(
    off: int, cap: Money | None, total: int, lines: Sequence[Line], currency: str
) -> Applied:
    """One reduction of ``off`` over all ``lines``, held to ``cap`` and to their ``total``
    (minor units of ``currency``, the cart's, which the cap is in)."""
    if cap is not None and cap.minor < off:
        off = cap.minor
    if total < off:
        off = total
    return Applied((Reduction(Money(off, currency), line_ids(lines)),))


T = TypeVar("T", bound="_Tier")


class _Tier(Protocol):
    @property
    def threshold(self) -> Threshold: ...

    def label(self) -> str: ...


def _highest_tier(
    tiers: Sequence[T],
    currency: str | None,
    cap: Money | None,
    lines: Sequence[Line],
    context: Context,
    off: Callable[[T, int], int],
) -> Outcome:
    """What tiered 满减 and 满折 do: the highest tier the lines reach takes ``off(tier,
    total)`` (in minor units) off them as one :class:`Reduction`; below the lowest tier, a
    :class:`Missed` with what is missing to reach it."""
    wrong = other_currency(currency, context)
    if wrong is not None:
        return wrong
    thresholds = [tier.threshold for tier in tiers]
    by_amount = isinstance(thresholds[0], Money)
    reached = measure(not by_amount, lines, context.currency)
    index = highest_reached(thresholds, reached)
    if index is None:
        return short_of(thresholds[0], reached, lines, tiers[0].label())
    total = reached if by_amount else total_of(lines, context.currency).minor
    return _reduced(off(tiers[index], total), cap, total, lines, context.currency)


def _tier_above(
    tiers: Sequence[_Tier], currency: str | None, lines: Sequence[Line], context: Context
) -> Missed | None:
    """What ``lines`` miss to reach the tier above the one they reach (the lowest when they
    reach none); None at the top tier or in another currency."""
    if other_currency(currency, context) is not None:
        return None
    thresholds = [tier.threshold for tier in tiers]
    reached = measure(not isinstance(thresholds[0], Money), lines, context.currency)
    return next_tier(thresholds, lambda index: tiers[index].label(), reached, lines)


def _tiers_tag(tiers: Sequence[_Tier], cap: Money | None) -> str:
    """``满100减10，满300减50``, with ``，最多减…`` for a cap."""
    return "，".join(tier.label() for tier in tiers) + cap_words(cap)


# --- tiered 满减 ----------------------------------------------------------------------------------


@attrs.frozen
class ReductionTier:
    """满 ``threshold`` 减 ``reduction``; an amount threshold is more than its reduction."""

    threshold: Threshold
    reduction: Money

    def __attrs_post_init__(self) -> None:
        check_threshold(self.threshold)
        check_money(self.reduction, "a tier's reduction")
        one_currency((self.threshold, self.reduction))
        if isinstance(self.threshold, Money) and self.reduction >= self.threshold:
            raise InvalidPromotion(f"{self.label()} takes off at least its threshold")

    def label(self) -> str:
        """``满300减50``, ``满3件减20``."""
        return f"满{threshold_words(self.threshold)}减{major(self.reduction)}"


@register
@attrs.frozen
class TieredReduction:
    """Tiered 满减 (PRO-1 a): 满100减10 / 满300减50 / 满500减80 — the highest tier the lines
    reach takes its reduction off them, held to ``cap`` when there is one.

    Tiers are given lowest first: thresholds (all amounts or all item counts) and reductions
    both strictly increasing. A cap is at least the lowest tier's reduction."""

    name: ClassVar[str] = "threshold_reduction"
    stage: ClassVar[Stage] = Stage.THRESHOLD
    takes_every_line: ClassVar[bool] = True
    """When it applies, every line it is given takes it (the search relies on this)."""

    tiers: tuple[ReductionTier, ...] = attrs.field(converter=as_tuple)
    cap: Money | None = None

    def __attrs_post_init__(self) -> None:
        if any(not isinstance(tier, ReductionTier) for tier in self.tiers):
            raise InvalidPromotion("the tiers of a 满减 are ReductionTiers")
        check_increasing([tier.threshold for tier in self.tiers])
        reductions = [tier.reduction for tier in self.tiers]
        one_currency([*reductions, self.cap])
        if any(low >= high for low, high in itertools.pairwise(reductions)):
            raise InvalidPromotion("each tier of a 满减 takes off more than the tier below")
        _check_cap(self.cap, reductions[0])

    @property
    def currency(self) -> str:
        return self.tiers[0].reduction.currency

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        """The highest tier reached, as one :class:`Reduction` over ``lines``; below the lowest
        tier a :class:`Missed` with what is missing to reach it."""
        return _highest_tier(
            self.tiers,
            self.currency,
            self.cap,
            lines,
            context,
            lambda tier, _: tier.reduction.minor,
        )

    def next_tier(self, lines: Sequence[Line], context: Context) -> Missed | None:
        """What ``lines`` miss to reach the next tier (see :func:`_tier_above`)."""
        return _tier_above(self.tiers, self.currency, lines, context)

    def tag(self) -> str:
        """``满100减10，满300减50``, with ``，最多减…`` for a cap."""
        return _tiers_tag(self.tiers, self.cap)


# --- per-each 每满 --------------------------------------------------------------------------------


@register
@attrs.frozen
class PerEachReduction:
    """Per-each 每满 (PRO-1 a): every full ``step`` the lines hold takes ``reduction`` off, in
    all at most ``cap`` (每满200减20: 230 pays 210, 430 pays 390). An amount step is more than
    its reduction; a cap is at least one reduction."""

    name: ClassVar[str] = "per_each_reduction"
    stage: ClassVar[Stage] = Stage.THRESHOLD
    takes_every_line: ClassVar[bool] = True
    """When it applies, every line it is given takes it (the search relies on this)."""

    step: Threshold
    reduction: Money
    cap: Money | None = None

    def __attrs_post_init__(self) -> None:
        check_threshold(self.step)
        check_money(self.reduction, "the reduction of a 每满")
        one_currency((self.step, self.reduction, self.cap))
        if isinstance(self.step, Money) and self.reduction >= self.step:
            raise InvalidPromotion(f"{self.label()} takes off at least its step")
        _check_cap(self.cap, self.reduction)

    @property
    def currency(self) -> str:
        return self.reduction.currency

    def label(self) -> str:
        """``每满200减20``, ``每满2件减15``."""
        return f"每满{threshold_words(self.step)}减{major(self.reduction)}"

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        """``reduction`` times the number of whole steps in ``lines``, capped; below one step a
        :class:`Missed` with what is missing to the first."""
        wrong = other_currency(self.currency, context)
        if wrong is not None:
            return wrong
        by_count = not isinstance(self.step, Money)
        reached = measure(by_count, lines, context.currency)
        steps = reached // threshold_measure(self.step)
        if steps == 0:
            return short_of(self.step, reached, lines, self.label())
        total = total_of(lines, context.currency).minor if by_count else reached
        return _reduced(self.reduction.minor * steps, self.cap, total, lines, context.currency)

    def next_tier(self, lines: Sequence[Line], context: Context) -> Missed | None:
        """What ``lines`` miss to reach one more step (None in another currency, or once the
        cap is reached: another step would take nothing more off)."""
        if other_currency(self.currency, context) is not None:
            return None
        reached = measure(not isinstance(self.step, Money), lines, context.currency)
        steps = reached // threshold_measure(self.step) + 1
        if self.cap is not None and (self.reduction * (steps - 1)) >= self.cap:
            return None
        above: Threshold = (
            Money(self.step.minor * steps, self.step.currency)
            if isinstance(self.step, Money)
            else self.step * steps
        )
        return short_of(above, reached, lines, self.label())

    def tag(self) -> str:
        """``每满200减20``, with ``，最多减…`` for a cap."""
        return self.label() + cap_words(self.cap)


# --- 满折 -----------------------------------------------------------------------------------------


@attrs.frozen
class DiscountTier:
    """满 ``threshold`` 打 ``rate`` 折: the lines pay ``rate`` of their total (0.8 is 8折)."""

    threshold: Threshold
    rate: decimal.Decimal

    def __attrs_post_init__(self) -> None:
        check_threshold(self.threshold)
        check_rate(self.rate, "a rate")

    def label(self) -> str:
        """``满10000打8折``, ``满3件打8.5折``."""
        return f"满{threshold_words(self.threshold)}打{rate_label(self.rate)}"


@register
@attrs.frozen
class ThresholdDiscount:
    """满折 (PRO-1 b): past a threshold the lines pay ``rate`` of their total; the discount is
    rounded half-up once (MON-2) and held to ``cap`` (满10000打8折, cap 1200: 10000 pays 8800).

    Most have one tier; with several (满2件9折 / 满3件8折) the highest reached applies. Tiers
    are given lowest first: thresholds (all amounts or all item counts) strictly increasing,
    rates strictly decreasing."""

    name: ClassVar[str] = "threshold_discount"
    stage: ClassVar[Stage] = Stage.THRESHOLD
    takes_every_line: ClassVar[bool] = True
    """When it applies, every line it is given takes it (the search relies on this)."""

    tiers: tuple[DiscountTier, ...] = attrs.field(converter=as_tuple)
    cap: Money | None = None

    def __attrs_post_init__(self) -> None:
        if any(not isinstance(tier, DiscountTier) for tier in self.tiers):
            raise InvalidPromotion("the tiers of a 满折 are DiscountTiers")
        check_increasing([tier.threshold for tier in self.tiers])
        rates = [tier.rate for tier in self.tiers]
        if any(high <= low for high, low in itertools.pairwise(rates)):
            raise InvalidPromotion("each tier of a 满折 has a lower rate than the tier below")
        _check_cap(self.cap)
        one_currency([*(tier.threshold for tier in self.tiers), self.cap])

    @property
    def currency(self) -> str | None:
        """The currency of its amounts; None for a count threshold without a cap, which
        applies in any currency."""
        # they are in one currency (checked when built): the cap's or an amount threshold's
        if self.cap is not None:
            return self.cap.currency
        lowest = self.tiers[0].threshold
        return lowest.currency if isinstance(lowest, Money) else None

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        """The discount of the highest tier reached, as one :class:`Reduction` over ``lines``;
        below the lowest tier a :class:`Missed` with what is missing to reach it."""
        return _highest_tier(
            self.tiers,
            self.currency,
            self.cap,
            lines,
            context,
            lambda tier, total: rate_off(total, tier.rate),
        )

    def next_tier(self, lines: Sequence[Line], context: Context) -> Missed | None:
        """What ``lines`` miss to reach the next tier (see :func:`_tier_above`)."""
        return _tier_above(self.tiers, self.currency, lines, context)

    def tag(self) -> str:
        """``满10000打8折``, with ``，最多减…`` for a cap."""
        return _tiers_tag(self.tiers, self.cap)


__all__ = [
    "DiscountTier",
    "PerEachReduction",
    "ReductionTier",
    "ThresholdDiscount",
    "TieredReduction",
]
