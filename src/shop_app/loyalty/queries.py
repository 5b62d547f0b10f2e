"""What a customer (and an operator) reads of a points account (PTS-8): the figures with what
expires soon, and the history, newest first."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

import attrs

from shop_app.shared.paging import Page, PageRequest
from shop_domain.loyalty.lots import EntryKind
from shop_domain.loyalty.mall import RedemptionState
from shop_domain.shared.money import Money

EXPIRING_WITHIN = dt.timedelta(days=30)
"""PTS-8: points shown as expiring soon expire within this long."""


@attrs.frozen(kw_only=True)
class PointsSummary:
    user_id: uuid.UUID
    balance: int
    """What the entries add up to (below zero only while the account owes points)."""
    available: int
    """What may be spent now: the balance less what is due and not yet swept, never below 0."""
    pending: int
    held: int
    expiring_soon: int
    """Available points whose lots expire within :data:`EXPIRING_WITHIN`."""
    next_expiry: dt.datetime | None
    """When the soonest of those expires."""


@attrs.frozen(kw_only=True)
class EntryView:
    seq: int
    kind: EntryKind
    at: dt.datetime
    points: int
    balance_after: int
    pending: int
    pending_after: int
    held: int
    held_after: int
    lot_id: uuid.UUID | None
    order_id: uuid.UUID | None
    reason: str | None
    actor: str


class PointsQueries(Protocol):
    async def summary(self, user_id: uuid.UUID, now: dt.datetime) -> PointsSummary:
        """The user's figures at ``now`` (all zero for a user with no account yet)."""
        ...

    async def history(self, user_id: uuid.UUID, paging: PageRequest) -> Page[EntryView]:
        """The user's entries, newest first."""
        ...

    async def available(self, user_id: uuid.UUID, now: dt.datetime) -> int:
        """What the user may spend at ``now`` (the summary's ``available``, read alone: a quote
        asks it on every call)."""
        ...

    async def due_lots(self, now: dt.datetime) -> int:
        """How many lots with points left are due at ``now`` (what the sweep has to do)."""
        ...


@attrs.frozen(kw_only=True)
class MallItemView:
    id: uuid.UUID
    name: str
    points: int
    cash: Money | None
    stock: int
    low_stock: int
    active: bool


@attrs.frozen(kw_only=True)
class RedemptionView:
    id: uuid.UUID
    user_id: uuid.UUID
    item_id: uuid.UUID
    quantity: int
    points: int
    cash: Money | None
    state: RedemptionState
    created_at: dt.datetime
    changed_at: dt.datetime


class MallQueries(Protocol):
    async def items(self, paging: PageRequest, *, active_only: bool = True) -> Page[MallItemView]:
        """The mall's items by name."""
        ...

    async def redemptions(
        self, paging: PageRequest, user_id: uuid.UUID | None = None
    ) -> Page[RedemptionView]:
        """Redemptions, newest first (one customer's, or everyone's)."""
        ...


@attrs.frozen(kw_only=True)
class MemberView:
    user_id: uuid.UUID
    level: int
    growth: int
    """Over the member's life (the level is read off the window's)."""
    created_at: dt.datetime
    evaluated_at: dt.datetime | None


class MemberReads(Protocol):
    async def level_of(self, user_id: uuid.UUID) -> int:
        """The member's level (0 for a user who is not a member yet)."""
        ...

    async def growth_of(self, user_id: uuid.UUID, since: dt.datetime) -> tuple[int, int, int]:
        """The member's level, lifetime growth and growth since ``since``."""
        ...

    async def members(self, level: int | None, paging: PageRequest) -> Page[MemberView]:
        """Members (of ``level``, if given), the most growth first."""
        ...

    async def phone_of(self, user_id: uuid.UUID) -> tuple[str, dt.datetime] | None:
        """The member's verified phone (canonical) and when it was verified; ``None`` when the
        user has none (or is not a member yet)."""
        ...


__all__ = [
    "EXPIRING_WITHIN",
    "EntryView",
    "MallItemView",
    "MallQueries",
    "MemberReads",
    "MemberView",
    "PointsQueries",
    "PointsSummary",
    "RedemptionView",
]
