"""Domain errors. Every error carries a stable machine-readable ``code`` and a ``kind``.

The ``code`` (``catalog.sku_not_found``, ``money.currency_mismatch``) is part of the public
contract: clients branch on it, so it never changes once released. The ``kind`` says what sort of
failure it is (``invalid``, ``not_found``, ``conflict``, ``forbidden``) so that an adapter can map
it to its own vocabulary (an HTTP status, an exit code) without knowing every code.

Each code is defined once, as the class-level ``code`` of an error class (or of a business rule,
:mod:`shop_domain.shared.rules`); the domain raises those classes and never spells a code
inline (``tests/unit/test_error_codes.py`` checks both).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error the domain and application raise on purpose."""

    code: ClassVar[str] = "domain.error"
    kind: ClassVar[str] = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """``code`` narrows the class code for one instance. The domain never passes it (each of
        its codes is a class); it remains for callers outside the domain that have not yet
        given each of their codes a class."""
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]  # an instance may narrow the class code
        self.details: Mapping[str, Any] = dict(details or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InvalidValue(DomainError):
    """A value breaks a rule of its own (a negative price, an empty name)."""

    code = "validation.invalid_value"
    kind = "invalid"


class NotFound(DomainError):
    """The thing asked for does not exist."""

    code = "not_found"
    kind = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a wrong state)."""

    code = "conflict"
    kind = "conflict"


class Forbidden(DomainError):
    """The actor may not do this."""

    code = "forbidden"
    kind = "forbidden"


class ConcurrencyConflict(Conflict):
    """Someone else changed the aggregate since it was read (optimistic locking)."""

    code = "concurrency.conflict"


class CurrencyMismatch(InvalidValue):
    """Two amounts in different currencies were combined (MON-1)."""

    code = "money.currency_mismatch"


class RateLimited(DomainError):
    """Too many attempts lately; try again later (an HTTP adapter answers 429)."""

    code = "rate_limited"
    kind = "rate_limited"


# --- money (MON-1..4) ---------------------------------------------------------------------------


class UnknownCurrency(InvalidValue):
    code = "money.unknown_currency"


class AmountNotInteger(InvalidValue):
    """An amount given as a float, a bool or anything but whole minor units (MON-1)."""

    code = "money.not_integer"


class InvalidAmount(InvalidValue):
    """Text that is not a finite decimal amount."""

    code = "money.invalid"


class AmountTooLarge(InvalidValue):
    code = "money.too_large"


class AmountTooPrecise(InvalidValue):
    """More decimals than the currency has: never rounded silently (MON-2)."""

    code = "money.too_precise"


class RateNotDecimal(InvalidValue):
    code = "money.rate_not_decimal"


class AllocationNegativeAmount(InvalidValue):
    code = "allocation.negative_amount"


class AllocationNegativeBase(InvalidValue):
    code = "allocation.negative_base"


class AllocationWithoutBase(InvalidValue):
    """An amount to split over parts that are all zero (MON-3)."""

    code = "allocation.no_base"


class AllocationExceedsBase(InvalidValue):
    """A capped split of more than its parts are worth (MON-3, MON-4)."""

    code = "allocation.exceeds_base"
