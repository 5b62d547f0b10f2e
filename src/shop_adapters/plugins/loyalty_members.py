"""Membership's answers to the ports that read a member (MEM-1): the purchase points
multiplier of loyalty itself (PTS-1) and the customer facts of pricing's promotions and member
prices (PRO-2) — the facts an operator set, with the higher of the level the operator set (a
manual VIP) and the member's level from membership —, and the gift cards' verified phones
(GC-5: a card bound to a phone number is the card of the member who verified it)."""

from __future__ import annotations

import decimal
import uuid
from typing import Any

import attrs

from shop_app.loyalty.programme import ProgrammeSource
from shop_app.loyalty.queries import MemberReads
from shop_app.pricing.customers import CustomerFactsSource
from shop_domain.loyalty.membership import benefits
from shop_domain.pricing.terms import CustomerFacts


class LevelMultipliers:
    def __init__(self, levels: MemberReads, programme: ProgrammeSource) -> None:
        self._levels = levels
        self._programme = programme

    async def multiplier(self, user_id: uuid.UUID) -> decimal.Decimal:
        rules = (await self._programme.current()).levels
        return benefits(rules, await self._levels.level_of(user_id)).points_multiplier


class MemberPhones:
    """The gift cards' ``VerifiedPhones``: the member's verified phone."""

    def __init__(self, members: MemberReads) -> None:
        self._members = members

    async def verified_phone(self, user_id: uuid.UUID) -> str | None:
        held = await self._members.phone_of(user_id)
        return None if held is None else held[0]


class MemberFacts:
    """Pricing's customer facts with membership's level; an operator's facts are still set and
    forgotten through it (``put``, ``forget``: the facts table's own)."""

    def __init__(self, base: CustomerFactsSource, levels: MemberReads) -> None:
        self._base = base
        self._levels = levels

    def __getattr__(self, name: str) -> Any:
        # the operator's writes (put, forget) are the base source's
        return getattr(self._base, name)

    async def facts_of(self, user_id: str | None) -> CustomerFacts:
        facts = await self._base.facts_of(user_id)
        if user_id is None:
            return facts
        try:
            user = uuid.UUID(user_id)
        except ValueError:
            return facts
        level = await self._levels.level_of(user)
        return attrs.evolve(facts, member_level=max(facts.member_level, level))


__all__ = ["LevelMultipliers", "MemberFacts", "MemberPhones"]
