"""What the threshold kinds share (PRO-1 a, b, f, i): a threshold that is an amount or an item
count, whether the targeted lines reach it and, when they do not, what they miss (PRO-8); the
checks of their parameters; and how amounts and rates read in a tag.

A threshold is a :class:`~shop_domain.shared.money.Money` (满300: the lines' total, after the
earlier levels, is at least 300) or an ``int`` (满3件: the lines hold at least 3 items). The
lines reach it when their measure is *at least* the threshold.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import BELOW_THRESHOLD, NO_LINES, Missed
from shop_domain.pricing.kinds.support import figure
from shop_domain.pricing.lines import Line, count_of, total_of
from shop_domain.shared.money import Money

Threshold = Money | int
"""An amount the lines' total must reach, or a number of items they must hold."""


# --- parameters ---------------------------------------------------------------------------------


def as_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    """Converter: a kind keeps its tiers or items as a tuple (stored parameters come back as
    lists); the kind checks the type of each."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidPromotion(f"expected a sequence, not {type(values).__name__}")
    return tuple(values)


def check_threshold(threshold: object) -> None:
    """``threshold`` is a positive amount or an item count of at least 1."""
    if isinstance(threshold, Money):
        if not threshold.is_positive():
            raise InvalidPromotion(f"an amount threshold is positive, not {threshold}")
    elif isinstance(threshold, int) and not isinstance(threshold, bool):
        if threshold < 1:
            raise InvalidPromotion(f"an item-count threshold is at least 1, not {threshold}")
    else:
        raise InvalidPromotion(
            "a threshold is an amount (Money) or an item count (int), "
            f"not {type(threshold).__name__}"
        )


def one_currency(values: Iterable[object]) -> str | None:
    """The one currency of the amounts among ``values`` (None when there is none); a kind whose
    amounts are in two currencies is refused."""
    found = {value.currency for value in values if isinstance(value, Money)}
    if len(found) > 1:
        raise InvalidPromotion(
            f"every amount of a promotion is in one currency, not {sorted(found)}"
        )
    return next(iter(found), None)


def check_increasing(thresholds: Sequence[Threshold]) -> None:
    """Tiers' thresholds: at least one, all of one basis (amounts or item counts), strictly
    increasing."""
    if not thresholds:
        raise InvalidPromotion("a tiered promotion has at least one tier")
    for threshold in thresholds:
        check_threshold(threshold)
    if len({isinstance(threshold, Money) for threshold in thresholds}) > 1:
        raise InvalidPromotion("the tiers' thresholds are all amounts or all item counts")
    one_currency(thresholds)
    measures = [threshold_measure(threshold) for threshold in thresholds]
    if any(low >= high for low, high in itertools.pairwise(measures)):
        raise InvalidPromotion("the tiers' thresholds are strictly increasing")


# --- reaching a threshold -----------------------------------------------------------------------


def threshold_measure(threshold: Threshold) -> int:
    """The threshold as a number the lines' measure is compared with: minor units or items."""
    return threshold.minor if isinstance(threshold, Money) else threshold


def measure(by_count: bool, lines: Sequence[Line], currency: str) -> int:
    """What the lines hold in the basis of a threshold: items, or their total in minor units of
    ``currency``."""
    return count_of(lines) if by_count else total_of(lines, currency).minor


def highest_reached(thresholds: Sequence[Threshold], reached: int) -> int | None:
    """The index of the highest of increasing ``thresholds`` that ``reached`` (minor units or
    items) reaches; None below the lowest."""
    for index in range(len(thresholds) - 1, -1, -1):
        if reached >= threshold_measure(thresholds[index]):
            return index
    return None


def line_ids(lines: Sequence[Line]) -> tuple[str, ...]:
    return tuple([line.line_id for line in lines])


def short_of(threshold: Threshold, reached: int, lines: Sequence[Line], label: str) -> Missed:
    """The :class:`Missed` of lines that hold ``reached`` (minor units or items) below
    ``threshold``: what is missing, in words ("add 20.00 more for 满300减50", "add 1 more item
    for 满3件减20"). The reason is :data:`NO_LINES` when no line is targeted at all."""
    reason = BELOW_THRESHOLD if lines else NO_LINES
    if isinstance(threshold, Money):
        missing = Money(threshold.minor - reached, threshold.currency)
        return Missed(reason, f"add {figure(missing)} more for {label}", missing_amount=missing)
    count = threshold - reached
    items = "item" if count == 1 else "items"
    return Missed(reason, f"add {count} more {items} for {label}", missing_count=count)


def next_tier(
    thresholds: Sequence[Threshold],
    label: Callable[[int], str],
    reached: int,
    lines: Sequence[Line],
) -> Missed | None:
    """What lines holding ``reached`` miss to reach the tier above the highest they reach (the
    lowest when they reach none): a :class:`Missed` naming it by its label, ``label(its
    index)``, or None at the top tier. For a quote that tells the customer how close the next
    tier is (PRO-8)."""
    index = highest_reached(thresholds, reached)
    above = 0 if index is None else index + 1
    if above == len(thresholds):
        return None
    return short_of(thresholds[above], reached, lines, label(above))


# --- words --------------------------------------------------------------------------------------


def major(amount: Money) -> str:
    """An amount as a tag shows it: whole major units without decimals (``300``), otherwise
    every decimal of the currency (``9.90``)."""
    if amount.minor % 10**amount.exponent == 0:
        return str(amount.minor // 10**amount.exponent)
    return figure(amount)


def threshold_words(threshold: Threshold) -> str:
    """``300`` for an amount, ``3件`` for an item count (as in 满300, 满3件)."""
    return major(threshold) if isinstance(threshold, Money) else f"{threshold}件"


def cap_words(cap: Money | None) -> str:
    """The suffix of a tag with a cap: ``，最多减1200`` (nothing without a cap)."""
    return "" if cap is None else f"，最多减{major(cap)}"


__all__ = [
    "Threshold",
    "as_tuple",
    "cap_words",
    "check_increasing",
    "check_threshold",
    "highest_reached",
    "line_ids",
    "major",
    "measure",
    "next_tier",
    "one_currency",
    "short_of",
    "threshold_measure",
    "threshold_words",
]
