"""Membership and the programme over HTTP (MEM-1, PTS-1..4).

The signed-in customer reads their level and verified phone, masked (``GET /me/membership``;
the phone is verified through :mod:`.phones`); operators with
``points.read`` read any member's (``GET /members/{user_id}``) and the programme's rules —
expiry, shortfall, earning, checkout, levels (``GET /loyalty/programme``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from shop_adapters.http.auth import customer_only, operator_only, requires
from shop_adapters.http.giftcards.customer import user_id_of
from shop_adapters.http.loyalty.points import READ
from shop_adapters.runtime import Runtime
from shop_app.loyalty.queries import MemberReads
from shop_app.shared.auth import Principal
from shop_domain.loyalty.membership import benefits
from shop_domain.loyalty.programme import Programme
from shop_domain.shared.phones import mask_phone

READERS: Final = [requires(READ), operator_only]


class MembershipOut(msgspec.Struct, frozen=True):
    """MEM-1: the caller's level (0 the first), its name and points multiplier, growth over
    their life and over the window levels are read off, and what the next level needs; the
    verified phone, masked, and since when (``None`` until one is verified)."""

    level: int
    level_name: str
    points_multiplier: str
    growth: int
    window_growth: int
    next_level: str | None
    growth_to_next_level: int | None
    phone: str | None
    phone_verified_at: dt.datetime | None


class LevelOut(msgspec.Struct, frozen=True):
    level: int
    name: str
    min_growth: int
    points_multiplier: str


class ProgrammeOut(msgspec.Struct, frozen=True):
    """The rules every account follows (read-only here: set by the installation)."""

    expiry: str
    expiry_params: dict[str, str | int]
    shortfall: str
    time_zone: str
    minor_per_point: int
    check_in_scale: list[int]
    streak_bonus_every: int
    streak_bonus: int
    make_ups_per_month: int
    activities: dict[str, int]
    review_points: int
    checkout_points_per_unit: int
    checkout_max_share: str
    levels: list[LevelOut]
    level_window_months: int


async def membership_of(runtime: Runtime, user_id: uuid.UUID) -> MembershipOut:
    programme = runtime.get(Programme)
    since = programme.growth_window_start(runtime.clock.now())
    reads = runtime.get(MemberReads)
    level, growth, window = await reads.growth_of(user_id, since)
    phone, verified_at = await reads.phone_of(user_id) or (None, None)
    rules = programme.levels
    held = benefits(rules, level)
    following = rules.levels[level + 1] if level + 1 < len(rules.levels) else None
    return MembershipOut(
        level=held.number,
        level_name=held.name,
        points_multiplier=str(held.points_multiplier),
        growth=growth,
        window_growth=window,
        next_level=following.name if following else None,
        growth_to_next_level=max(0, following.min_growth - window) if following else None,
        phone=None if phone is None else mask_phone(phone),
        phone_verified_at=verified_at,
    )


class MembershipController(Controller):
    path = "/"
    tags = ["membership"]

    @get("/me/membership", summary="The caller's level and growth (MEM-1)", guards=[customer_only])
    async def mine(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
    ) -> MembershipOut:
        return await membership_of(runtime, user_id_of(principal))

    @get("/members/{user_id:uuid}", summary="A member's level and growth", guards=READERS)
    async def member(
        self, user_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> MembershipOut:
        return await membership_of(runtime, user_id)

    @get("/loyalty/programme", summary="The points programme's rules", guards=READERS)
    async def programme(self, runtime: NamedDependency[Runtime]) -> ProgrammeOut:
        p = runtime.get(Programme)
        earning = p.earning
        return ProgrammeOut(
            expiry=p.expiry.name,
            expiry_params=dict(p.expiry.params()),
            shortfall=p.shortfall.value,
            time_zone=p.time_zone,
            minor_per_point=earning.minor_per_point,
            check_in_scale=list(earning.check_in_scale),
            streak_bonus_every=earning.streak_bonus_every,
            streak_bonus=earning.streak_bonus,
            make_ups_per_month=earning.make_ups_per_month,
            activities=dict(earning.activities),
            review_points=earning.review,
            checkout_points_per_unit=p.checkout.per_unit,
            checkout_max_share=str(p.checkout.max_share),
            levels=[
                LevelOut(level.number, level.name, level.min_growth, str(level.points_multiplier))
                for level in p.levels.levels
            ],
            level_window_months=p.levels.window_months,
        )


__all__ = ["MembershipController", "membership_of"]
