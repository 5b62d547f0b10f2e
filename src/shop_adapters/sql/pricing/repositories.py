"""The SQL repository of promotions (:class:`shop_app.pricing.ports.PromotionRepository`).

A unit of work sees its own writes (pending changes are written before a query); a stale write
raises ``ConcurrencyConflict`` at the flush or the commit. ``get_for_update`` takes the row lock
where PostgreSQL has one; SQLite needs none, as every transaction holds its write lock from the
start (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, text

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
