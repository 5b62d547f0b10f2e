"""What the threshold kinds share (PRO-1 a, b, f, i): a threshold that is an amount or an item
count, whether the targeted lines reach it and, when they do not, what they miss (PRO-8); the
checks of their parameters; and how amounts and rates read in a tag.

A threshold is a :class:`~shop_domain.shared.money.Money` (满300: the lines' total, after the
earlier levels, is at least 300) or an ``int`` (满3件: the lines hold at least 3 items). The
lines reach it when their measure is *at least* the threshold.
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import (
    BELOW_THRESHOLD,
    NO_LINES,
    OTHER_CURRENCY,
    Context,
    Missed,
)
from shop_domain.pricing.lines import Line, count_of, total_of
from shop_domain.shared.money import Money

Threshold = Money | int
"""An amount the lines' total must reach, or a number of items they must hold."""

RATE_PLACES = 4
"""A discount rate has at most four decimal places (0.8 is 8折, 0.8888 is 8.888折)."""

_ONE = decimal.Decimal(1)
_TEN = decimal.Decimal(10)


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


def check_amount(amount: object, what: str, *, zero_allowed: bool = False) -> None:
    """``amount`` is a :class:`Money`, positive (or zero with ``zero_allowed``)."""
    if not isinstance(amount, Money):
        raise InvalidPromotion(f"{what} is an amount (Money), not {type(amount).__name__}")
    if amount.is_negative() or (amount.is_zero() and not zero_allowed):
        raise InvalidPromotion(f"{what} is {'not negative' if zero_allowed else 'positive'}")


def check_count(count: object, what: str) -> None:
    """``count`` is a whole number of at least 1."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise InvalidPromotion(f"{what} is a whole number of at least 1, not {count!r}")


def check_rate(rate: object) -> None:
    """``rate`` — the fraction paid, 0.8 is 8折 — is an exact decimal strictly between 0 and 1
    with at most :data:`RATE_PLACES` decimal places (MON-1)."""
    if not isinstance(rate, decimal.Decimal) or not rate.is_finite():
        raise InvalidPromotion(f"a rate is an exact decimal (0.8 is 8折), not {rate!r}")
    if not 0 < rate < 1:
        raise InvalidPromotion(f"a rate is the fraction paid, strictly between 0 and 1: {rate}")
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > RATE_PLACES:
        raise InvalidPromotion(f"a rate has at most {RATE_PLACES} decimal places: {rate}")


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
    return tuple(line.line_id for line in lines)


def other_currency(currency: str | None, context: Context) -> Missed | None:
    """A :class:`Missed` when the kind's amounts are not in the cart's currency (a kind with no
    amount, such as a count-based 满折 without a cap, fits every currency)."""
    if currency is None or currency == context.currency:
        return None
    return Missed(OTHER_CURRENCY, f"the promotion is in {currency}, the cart in {context.currency}")


def short_of(threshold: Threshold, reached: int, lines: Sequence[Line], label: str) -> Missed:
    """The :class:`Missed` of lines that hold ``reached`` (minor units or items) below
    ``threshold``: what is missing, in words ("add 20.00 more for 满300减50", "add 1 more item
    for 满3件减20"). The reason is :data:`NO_LINES` when no line is targeted at all."""
    reason = BELOW_THRESHOLD if lines else NO_LINES
    if isinstance(threshold, Money):
        missing = Money(threshold.minor - reached, threshold.currency)
        return Missed(reason, f"add {exact(missing)} more for {label}", missing_amount=missing)
    count = threshold - reached
    items = "item" if count == 1 else "items"
    return Missed(reason, f"add {count} more {items} for {label}", missing_count=count)


def next_tier(
    thresholds: Sequence[Threshold], labels: Sequence[str], reached: int, lines: Sequence[Line]
) -> Missed | None:
    """What lines holding ``reached`` miss to reach the tier above the highest they reach (the
    lowest when they reach none): a :class:`Missed` naming it by its label, or None at the top
    tier. For a quote that tells the customer how close the next tier is (PRO-8)."""
    index = highest_reached(thresholds, reached)
    above = 0 if index is None else index + 1
    if above == len(thresholds):
        return None
    return short_of(thresholds[above], reached, lines, labels[above])


# --- words --------------------------------------------------------------------------------------


def exact(amount: Money) -> str:
    """An amount in major units with all its currency's decimals, no code: ``20.00``, ``500``
    (JPY)."""
    return f"{amount.amount:.{amount.exponent}f}"


def major(amount: Money) -> str:
    """An amount as a tag shows it: whole major units without decimals (``300``), otherwise
    every decimal of the currency (``9.90``)."""
    if amount.minor % 10**amount.exponent == 0:
        return str(amount.minor // 10**amount.exponent)
    return exact(amount)


def threshold_words(threshold: Threshold) -> str:
    """``300`` for an amount, ``3件`` for an item count (as in 满300, 满3件)."""
    return major(threshold) if isinstance(threshold, Money) else f"{threshold}件"


def rate_words(rate: decimal.Decimal) -> str:
    """The rate as shops say it: 0.8 is ``8折``, 0.85 is ``8.5折``."""
    tenths = (rate * _TEN).normalize()
    return f"{tenths:f}折"


def cap_words(cap: Money | None) -> str:
    """The suffix of a tag with a cap: ``，最多减1200`` (nothing without a cap)."""
    return "" if cap is None else f"，最多减{major(cap)}"


def discount_at(total: Money, rate: decimal.Decimal) -> Money:
    """What paying ``rate`` of ``total`` takes off: ``total × (1 − rate)`` rounded half-up once
    (MON-2: 8折 on 99.99 takes off 20.00)."""
    return total.times(_ONE - rate)


__all__ = [
    "RATE_PLACES",
    "Threshold",
    "as_tuple",
    "cap_words",
    "check_amount",
    "check_count",
    "check_increasing",
    "check_rate",
    "check_threshold",
    "discount_at",
    "exact",
    "highest_reached",
    "line_ids",
    "major",
    "measure",
    "next_tier",
    "one_currency",
    "other_currency",
    "rate_words",
    "short_of",
    "threshold_measure",
    "threshold_words",
]
