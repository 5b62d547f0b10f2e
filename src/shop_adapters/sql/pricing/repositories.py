"""The SQL repository of promotions (:class:`shop_app.pricing.ports.PromotionRepository`).

A unit of work sees its own writes (pending changes are written before a query); a stale write
raises ``ConcurrencyConflict`` at the flush or the commit. ``get_for_update`` takes the row lock
where PostgreSQL has one; SQLite needs none, as every transaction holds its write lock from the
start (``BEGIN IMMEDIATE``).

``lock_level`` is PRO-3's lock: on PostgreSQL a transaction-level advisory lock on the pair
(:data:`LEVEL_LOCK_SPACE`, level), held until the commit or rollback. Under READ COMMITTED (the
units of work's isolation) the statements after it see what the holder before it committed, so
a scheduling that reads ``holding(level)`` after the lock sees every promotion scheduled at that
level before it: of two clashing promotions scheduled at once, exactly one is scheduled. The
lock names the level, not the rows, because the clash is with a promotion that was not holding
goods yet (a row lock on the holders would miss it); schedulings at other levels never wait.
On SQLite the transaction's write lock already runs writers one at a time.
"""

from __future__ import annotations

import uuid
import zlib
from typing import Final

from sqlalchemy import Integer, bindparam, func, select, text

from shop_adapters.sql.driver import Prepared

# the live promotions' feed fills from triggers on ``promotions``: its tables go wherever the
# promotions' repository goes (ADR 0034)
from shop_adapters.sql.pricing import live_tables  # noqa: F401
from shop_adapters.sql.pricing.mapping import PROMOTIONS
from shop_adapters.sql.pricing.tables import HOLDING_SQL, promotions
from shop_adapters.sql.uow import SqlRepository
from shop_domain.pricing.errors import PromotionNotFound
from shop_domain.pricing.promotion import Level, Promotion

_p = promotions.c
# the statuses inline, not parameters: a generic plan must still see that the partial index of
# holding promotions (ix_promotions_holding_level) applies
_HOLDING = Prepared(PROMOTIONS.select_all.where(text(HOLDING_SQL)).order_by(_p.id))
_HOLDING_AT_LEVEL = Prepared(
    PROMOTIONS.select_all.where(text(HOLDING_SQL), _p.level == bindparam("level")).order_by(_p.id)
)

LEVEL_LOCK_SPACE: Final = zlib.crc32(b"shop.pricing.promotion_level") & 0x7FFF_FFFF
"""The first key of the advisory locks of PRO-3 (the second is the level)."""
_LOCK_LEVEL = Prepared(
    select(
        func.pg_advisory_xact_lock(
            bindparam("space", type_=Integer), bindparam("level", type_=Integer)
        )
    )
)


def promotion_not_found(promotion_id: uuid.UUID) -> PromotionNotFound:
    return PromotionNotFound(
        f"no promotion {promotion_id}", details={"promotion_id": str(promotion_id)}
    )


class SqlPromotionRepository(SqlRepository[Promotion]):
    table = PROMOTIONS
    not_found = staticmethod(promotion_not_found)

    async def holding(self, level: Level | None = None) -> list[Promotion]:
        if level is None:
            return await self._load(_HOLDING)
        return await self._load(_HOLDING_AT_LEVEL, {"level": int(level)})

    async def lock_level(self, level: Level) -> None:
        if self._postgres:
            await self._link.fetch(_LOCK_LEVEL, {"space": LEVEL_LOCK_SPACE, "level": int(level)})
