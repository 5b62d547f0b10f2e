"""The read side of promotions: plain frozen views built straight from storage (CQRS).

A promotion's status is read at a moment (``now``): a scheduled promotion is *active* inside
its window, and a scheduled or paused one has *ended* once its window is over
(:meth:`~shop_domain.pricing.promotion.Promotion.status_at`), so every filter and view here
takes ``now``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

import attrs

from shop_app.shared.paging import Page, PageRequest
from shop_domain.pricing.promotion import Level, PromotionDefinition, PromotionStatus


@attrs.frozen
class PromotionView:
    id: uuid.UUID
    definition: PromotionDefinition
    status: PromotionStatus
    """At the moment of reading (active and ended read off the window)."""
    level: Level
    created_at: dt.datetime
    created_by: str
    version: int


@attrs.frozen(kw_only=True)
class PromotionFilter:
    """Promotions whose status at ``now`` is ``status``, of ``level``, of the kind registered
    as ``kind``; ``None`` leaves a criterion out."""

    now: dt.datetime
    status: PromotionStatus | None = None
    level: Level | None = None
    kind: str | None = None


class PromotionQueries(Protocol):
    async def promotion(self, promotion_id: uuid.UUID, now: dt.datetime) -> PromotionView:
        """The promotion, or raise ``PromotionNotFound``."""
        ...

    async def promotions(self, filter: PromotionFilter, paging: PageRequest) -> Page[PromotionView]:
        """Promotions, newest first."""
        ...


__all__ = ["PromotionFilter", "PromotionQueries", "PromotionView"]
