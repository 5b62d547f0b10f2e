"""Membership over HTTP (MEM-1).

The signed-in customer reads their level and verified phone, masked (``GET /me/membership``;
the phone is verified through :mod:`.phones`); operators with ``points.read`` list members, the
most growth first, of one level if asked (``GET /members``), and read any member's (``GET
/members/{user_id}``). The programme's rules, levels among them, are :mod:`.programme`'s.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Final

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter

from shop_adapters.http.auth import customer_only, operator_only, requires
from shop_adapters.http.giftcards.customer import user_id_of, window
from shop_adapters.http.loyalty.points import READ
from shop_adapters.http.schemas import Page, Pagination
from shop_adapters.runtime import Runtime
from shop_app.loyalty.programme import CurrentProgramme
from shop_app.loyalty.queries import MemberReads
from shop_app.shared.auth import Principal
from shop_domain.loyalty.membership import benefits
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


class MemberOut(msgspec.Struct, frozen=True):
    user_id: uuid.UUID
    level: int
    level_name: str
    growth: int
    created_at: dt.datetime
    evaluated_at: dt.datetime | None


async def membership_of(runtime: Runtime, user_id: uuid.UUID) -> MembershipOut:
    programme = await runtime.get(CurrentProgramme).current()
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

    @get("/members", summary="Members, the most growth first (of one level)", guards=READERS)
    async def members(
        self,
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        level: Annotated[int | None, Parameter(ge=0, le=100)] = None,
    ) -> Page[MemberOut]:
        reads = runtime.get(MemberReads)
        rules = (await runtime.get(CurrentProgramme).current()).levels
        items, total = await window(lambda page: reads.members(level, page), pagination)
        return Page.of(
            [
                MemberOut(
                    m.user_id,
                    m.level,
                    benefits(rules, m.level).name,
                    m.growth,
                    m.created_at,
                    m.evaluated_at,
                )
                for m in items
            ],
            total,
            pagination,
        )

    @get("/members/{user_id:uuid}", summary="A member's level and growth", guards=READERS)
    async def member(
        self, user_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> MembershipOut:
        return await membership_of(runtime, user_id)


__all__ = ["MembershipController", "membership_of"]
