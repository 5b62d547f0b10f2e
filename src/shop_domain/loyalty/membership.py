"""Membership (MEM-1..4): levels by growth value, growth from behaviour, upgrades at once,
downgrades by re-evaluation.

A member's *growth* is never spent (MEM-4) and points are not growth. Each change of growth is
a :class:`GrowthEntry` naming what earned it (a day's first sign-in, an order, a review, an
order's photo) — once per (source, ref) — or what took it back (a refund, a removed review:
``revert``). The level a member holds is read off the growth earned over the programme's
window (``LevelRules.window_months``, 12 by default): a gain that reaches a higher level
upgrades at once (MEM-3); only the re-evaluation (a job) takes a member down, when the growth
of the window no longer reaches their level.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

import attrs

from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.events import DomainEvent

MAX_GROWTH = 10**12


class GrowthSource(enum.StrEnum):
    SIGN_IN = "sign_in"
    PURCHASE = "purchase"
    REVIEW = "review"
    PHOTO = "photo"


@attrs.frozen
class MemberLevel:
    """A level (MEM-1): from ``min_growth`` of the window's growth, with its benefits."""

    number: int
    """0 for the first level (no member price applies), then 1, 2… — what a promotion's
    "member level ≥ L" and a member price's tiers read."""
    name: str
    min_growth: int
    points_multiplier: decimal.Decimal


def _levels(value: Any) -> tuple[MemberLevel, ...]:
    levels = tuple(value)
    if not levels or levels[0].min_growth != 0:
        raise InvalidProgramme("member levels start with one from 0 growth")
    for n, level in enumerate(levels):
        if level.number != n or not level.name.strip():
            raise InvalidProgramme("member levels are numbered 0, 1, 2… and named")
        if n and level.min_growth <= levels[n - 1].min_growth:
            raise InvalidProgramme("each member level needs more growth than the one below it")
        if not level.points_multiplier.is_finite() or level.points_multiplier < 0:
            raise InvalidProgramme("a points multiplier is a decimal of at least 0")
    return levels


def _default_levels() -> tuple[MemberLevel, ...]:
    d = decimal.Decimal
    return (
        MemberLevel(0, "normal", 0, d("1")),
        MemberLevel(1, "silver", 1000, d("1.2")),
        MemberLevel(2, "gold", 5000, d("1.5")),
        MemberLevel(3, "diamond", 10000, d("2")),
    )


@attrs.frozen
class LevelRules:
    levels: tuple[MemberLevel, ...] = attrs.field(factory=_default_levels, converter=_levels)
    window_months: int = 12
    """The re-evaluation reads the growth earned over this many months."""
    sign_in: int = 5
    """Growth of the first sign-in of a day."""
    per_yuan: decimal.Decimal = decimal.Decimal(1)
    """Growth per yuan paid, at an order's completion."""
    review: int = 10
    review_min_price: int = 2000
    """Reviews of items of at least this price (minor units) earn growth."""
    photo: int = 5
    photos: int = 10
    """Only a member's first this many order photos earn growth."""

    def level_for(self, growth: int) -> MemberLevel:
        """The highest level ``growth`` reaches: the first one below zero (a window's growth
        is, when it holds a take-back of growth earned before the window)."""
        reached = [level for level in self.levels if level.min_growth <= growth]
        return reached[-1] if reached else self.levels[0]

    def purchase(self, paid_minor: int) -> int:
        return int(
            (decimal.Decimal(paid_minor) / 100 * self.per_yuan).to_integral_value(
                decimal.ROUND_FLOOR
            )
        )


@attrs.frozen(slots=False)
class GrowthEntry:
    seq: int
    source: GrowthSource
    ref: str
    amount: int
    """Positive when earned; negative when taken back (``revert``)."""
    at: dt.datetime
    key: str = ""
    """For an entry taking growth back: the refund's (or removal's) key, once per key."""


@attrs.frozen(kw_only=True)
class LevelChanged(DomainEvent):
    event_type: ClassVar[str] = "loyalty.level_changed"
    member_id: uuid.UUID
    user_id: uuid.UUID
    old_level: int
    new_level: int
    growth: int
    """The growth of the window it was read off."""


@attrs.frozen(kw_only=True)
class GrowthChanged(DomainEvent):
    event_type: ClassVar[str] = "loyalty.growth_changed"
    member_id: uuid.UUID
    user_id: uuid.UUID
    source: str
    ref: str
    amount: int
    growth_after: int


@attrs.define(slots=False, eq=False)
class Member(Aggregate):
    user_id: uuid.UUID
    created_at: dt.datetime
    growth: int = 0
    """Every growth earned less what was taken back, over the member's life (never spent)."""
    level: int = 0
    photos: int = 0
    """Order photos that earned growth so far."""
    seq: int = 0
    evaluated_at: dt.datetime | None = None
    entries: list[GrowthEntry] = attrs.Factory(list)
    """The entries written since the member was loaded (the history is not read back)."""

    @classmethod
    def open(cls, *, id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> Member:
        return cls(id=id, user_id=user_id, created_at=now)

    def earn(
        self,
        source: GrowthSource,
        ref: str,
        amount: int,
        *,
        window_growth: int,
        rules: LevelRules,
        now: dt.datetime,
    ) -> int:
        """Growth ``amount`` for ``ref`` (the repository has made sure it is the first);
        ``window_growth``: what the window held before it. An upgrade happens at once. Answers
        the growth added (0 for a photo past the first ``rules.photos``)."""
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_GROWTH:
            raise InvalidProgramme("growth is a whole number of at least 0")
        if source is GrowthSource.PHOTO:
            if self.photos >= rules.photos:
                return 0
            self.photos += 1
        if not amount:
            return 0
        self._write(source, ref, amount, now)
        reached = rules.level_for(window_growth + amount)
        if reached.number > self.level:
            self._change_level(reached.number, window_growth + amount, now)
        return amount

    def revert(
        self, source: GrowthSource, ref: str, key: str, amount: int, now: dt.datetime
    ) -> int:
        """Take back ``amount`` of what ``ref`` earned (a refund, a removed review), once per
        ``key`` (the repository has made sure). The level stays until the re-evaluation
        (MEM-3)."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise InvalidProgramme("growth taken back is a positive whole number")
        if not key:
            raise InvalidProgramme("growth taken back names what took it back")
        self._write(source, ref, -amount, now, key=key)
        return amount

    def reevaluate(self, window_growth: int, rules: LevelRules, now: dt.datetime) -> int:
        """The level the window's growth reaches, down as well as up (MEM-3)."""
        reached = rules.level_for(window_growth).number
        if reached != self.level:
            self._change_level(reached, window_growth, now)
        self.evaluated_at = now
        return self.level

    def _write(
        self, source: GrowthSource, ref: str, amount: int, now: dt.datetime, *, key: str = ""
    ) -> None:
        self.seq += 1
        self.growth += amount
        self.entries.append(GrowthEntry(self.seq, source, ref, amount, now, key))
        self.record(
            GrowthChanged(
                occurred_at=now,
                member_id=self.id,
                user_id=self.user_id,
                source=source.value,
                ref=ref,
                amount=amount,
                growth_after=self.growth,
            )
        )

    def _change_level(self, level: int, growth: int, now: dt.datetime) -> None:
        self.record(
            LevelChanged(
                occurred_at=now,
                member_id=self.id,
                user_id=self.user_id,
                old_level=self.level,
                new_level=level,
                growth=growth,
            )
        )
        self.level = level


def benefits(rules: LevelRules, level: int) -> MemberLevel:
    """The level numbered ``level`` (the last one for a number past the rules)."""
    levels: Sequence[MemberLevel] = rules.levels
    return levels[min(max(level, 0), len(levels) - 1)]


__all__ = [
    "GrowthChanged",
    "GrowthEntry",
    "GrowthSource",
    "LevelChanged",
    "LevelRules",
    "Member",
    "MemberLevel",
    "benefits",
]
