"""Wire schemas shared by every context's HTTP controllers (``msgspec.Struct`` only).

- Money travels as ``{"amount": "99.99", "currency": "CNY"}``: the amount is an exact decimal
  *string* in major units with exactly the currency's number of decimals. Never a float (MON-1).
- Lists are paged with ``limit``/``offset`` (:class:`Pagination`, injected as the ``pagination``
  dependency) and answered as a :class:`Page`.
- Errors are :class:`Problem` documents (RFC 9457), see :mod:`shop_adapters.http.problems`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

import msgspec

from shop_domain.shared.money import Money

T = TypeVar("T")

AMOUNT_PATTERN = r"^-?[0-9]{1,18}(\.[0-9]{1,4})?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class MoneySchema(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An amount of money: an exact decimal string in major units and an ISO 4217 currency."""

    amount: Annotated[
        str,
        msgspec.Meta(
            pattern=AMOUNT_PATTERN,
            description="Exact decimal in major units, e.g. '99.99' (never a float)",
            examples=["99.99"],
        ),
    ]
    currency: Annotated[
        str,
        msgspec.Meta(pattern=CURRENCY_PATTERN, description="ISO 4217 code", examples=["CNY"]),
    ]

    @classmethod
    def from_domain(cls, money: Money) -> MoneySchema:
        return cls(amount=f"{money.amount:.{money.exponent}f}", currency=money.currency)

    def to_domain(self) -> Money:
        """The domain value; raises ``InvalidValue`` (→ 422) for an unknown currency or an
        amount with more decimals than the currency has (no silent rounding)."""
        return Money.of(self.amount, self.currency)


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
