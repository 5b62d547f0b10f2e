"""How points are earned (PTS-1): purchases at a rate times the member level's multiplier,
daily check-ins on a streak scale with a bonus, activities and approved reviews at fixed
amounts."""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from typing import Any

import attrs

from shop_domain.loyalty.errors import InvalidProgramme, UnknownActivity
from shop_domain.loyalty.lots import MAX_POINTS


def _positive(what: str, *, zero: bool = False) -> Any:
    def check(_instance: object, _attribute: object, value: Any) -> None:
        least = 0 if zero else 1
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not least <= value <= MAX_POINTS
        ):
            raise InvalidProgramme(f"{what} is a whole number from {least} to {MAX_POINTS}")

    return check


def _scale(value: Any) -> tuple[int, ...]:
    scale = tuple(value)
    if not 1 <= len(scale) <= 31 or any(
        isinstance(p, bool) or not isinstance(p, int) or not 0 < p <= MAX_POINTS for p in scale
    ):
        raise InvalidProgramme("a check-in scale is 1 to 31 positive whole numbers of points")
    return scale


def _amounts(value: Any) -> Mapping[str, int]:
    amounts = dict(value)
    for name, points in amounts.items():
        if not isinstance(name, str) or not name.strip() or len(name) > 50:
            raise InvalidProgramme("an activity is named by 1 to 50 characters")
        _positive(f"the points of activity {name!r}")(None, None, points)
    return amounts


@attrs.frozen
class EarningRules:
    """PTS-1, each figure configurable."""

    minor_per_point: int = attrs.field(default=1000, validator=_positive("money per point"))
    """Minor units paid that earn one point before the member's multiplier (1000 fen: one point
    per 10 yuan)."""
    check_in_scale: tuple[int, ...] = attrs.field(
        default=(5, 8, 12, 15, 18, 20, 25), converter=_scale
    )
    """Points for the first, second, third… day of a streak; past its end, its last figure."""
    streak_bonus_every: int = attrs.field(default=7, validator=_positive("the bonus streak"))
    streak_bonus: int = attrs.field(default=50, validator=_positive("a streak bonus", zero=True))
    """Added on every ``streak_bonus_every``-th day of a streak (day 7, 14, …)."""
    make_ups_per_month: int = attrs.field(default=0, validator=_positive("make-ups", zero=True))
    """Missed days of the current month a member may check in afterwards (0: none)."""
    activities: Mapping[str, int] = attrs.field(
        factory=lambda: {"survey": 10, "quiz": 5, "share": 2, "lottery": 1}, converter=_amounts
    )
    review: int = attrs.field(default=10, validator=_positive("the points of a review"))

    def purchase(self, paid_minor: int, multiplier: decimal.Decimal) -> int:
        """The points ``paid_minor`` earns at a member ``multiplier`` (rounded down)."""
        if isinstance(paid_minor, bool) or not isinstance(paid_minor, int) or paid_minor < 0:
            raise InvalidProgramme("an amount paid is a whole, non-negative number of minor units")
        if (
            not isinstance(multiplier, decimal.Decimal)
            or not multiplier.is_finite()
            or multiplier < 0
        ):
            raise InvalidProgramme("a points multiplier is a finite decimal of at least 0")
        base = paid_minor // self.minor_per_point
        return int((base * multiplier).to_integral_value(decimal.ROUND_FLOOR))

    def check_in(self, day_of_streak: int) -> int:
        """The points of the ``day_of_streak``-th consecutive check-in (from 1)."""
        scale = self.check_in_scale
        points = scale[min(day_of_streak, len(scale)) - 1]
        if day_of_streak % self.streak_bonus_every == 0:
            points += self.streak_bonus
        return points

    def activity(self, name: str) -> int:
        found = self.activities.get(name)
        if found is None:
            raise UnknownActivity(
                f"no activity is called {name!r}; one of {', '.join(sorted(self.activities))}",
                details={"activity": name},
            )
        return found


__all__ = ["EarningRules"]
