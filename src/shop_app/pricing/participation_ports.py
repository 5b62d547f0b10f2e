"""Ports of the participation log (PRO-7): the store the unit of work offers
(``uow.promotion_participations``), the unit of work its commands need, and the operators'
read side.

The store, not the handler, decides whether a participation fits the promotion's limits: it
takes one only if the counts, as they are when it is written, allow it — two orders recording
at once never both take the last place. The handler explains a refusal with the domain's rules
(:mod:`shop_domain.pricing.participation`).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Collection
from types import TracebackType
from typing import Protocol, Self

import attrs

from shop_app.shared.paging import Page, PageRequest
from shop_app.shared.ports import Clock, IdGenerator
from shop_domain.pricing.participation import Participation, Tally
from shop_domain.pricing.promotion import Promotion
from shop_domain.pricing.terms import PromotionLimits


class TakeStatus(enum.StrEnum):
    RECORDED = "recorded"
    """The entry was added; it counts from now on."""
    ALREADY = "already"
    """The log holds an entry of this (order, promotion) already (``entry``); nothing changed."""
    REFUSED = "refused"
    """One more participation passes a limit; nothing changed. ``tally`` is what counted."""


@attrs.frozen
class Taken:
    status: TakeStatus
    entry: Participation
    """The entry recorded, or the one the log held already."""
    tally: Tally = attrs.field(factory=Tally)
    """What counted when a participation was refused."""


class ParticipationStore(Protocol):
    """The participation log and its counts, in the unit of work's transaction."""

    async def of_order(self, order_id: uuid.UUID) -> list[Participation]:
        """Every entry of the order, released or not, by promotion id."""
        ...

    async def take(self, entry: Participation, limits: PromotionLimits) -> Taken:
        """Add ``entry`` if the log holds none of its (order, promotion) and one more
        participation that counts stays within ``limits`` — in total, and of its user —
        decided atomically: under any concurrency the participations that count never pass a
        limit. A refusal changes nothing."""
        ...

    async def release_order(self, order_id: uuid.UUID, now: dt.datetime) -> list[Participation]:
        """Release the order's entries that still count (at ``now``); the entries released by
        this call, by promotion id (none when released already)."""
        ...


class PromotionReader(Protocol):
    """What the participation commands read of ``uow.promotions``
    (:class:`~shop_app.pricing.ports.PromotionRepository`)."""

    async def get_many(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Promotion]:
        """The promotions of ``ids`` in one read, or raise ``PromotionNotFound`` for the
        first one missing."""
        ...


class ParticipationUnitOfWork(Protocol):
    """What the participation commands use of the application's unit of work."""

    promotions: PromotionReader
    promotion_participations: ParticipationStore
    clock: Clock
    ids: IdGenerator

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


# --- the operators' read side -----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ParticipationCounts:
    """How often a promotion was taken: the participations that count (``taken``), those
    released, the users they belong to, and — with a user asked for — that user's."""

    promotion_id: uuid.UUID
    taken: int
    released: int
    users: int
    total_limit: int | None
    per_user_limit: int | None
    user_id: uuid.UUID | None = None
    user_taken: int | None = None


@attrs.frozen(kw_only=True)
class ParticipationFilter:
    user_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    counting_only: bool = False
    """Only the entries that count (not released)."""


class ParticipationQueries(Protocol):
    """The participation log as operators read it (committed state only)."""

    async def log(
        self, promotion_id: uuid.UUID, filter: ParticipationFilter, paging: PageRequest
    ) -> Page[Participation]:
        """The promotion's entries, newest first; ``PromotionNotFound`` for no promotion."""
        ...

    async def counts(
        self, promotion_id: uuid.UUID, user_id: uuid.UUID | None = None
    ) -> ParticipationCounts:
        """The promotion's counts (and ``user_id``'s); ``PromotionNotFound`` for no
        promotion."""
        ...


__all__ = [
    "ParticipationCounts",
    "ParticipationFilter",
    "ParticipationQueries",
    "ParticipationStore",
    "ParticipationUnitOfWork",
    "PromotionReader",
    "TakeStatus",
    "Taken",
]
