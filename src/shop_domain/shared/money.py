"""Money (RULES MON-1..4): integer minor units with a currency, exact rates, one allocator.

No float ever holds an amount. Rates are ``Decimal`` (or integer basis points) and an amount
derived from a rate is rounded half-up to the minor unit exactly once (MON-2). Every split of an
amount over parts goes through :func:`allocate` (MON-3).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from typing import Any, Final

import attrs

from shop_domain.shared.errors import (
    AllocationExceedsBase,
    AllocationNegativeAmount,
    AllocationNegativeBase,
    AllocationWithoutBase,
    AmountNotInteger,
    AmountTooLarge,
    AmountTooPrecise,
    CurrencyMismatch,
    InvalidAmount,
    RateNotDecimal,
    UnknownCurrency,
)

# ISO 4217 minor-unit exponents of the currencies we accept.
MINOR_UNITS: Final[dict[str, int]] = {
    "CNY": 2,
    "HKD": 2,
    "TWD": 2,
    "MOP": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "AUD": 2,
    "CAD": 2,
    "CHF": 2,
    "SGD": 2,
    "NZD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "INR": 2,
    "THB": 2,
    "MYR": 2,
    "PHP": 2,
    "IDR": 2,
    "MXN": 2,
    "BRL": 2,
    "ZAR": 2,
    "AED": 2,
    "SAR": 2,
    "RUB": 2,
    "TRY": 2,
    "ILS": 2,
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "KWD": 3,
    "BHD": 3,
    "JOD": 3,
    "OMR": 3,
    "TND": 3,
}

_ONE: Final = decimal.Decimal(1)
_HALF_UP: Final = decimal.ROUND_HALF_UP

MAX_MAJOR_DIGITS: Final = 10
"""An amount stated from outside has at most 10 integer digits: it is below 10**10 major units
(9,999,999,999.99 CNY) in every currency. :meth:`Money.of` — the parser of every amount that
comes in — refuses more (``money.too_large``). In minor units such an amount is below 10**13,
so a sum of 900,000 of them (statistics, totals) still fits a signed 64-bit integer (a BIGINT
column), whose limit is about 9.2 * 10**18."""
_MAX_MAJOR: Final = decimal.Decimal(10) ** MAX_MAJOR_DIGITS


def _check_currency(currency: object) -> None:
    if not isinstance(currency, str) or currency not in MINOR_UNITS:
        raise UnknownCurrency(f"unknown currency {currency!r}", details={"currency": currency})


def _check_minor(minor: object) -> None:
    # bool is an int subclass; True is not an amount.
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise AmountNotInteger(
            f"an amount must be an integer of minor units, not {type(minor).__name__}"
        )


def _valid_minor(_instance: object, _attribute: object, minor: Any) -> None:
    if type(minor) is not int:  # the common case costs one test
        _check_minor(minor)


def _valid_currency(_instance: object, _attribute: object, currency: Any) -> None:
    if not isinstance(currency, str) or currency not in MINOR_UNITS:
        _check_currency(currency)


def round_half_up(value: decimal.Decimal) -> int:
    """Round an exact decimal number of minor units half-up (away from zero on .5) (MON-2)."""
    return int(value.quantize(_ONE, _HALF_UP))


_set = object.__setattr__


@attrs.frozen(order=False, init=False)
class Money:
    """An amount of a currency in its minor unit (fen for CNY)."""

    minor: int = attrs.field(validator=_valid_minor)
    currency: str = attrs.field(validator=_valid_currency)

    def __init__(self, minor: int, currency: str) -> None:
        # What attrs would generate, calling the fields' validators directly: a quote builds
        # thousands of amounts. attrs' switch that disables validators does not reach them.
        _valid_minor(self, None, minor)
        _valid_currency(self, None, currency)
        _set(self, "minor", minor)
        _set(self, "currency", currency)

    # --- construction ---------------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def of(cls, amount: str | int | decimal.Decimal, currency: str) -> Money:
        """Parse a major-unit amount exactly: ``Money.of("99.99", "CNY")`` is 9999 fen.

        More decimals than the currency has is an error, never a silent rounding; so is an
        amount of :data:`MAX_MAJOR_DIGITS` integer digits or more.
        """
        _check_currency(currency)
        if isinstance(amount, float | bool):
            raise AmountNotInteger("amounts are never floats")
        try:
            value = decimal.Decimal(amount)
        except decimal.InvalidOperation as exc:
            raise InvalidAmount(f"not an amount: {amount!r}") from exc
        if not value.is_finite():
            raise InvalidAmount(f"not an amount: {amount!r}")
        # adjusted() is the power of ten of the leading digit; no context, so no rounding
        if value and value.adjusted() >= MAX_MAJOR_DIGITS:
            raise AmountTooLarge(
                f"an amount must be below {_MAX_MAJOR:,} {currency}",
                details={"maximum_digits": MAX_MAJOR_DIGITS},
            )
        sign, digits, exponent = value.as_tuple()
        shift = int(exponent) + MINOR_UNITS[currency]
        if shift < 0 and any(digits[shift:]):
            raise AmountTooPrecise(f"{amount} has more decimals than {currency} allows")
        kept = digits[:shift] if shift < 0 else digits
        minor = int("".join(map(str, kept)) or "0") * 10 ** max(shift, 0)
        return cls(-minor if sign else minor, currency)

    # --- reading --------------------------------------------------------------------------
    @property
    def exponent(self) -> int:
        return MINOR_UNITS[self.currency]

    @property
    def amount(self) -> decimal.Decimal:
        """The major-unit value as an exact decimal (for display and wire formats)."""
        return decimal.Decimal(self.minor).scaleb(-self.exponent)

    def __str__(self) -> str:
        return f"{self.amount:.{self.exponent}f} {self.currency}"

    def is_zero(self) -> bool:
        return self.minor == 0

    def is_negative(self) -> bool:
        return self.minor < 0

    def is_positive(self) -> bool:
        return self.minor > 0

    # --- arithmetic -----------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot combine {self.currency} with {other.currency}",
                details={"left": self.currency, "right": other.currency},
            )

    # Each operation tests the common case (a Money of the same currency) inline and leaves
    # the rest, and its errors, to ``_same``.

    def __add__(self, other: Money) -> Money:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, quantity: int) -> Money:
        """Multiply by a whole quantity (a line of ``quantity`` items). Rates use :meth:`times`."""
        if type(quantity) is not int:
            _check_minor(quantity)
        return Money(self.minor * quantity, self.currency)

    __rmul__ = __mul__

    def times(self, rate: decimal.Decimal) -> Money:
        """This amount times an exact rate, rounded half-up once (MON-2)."""
        if not isinstance(rate, decimal.Decimal):
            raise RateNotDecimal("rates are exact decimals")
        return Money(round_half_up(self.minor * rate), self.currency)

    def basis_points(self, bps: int) -> Money:
        """``bps``/10000 of this amount, rounded half-up once (MON-2)."""
        return self.times(decimal.Decimal(bps) / 10000)

    def __lt__(self, other: Money) -> bool:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other)
        return self.minor >= other.minor

    def capped_at(self, ceiling: Money) -> Money:
        """The smaller of this and ``ceiling``: a discount never exceeds its base (MON-4)."""
        if type(ceiling) is not Money or ceiling.currency != self.currency:
            self._same(ceiling)
        return self if self.minor <= ceiling.minor else ceiling

    def floored_at_zero(self) -> Money:
        """Never negative: what a payable amount is after discounts (MON-4)."""
        return self if self.minor >= 0 else Money(0, self.currency)


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Sum amounts of one currency; the empty sum is zero of ``currency``."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result


def allocate_minor(amount: int, bases: Sequence[int], *, capped: bool = True) -> list[int]:
    """Split ``amount`` over ``bases`` in proportion (MON-3), on plain integers.

    - shares are ``floor(amount * base / sum)``, then the residue goes one unit at a time to the
      parts with the largest remainders; equal remainders favour the later part;
    - the shares sum exactly to ``amount`` and each lies within one unit of its exact share;
    - with ``capped`` (the default) no share exceeds its base, which requires
      ``amount <= sum(bases)``; a discount larger than its base must be capped first (MON-4).
    """
    _check_minor(amount)
    if amount < 0:
        raise AllocationNegativeAmount("cannot allocate a negative amount")
    base_sum = 0
    for base in bases:
        if type(base) is not int:
            _check_minor(base)
        if base < 0:
            raise AllocationNegativeBase("allocation bases cannot be negative")
        base_sum += base
    if amount == 0:
        return [0] * len(bases)
    if base_sum == 0:
        raise AllocationWithoutBase("cannot allocate an amount over parts that are all zero")
    if capped and amount > base_sum:
        raise AllocationExceedsBase(
            f"cannot allocate {amount} over parts worth only {base_sum}",
            details={"amount": amount, "base": base_sum},
        )
    shares = [amount * base // base_sum for base in bases]
    residue = amount - sum(shares)
    if residue:
        # largest remainder first; on equal remainders the later part first
        remainders = sorted(
            ((amount * base % base_sum, index) for index, base in enumerate(bases)), reverse=True
        )
        for _, index in remainders[:residue]:
            shares[index] += 1
    return shares


def allocate(amount: Money, bases: Sequence[Money], *, capped: bool = True) -> list[Money]:
    """Split ``amount`` over parts in proportion to ``bases`` (MON-3); see ``allocate_minor``."""
    for base in bases:
        amount._same(base)
    shares = allocate_minor(amount.minor, [b.minor for b in bases], capped=capped)
    return [Money(share, amount.currency) for share in shares]
