"""What several promotion kinds share: the checks of their parameters, the reasons of a miss
that more than one kind gives, how a tag prints an amount or a rate, and the rate discount of
MON-2.

The checks raise :class:`~shop_domain.pricing.errors.InvalidPromotion` with words that name the
parameter, so that an operator reading the error knows what to change.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any, Final

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import NO_LINES, OTHER_CURRENCY, Context, Missed
from shop_domain.shared.errors import RateNotDecimal
from shop_domain.shared.money import MINOR_UNITS, Money, round_half_up

NO_SAVING: Final = "promotion.no_saving"
"""The reason of a :class:`Missed` when the kind fits the lines but would not lower what they
cost (an item price not below the lines' prices, a bundle price not below its parts)."""

RATE_PLACES: Final = 4
"""A rate has at most four decimal places (0.8888 is 8.888折)."""

_ONE: Final = decimal.Decimal(1)


def check_money(value: object, what: str, *, positive: bool = True) -> Money:
    """``value`` if it is a :class:`Money` that is positive (or, without ``positive``, not
    negative)."""
    if not isinstance(value, Money):
        raise InvalidPromotion(f"{what} is an amount of money, not {type(value).__name__}")
    if positive and not value.is_positive():
        raise InvalidPromotion(f"{what} is positive, not {value}")
    if value.is_negative():
        raise InvalidPromotion(f"{what} is not negative, not {value}")
    return value


def check_count(value: object, what: str, *, least: int) -> int:
    """``value`` if it is a whole number of at least ``least``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidPromotion(f"{what} is a whole number, not {value!r}")
    if value < least:
        raise InvalidPromotion(f"{what} is at least {least}, not {value}")
    return value


def check_rate(value: object, what: str) -> decimal.Decimal:
    """``value`` if it is an exact decimal strictly between 0 and 1 with at most
    :data:`RATE_PLACES` decimal places: the fraction of the price paid (``0.8`` is 8折)."""
    if not isinstance(value, decimal.Decimal) or not value.is_finite():
        raise InvalidPromotion(f"{what} is an exact decimal (0.8 is 8折), not {value!r}")
    if not decimal.Decimal(0) < value < _ONE:
        raise InvalidPromotion(f"{what} is the fraction paid, strictly between 0 and 1")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > RATE_PLACES:
        raise InvalidPromotion(f"{what} has at most {RATE_PLACES} decimal places, not {value}")
    return value


def validated(check: Callable[..., object], what: str, **options: Any) -> Any:
    """An attrs validator running ``check(value, what, **options)`` on a field (typed ``Any``
    so that the attrs plugin of mypy keeps the field's own type)."""

    def validate(_instance: object, _attribute: object, value: object) -> None:
        check(value, what, **options)

    return validate


def rate_discount(base: Money, rate: decimal.Decimal) -> Money:
    """What paying the fraction ``rate`` of ``base`` takes off: ``base * (1 - rate)`` rounded
    half-up once (MON-2: 8折 on 99.99 takes 20.00 off, pay 79.99). Never more than ``base``."""
    return Money(rate_off(base.minor, rate), base.currency)


_PLACES: Final = 10**RATE_PLACES
_EXACT: Final = 10**23
"""Below this many minor units, ``base * (1 - rate)`` for a rate of :data:`RATE_PLACES` places
has at most 27 digits: ``Decimal`` (28 digits) computes it exactly, as integers do."""


def rate_off(base: int, rate: decimal.Decimal) -> int:
    """:func:`rate_discount` on minor units: ``base * (1 - rate)`` rounded half-up once (away
    from zero on .5), in integer arithmetic. A rate of more than :data:`RATE_PLACES` places (or
    not finite), or a base of 10**23 minor units or more, takes the decimal route."""
    if not isinstance(rate, decimal.Decimal):
        raise RateNotDecimal("rates are exact decimals")
    if rate.is_finite():
        paid, whole = rate.as_integer_ratio()
        if not _PLACES % whole and -_EXACT < base < _EXACT:
            off = base * (whole - paid)  # the exact discount is off / whole
            if off >= 0:
                return (2 * off + whole) // (2 * whole)
            return -((whole - 2 * off) // (2 * whole))
    return round_half_up(base * (_ONE - rate))


def no_lines(tag: Callable[[], str]) -> Missed:
    """The miss of a kind given no line; ``tag`` gives the kind's tag (asked for only here, as
    the words of a miss)."""
    return Missed(NO_LINES, f"no line of the cart is in {tag()}")


def other_currency(
    currency: str | None, context: Context, tag: Callable[[], str] | None = None
) -> Missed | None:
    """The miss of a kind whose amounts are in ``currency`` on a cart in another one; None when
    the currencies agree, or when the kind has no amount (``None``: a count-based 满折 without a
    cap fits every currency). The words name the kind by ``tag()``, or as "the promotion"."""
    if currency is None or currency == context.currency:
        return None
    name = "the promotion" if tag is None else tag()
    return Missed(OTHER_CURRENCY, f"{name} is in {currency}, the cart in {context.currency}")


_PLAIN: Final = 10**18
"""Amounts below this many minor units are printed from their integer (``Decimal``, which
prints them the same, would round beyond 28 digits)."""


def figure(amount: Money) -> str:
    """An amount as a tag prints it: the figure of ``str(Money)`` with the currency's decimals
    but without its code ("30.00", "300" yen): the page shows its currency once."""
    minor, exponent = amount.minor, MINOR_UNITS[amount.currency]
    if not -_PLAIN < minor < _PLAIN:
        return f"{amount.amount:.{exponent}f}"
    if exponent == 0:
        return str(int(minor))
    whole, part = divmod(-minor if minor < 0 else minor, 10**exponent)
    return f"{'-' if minor < 0 else ''}{whole}.{str(part).zfill(exponent)}"


def rate_label(rate: decimal.Decimal) -> str:
    """A rate as shops say it: the tenths paid followed by 折 (0.8 is "8折", 0.85 "8.5折")."""
    tenths = (rate * 10).normalize()
    return f"{tenths:f}折"


__all__ = [
    "NO_SAVING",
    "OTHER_CURRENCY",
    "RATE_PLACES",
    "check_count",
    "check_money",
    "check_rate",
    "figure",
    "no_lines",
    "other_currency",
    "rate_discount",
    "rate_label",
    "rate_off",
    "validated",
]
