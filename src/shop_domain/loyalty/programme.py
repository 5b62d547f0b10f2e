"""The points programme: the rules every account of the shop follows (PTS-2, PTS-6)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import zoneinfo
from typing import Any

import attrs

from shop_domain.loyalty.earning import EarningRules
from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.loyalty.expiry import (
    Calendar,
    ExpiryPolicy,
    Never,
    Rolling,
    add_months,
    zone_name,
)
from shop_domain.loyalty.membership import LevelRules


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


def _share(value: Any) -> decimal.Decimal:
    if not isinstance(value, decimal.Decimal) or not decimal.Decimal(0) <= value <= 1:
        raise InvalidProgramme("the share of a payable points may pay is a decimal from 0 to 1")
    return value


def _per_unit(_instance: object, _attribute: object, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise InvalidProgramme("points per yuan is a whole number from 1 to 1,000,000")


@attrs.frozen
class CheckoutRules:
    """What points may pay at checkout (PTS-4): ``per_unit`` points for one yuan (one major
    unit), at most ``max_share`` of the payable."""

    per_unit: int = attrs.field(default=100, validator=_per_unit)
    max_share: decimal.Decimal = attrs.field(default=decimal.Decimal("0.5"), converter=_share)


@attrs.frozen
class Programme:
    expiry: ExpiryPolicy = attrs.field(
        default=attrs.Factory(lambda: Calendar(years=1)), validator=lambda _i, _a, v: _policy(v)
    )
    shortfall: ShortfallPolicy = attrs.field(default=ShortfallPolicy.CLAMP, converter=_shortfall)
    earning: EarningRules = attrs.Factory(EarningRules)
    checkout: CheckoutRules = attrs.Factory(CheckoutRules)
    levels: LevelRules = attrs.Factory(LevelRules)
    """Membership: levels by growth and what earns growth (MEM-1..3)."""
    time_zone: str = attrs.field(default="Asia/Shanghai", converter=zone_name)
    """Where the programme's days end (a check-in's day; an expiry policy has its own)."""

    def growth_window_start(self, now: dt.datetime) -> dt.datetime:
        """Where the growth that decides a level starts: ``levels.window_months`` before
        ``now``, on the programme's clock (MEM-3)."""
        zone = zoneinfo.ZoneInfo(self.time_zone)
        local = now.astimezone(zone)
        day = add_months(local.date(), -self.levels.window_months)
        return dt.datetime.combine(day, local.time(), tzinfo=zone)


__all__ = ["CheckoutRules", "Programme", "ShortfallPolicy"]
