"""Support of the participation tests (PRO-7): active promotions with given limits, stored
through the application's unit of work, and the books read back with plain SQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import attrs
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.unit.pricing.promotion_builders import definition

from shop_adapters.sql.pricing.participation import (
    promotion_participation_totals,
    promotion_participation_user_counts,
    promotion_participations,
)
from shop_domain.pricing.promotion import Promotion
from shop_domain.pricing.terms import PromotionLimits, Window

DAY = dt.timedelta(days=1)


async def active_promotion(
    uow_factory: Callable[[], Any],
    now: dt.datetime,
    limits: PromotionLimits,
    *,
    name: str = "Limited",
    days: int = 30,
) -> uuid.UUID:
    """A promotion of ``limits`` scheduled at ``now`` inside its window (active from now for
    ``days`` days); its id."""
    async with uow_factory() as uow:
        promotion = Promotion.create(
            id=uow.ids.new_id(),
            definition=definition(
                name=name, window=Window(now - DAY, now + days * DAY), limits=limits
            ),
            created_by="ops",
            now=now - DAY,
        )
        promotion.schedule(now, [])
        uow.promotions.add(promotion)
        await uow.commit()
    return promotion.id


@attrs.frozen
class Books:
    """What the participation tables hold, read past the store."""

    counting: Counter[uuid.UUID]
    """Entries not released, per promotion."""
    counting_by_user: Counter[tuple[uuid.UUID, uuid.UUID]]
    released: Counter[uuid.UUID]
    totals: dict[uuid.UUID, int]
    user_counts: dict[tuple[uuid.UUID, uuid.UUID], int]

    def check(self, limits: dict[uuid.UUID, PromotionLimits]) -> None:
        """The counters are the log's counts (where a limit keeps one), and nothing passes a
        limit (PRO-7)."""
        for promotion_id, limit in limits.items():
            taken = self.counting[promotion_id]
            if limit.total is not None:
                assert taken <= limit.total, (promotion_id, taken, limit)
                assert self.totals.get(promotion_id, 0) == taken, (promotion_id, self.totals)
            else:
                assert promotion_id not in self.totals
        for (promotion_id, user_id), taken in self.counting_by_user.items():
            limit = limits[promotion_id]
            if limit.per_user is not None:
                assert taken <= limit.per_user, (promotion_id, user_id, taken)
        for key, value in self.user_counts.items():
            assert limits[key[0]].per_user is not None
            assert value == self.counting_by_user[key], (key, value)
        for key, taken in self.counting_by_user.items():
            if limits[key[0]].per_user is not None and taken:
                assert self.user_counts.get(key) == taken, key


async def read_books(engine: AsyncEngine) -> Books:
    log = promotion_participations.c
    async with engine.connect() as conn:
        rows = (await conn.execute(select(log.promotion_id, log.user_id, log.released_at))).all()
        totals = {
            row.promotion_id: row.taken
            for row in await conn.execute(select(promotion_participation_totals))
        }
        users = {
            (row.promotion_id, row.user_id): row.taken
            for row in await conn.execute(select(promotion_participation_user_counts))
        }
    counting = [row for row in rows if row.released_at is None]
    return Books(
        counting=Counter(row.promotion_id for row in counting),
        counting_by_user=Counter((row.promotion_id, row.user_id) for row in counting),
        released=Counter(row.promotion_id for row in rows if row.released_at is not None),
        totals={key: int(value) for key, value in totals.items()},
        user_counts={key: int(value) for key, value in users.items()},
    )
