"""The points programme: the rules every account of the shop follows (PTS-2, PTS-6)."""

from __future__ import annotations

import enum
from typing import Any

import attrs

from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.loyalty.expiry import Calendar, ExpiryPolicy, Never, Rolling


class ShortfallPolicy(enum.StrEnum):
    """What a reversal does when the points it takes back were spent already (PTS-6)."""

    NEGATIVE = "negative"
    """The balance goes below zero; later earnings repay it first."""
    CLAMP = "clamp"
    """The balance stops at zero; what it could not take back is forgiven."""


def _policy(value: Any) -> ExpiryPolicy:
    if not isinstance(value, Rolling | Calendar | Never):
        raise InvalidProgramme(f"an expiry policy is Rolling, Calendar or Never, not {value!r}")
    return value


def _shortfall(value: Any) -> ShortfallPolicy:
    try:
        return ShortfallPolicy(value)
    except ValueError:
        raise InvalidProgramme(
            f"a shortfall policy is one of {', '.join(ShortfallPolicy)}, not {value!r}"
        ) from None


@attrs.frozen
class Programme:
    expiry: ExpiryPolicy = attrs.field(
        default=attrs.Factory(lambda: Calendar(years=1)), validator=lambda _i, _a, v: _policy(v)
    )
    shortfall: ShortfallPolicy = attrs.field(default=ShortfallPolicy.CLAMP, converter=_shortfall)


__all__ = ["Programme", "ShortfallPolicy"]
