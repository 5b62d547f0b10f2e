"""Wire schemas shared by every context's HTTP controllers (``msgspec.Struct`` only).

- Money travels as ``{"amount": "99.99", "currency": "CNY"}``: the amount is an exact decimal
  *string* in major units with at most the currency's number of decimals. Never a float (MON-1).
  Inputs use :class:`MoneyIn` / :class:`PositiveMoneyIn` (or the :data:`Amount` /
  :data:`PositiveAmount` string types); answers use :class:`MoneySchema`.
- Every string the API takes is bounded and free of control characters: build its
  ``msgspec.Meta`` with :func:`text` (the ASGI guard in :mod:`shop_adapters.http.limits` is the
  net behind it).
- Every datetime the API takes is a :data:`Moment`: with a timezone, between
  :data:`MIN_MOMENT` and :data:`MAX_MOMENT`.
- Every integer the API takes has a documented maximum (:func:`bounded_int`); lists are paged
  with ``limit``/``offset`` (:class:`Pagination`, injected as the ``pagination`` dependency,
  ``offset`` at most :data:`MAX_OFFSET`) and answered as a :class:`Page`.
- Errors are :class:`Problem` documents (RFC 9457), see :mod:`shop_adapters.http.problems`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Final, Generic, TypeVar

import msgspec

from shop_app.shared.otp import MAX_CODE_LENGTH
from shop_domain.shared.money import MAX_MAJOR_DIGITS, MINOR_UNITS, Money
from shop_domain.shared.phones import MAX_DIGITS, MIN_DIGITS

T = TypeVar("T")

# --- text -----------------------------------------------------------------------------------

FORBIDDEN_CHARACTERS: Final = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
"""The kernel rule: no string the API takes contains a C0 control character other than tab,
line feed and carriage return, nor DEL (regex class body; NUL is the one databases choke on)."""


def text_pattern(max_length: int, *, min_length: int = 0) -> str:
    """The pattern of :func:`text`, for a query or header parameter:
    ``Parameter(max_length=100, pattern=text_pattern(100))``."""
    if not 0 <= min_length <= max_length:
        raise ValueError(f"text({max_length}, min_length={min_length}): bad bounds")
    return f"^[^{FORBIDDEN_CHARACTERS}]{{{min_length},{max_length}}}$"


def text(
    max_length: int,
    *,
    min_length: int = 0,
    description: str | None = None,
    examples: list[str] | None = None,
) -> msgspec.Meta:
    """Constraints of a bounded string without control characters (the kernel rule).

    ``Name = Annotated[str, text(80, min_length=1, examples=["Spring sale"])]``. The length is in
    the pattern too, so the OpenAPI document and generators see one exact rule.
    """
    return msgspec.Meta(
        min_length=min_length,
        max_length=max_length,
        pattern=text_pattern(max_length, min_length=min_length),
        description=description,
        examples=examples,
    )


# --- numbers --------------------------------------------------------------------------------

MAX_OFFSET: Final = 1_000_000_000
"""The largest ``offset`` any list takes (far beyond any list; keeps SQL within int64)."""
MAX_PAGE_SIZE: Final = 100
DEFAULT_PAGE_SIZE: Final = 20


def bounded_int(
    ge: int,
    le: int,
    *,
    description: str | None = None,
    examples: list[int] | None = None,
) -> msgspec.Meta:
    """Constraints of an integer with a documented minimum and maximum (both required: no
    integer the API takes is unbounded). ``Count = Annotated[int, bounded_int(1, 10_000)]``."""
    if ge > le:
        raise ValueError(f"bounded_int({ge}, {le}): bad bounds")
    return msgspec.Meta(ge=ge, le=le, description=description, examples=examples)


# --- money ----------------------------------------------------------------------------------

_DECIMALS: Final = max(MINOR_UNITS.values())
AMOUNT_PATTERN: Final = rf"^(0|[1-9][0-9]{{0,{MAX_MAJOR_DIGITS - 1}}})(\.[0-9]{{1,{_DECIMALS}}})?$"
"""A non-negative amount in major units as the server takes it: no sign, no leading zeros, at
most 10 integer digits and 3 decimals (the currency may allow fewer: 2 for CNY, 0 for JPY;
more is a 422 ``money.too_precise``)."""
POSITIVE_AMOUNT_PATTERN: Final = (
    rf"^([1-9][0-9]{{0,{MAX_MAJOR_DIGITS - 1}}}(\.[0-9]{{1,{_DECIMALS}}})?"
    r"|0\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$"
)
""":data:`AMOUNT_PATTERN` without zero (``0``, ``0.00``)."""
SIGNED_AMOUNT_PATTERN: Final = r"^-?[0-9]{1,19}(\.[0-9]{1,3})?$"
"""What the server *answers* (sums, negative adjustments): any whole number of minor units."""
CURRENCY_PATTERN: Final = "^(" + "|".join(sorted(MINOR_UNITS)) + ")$"
"""Exactly the ISO 4217 codes the server accepts."""
_AMOUNT_LIMIT: Final = f"below {10**MAX_MAJOR_DIGITS:,} major units"

Amount = Annotated[
    str,
    msgspec.Meta(
        pattern=AMOUNT_PATTERN,
        description="Exact decimal in major units, e.g. '99.99' (never a float): at least 0, "
        f"{_AMOUNT_LIMIT}, at most the currency's decimals",
        examples=["99.99"],
    ),
]
PositiveAmount = Annotated[
    str,
    msgspec.Meta(
        pattern=POSITIVE_AMOUNT_PATTERN,
        description="Exact decimal in major units, e.g. '99.99' (never a float): more than 0, "
        f"{_AMOUNT_LIMIT}, at most the currency's decimals",
        examples=["99.99"],
    ),
]
Currency = Annotated[
    str,
    msgspec.Meta(pattern=CURRENCY_PATTERN, description="ISO 4217 code", examples=["CNY"]),
]


class MoneySchema(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An amount of money as the server answers it: an exact decimal string in major units
    (possibly negative or a large sum) and an ISO 4217 currency. Inputs use :class:`MoneyIn`."""

    amount: Annotated[
        str,
        msgspec.Meta(
            pattern=SIGNED_AMOUNT_PATTERN,
            description="Exact decimal in major units, e.g. '99.99' (never a float)",
            examples=["99.99"],
        ),
    ]
    currency: Currency

    @classmethod
    def from_domain(cls, money: Money) -> MoneySchema:
        return cls(amount=f"{money.amount:.{money.exponent}f}", currency=money.currency)

    def to_domain(self) -> Money:
        """The domain value; raises ``InvalidValue`` (→ 422) for an amount with more decimals
        than the currency has (no silent rounding) or beyond the maximum."""
        return Money.of(self.amount, self.currency)


class MoneyIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An amount of money a client states: zero or more, below the maximum (MON-1)."""

    amount: Amount
    currency: Currency

    def to_domain(self) -> Money:
        """The domain value; 422 ``money.too_precise`` for more decimals than the currency
        has (no silent rounding)."""
        return Money.of(self.amount, self.currency)


class PositiveMoneyIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An amount of money a client states that must be more than zero (a price, a value)."""

    amount: PositiveAmount
    currency: Currency

    def to_domain(self) -> Money:
        """As :meth:`MoneyIn.to_domain`."""
        return Money.of(self.amount, self.currency)


# --- phones and one-time codes ---------------------------------------------------------------

Phone = Annotated[
    str,
    msgspec.Meta(
        pattern=rf"^\+?[0-9 ()-]{{{MIN_DIGITS - 1},{MAX_DIGITS - 1}}}$",
        min_length=MIN_DIGITS,
        max_length=MAX_DIGITS,
        description="A phone number: digits, spaces, dashes and brackets, an optional leading +",
        examples=["+86 138 0013 1234"],
    ),
]
"""A phone number as people type it; the domain reads it (``shop_domain.shared.phones``)."""
OneTimeCode = Annotated[
    str, msgspec.Meta(pattern=rf"^[0-9]{{1,{MAX_CODE_LENGTH}}}$", examples=["123456"])
]
"""A one-time code as the SMS gave it."""


# --- datetimes ------------------------------------------------------------------------------

MIN_MOMENT: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MAX_MOMENT: Final = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
Moment = Annotated[
    dt.datetime,
    msgspec.Meta(
        tz=True,
        description="ISO 8601 with a timezone, from 1970-01-01T00:00:00Z up to (not including) "
        "9999-01-01T00:00:00Z",
        examples=["2026-06-01T00:00:00+08:00"],
    ),
]
"""Every datetime the API takes. The kernel enforces the range whatever the annotation, for
every datetime in a JSON body and every datetime query parameter a handler declares
(:mod:`shop_adapters.http.limits`); :data:`Moment` documents it."""


class FieldError(msgspec.Struct, frozen=True, omit_defaults=True):
    """One problem with one input field."""

    field: str
    """Dotted path of the field (``quantity``, ``lines.0.sku``); empty for the whole input."""
    message: str
    source: str | None = None
    """Where the field came from: ``body``, ``query``, ``path``, ``header``, ``cookie``."""


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """RFC 9457 problem details, with our stable error ``code`` as an extension member."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    details: dict[str, Any] | None = None
    """Facts about the failure that a client may act on (``{"permission": "catalog.write"}``)."""


class Pagination(msgspec.Struct, frozen=True):
    """A window on a list: at most ``limit`` items, skipping the first ``offset``."""

    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0


class Page(msgspec.Struct, Generic[T], frozen=True):
    """One page of a list, with the total number of items across all pages."""

    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, items: Sequence[T], total: int, pagination: Pagination) -> Page[T]:
        return cls(items=list(items), total=total, limit=pagination.limit, offset=pagination.offset)


class Status(msgspec.Struct, frozen=True):
    status: str
