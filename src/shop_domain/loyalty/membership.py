"""Membership (MEM-1..4): levels by growth value, growth from behaviour, upgrades at once,
downgrades by re-evaluation.

A member's *growth* is never spent (MEM-4) and points are not growth. Each change of growth is
a :class:`GrowthEntry` naming what earned it (a day's first sign-in, an order, a review, an
order's photo) — once per (source, ref) — or what took it back (a refund, a removed review:
``revert``). The level a member holds is read off the growth earned over the programme's
window (``LevelRules.window_months``, 12 by default): a gain that reaches a higher level
upgrades at once (MEM-3); only the re-evaluation (a job) takes a member down, when the growth
of the window no longer reaches their level.

A member may hold one *verified phone* (:meth:`Member.verify_phone`, after an SMS code proved
it): canonical (:func:`shop_domain.shared.phones.normalize_phone`), held by one member at a time
(the repository's unique index says so), replaced by the next one verified. Gift cards an
operator bound to that number are the member's to spend (GC-5, decision 0037). The event says
the number masked, never whole.
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
from shop_domain.shared.phones import mask_phone, normalize_phone

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
        if len(level.name) > 50 or not 0 <= level.min_growth <= MAX_GROWTH:
            raise InvalidProgramme("a level's name is 1..50 characters, its growth 0..10^12")
        if n and level.min_growth <= levels[n - 1].min_growth:
            raise InvalidProgramme("each member level needs more growth than the one below it")
        multiplier = level.points_multiplier
        if not multiplier.is_finite() or not 0 <= multiplier <= 100:
            raise InvalidProgramme("a points multiplier is a decimal from 0 to 100")
    return levels


def _whole(what: str, least: int = 0, most: int = MAX_GROWTH) -> Any:
    def check(_instance: object, _attribute: object, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
            raise InvalidProgramme(f"{what} is a whole number from {least} to {most}")

    return check


def _rate(_instance: object, _attribute: object, value: Any) -> None:
    if not isinstance(value, decimal.Decimal) or not value.is_finite() or not 0 <= value <= 10**6:
        raise InvalidProgramme("growth per yuan is a decimal from 0 to 1,000,000")


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
    window_months: int = attrs.field(default=12, validator=_whole("the window's months", 1, 120))
    """The re-evaluation reads the growth earned over this many months."""
    sign_in: int = attrs.field(default=5, validator=_whole("the growth of a sign-in"))
    """Growth of the first sign-in of a day."""
    per_yuan: decimal.Decimal = attrs.field(default=decimal.Decimal(1), validator=_rate)
    """Growth per yuan paid, at an order's completion."""
    review: int = attrs.field(default=10, validator=_whole("the growth of a review"))
    review_min_price: int = attrs.field(default=2000, validator=_whole("a review's least price"))
    """Reviews of items of at least this price (minor units) earn growth."""
    photo: int = attrs.field(default=5, validator=_whole("the growth of a photo"))
    photos: int = attrs.field(default=10, validator=_whole("the photos earning growth", 0, 1000))
    """Only a member's first this many order photos earn growth."""

    def level_for(self, growth: int) -> MemberLevel:
        """The highest level ``growth`` reaches; the first one for growth below zero (a
        window's growth never is, since a take-back counts with the gain it takes back, but
        a level is read off whatever growth it is given)."""
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


@attrs.frozen(kw_only=True)
class PhoneVerified(DomainEvent):
    """The member proved they hold a phone; ``phone_masked`` only (never the whole number)."""

    event_type: ClassVar[str] = "loyalty.phone_verified"
    member_id: uuid.UUID
    user_id: uuid.UUID
    phone_masked: str
    replaced: bool
    """Whether it took the place of another verified phone."""


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
    phone: str | None = None
    """The verified phone, canonical; ``None`` until one is verified."""
    phone_verified_at: dt.datetime | None = None

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
        if not amount:  # nothing earned: a photo worth nothing is not one of the first ten
            return 0
        if source is GrowthSource.PHOTO:
            if self.photos >= rules.photos:
                return 0
            self.photos += 1
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

    def verify_phone(self, phone: str, now: dt.datetime) -> str:
        """Hold ``phone`` (as typed; kept canonical) as verified from ``now``, in place of any
        other — the caller has checked the SMS code and that no other member holds it. Verifying
        the same number again renews ``phone_verified_at``. Answers the canonical number."""
        canonical = normalize_phone(phone)
        replaced = self.phone is not None and self.phone != canonical
        self.phone = canonical
        self.phone_verified_at = now
        self.record(
            PhoneVerified(
                occurred_at=now,
                member_id=self.id,
                user_id=self.user_id,
                phone_masked=mask_phone(canonical),
                replaced=replaced,
            )
        )
        return canonical

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
    "PhoneVerified",
    "benefits",
]
