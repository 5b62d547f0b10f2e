"""Where each process's live promotions come from (:class:`shop_app.pricing.live.
LivePromotionSource`): the promotions that hold goods, the promotions changed since a number
of the feed, and the feed's number itself (ADR 0034; the tables and their triggers are in
:mod:`shop_adapters.sql.pricing.live_tables`).

Every read is read-only and takes no write lock: on SQLite a plain ``BEGIN`` under WAL
(:func:`~shop_adapters.sql.engine.reader`), so it runs beside an open unit of work of this very
process; on PostgreSQL the number is one statement in autocommit, and the feed reads on a
connection of its own, outside the pool: a quote waiting for the feed's check may hold a pooled
connection (a read scope, decision 0047), and a check that had to wait for one would wait for
itself once every pooled connection was held that way.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Final

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.engine import make_engine, reader
from shop_adapters.sql.pricing.live_tables import promotion_changes, promotion_feed
from shop_adapters.sql.pricing.mapping import PROMOTIONS
from shop_adapters.sql.pricing.tables import HOLDING_SQL, promotions
from shop_domain.pricing.promotion import Promotion

_READ_SEQ: Final = select(promotion_feed.c.seq).where(promotion_feed.c.id == 1)
_CHANGES: Final = (
    select(promotion_changes.c.seq, promotion_changes.c.promotion_id)
    .where(promotion_changes.c.seq > bindparam("after"))
    .order_by(promotion_changes.c.seq)
)
_HOLDING: Final = PROMOTIONS.select_all.where(text(HOLDING_SQL)).order_by(promotions.c.id)
_BY_IDS: Final = PROMOTIONS.select_all.where(
    promotions.c.id.in_(bindparam("ids", expanding=True))
).order_by(promotions.c.id)
_CHUNK: Final = 500


class SqlLivePromotionSource:
    def __init__(self, engine: AsyncEngine) -> None:
        self._own: AsyncEngine | None = None
        if engine.dialect.name == "postgresql":
            self._own = make_engine(
                engine.url.render_as_string(hide_password=False), pool_size=1, pool_wait=30.0
            )
            engine = self._own
        self._reader = reader(engine)
        self._stamp_engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else self._reader
        )

    @property
    def engine(self) -> AsyncEngine:
        """Where the feed is read: an engine of its own, of one connection, on PostgreSQL."""
        return self._own or self._reader

    async def close(self) -> None:
        """Close the feed's own connection (PostgreSQL)."""
        if self._own is not None:
            await self._own.dispose()

    async def stamp(self) -> int | None:
        async with self._stamp_engine.connect() as conn:
            seq = (await conn.execute(_READ_SEQ)).scalar_one_or_none()
        return None if seq is None else int(seq)

    async def changes(self, after: int) -> list[tuple[int, uuid.UUID]]:
        async with self._reader.connect() as conn:
            rows = (await conn.execute(_CHANGES, {"after": after})).all()
        return [(int(seq), promotion_id) for seq, promotion_id in rows]

    async def holding(self) -> list[Promotion]:
        async with self._reader.connect() as conn:
            rows = (await conn.execute(_HOLDING)).all()
        return [PROMOTIONS.load(row) for row in rows]

    async def of(self, ids: Collection[uuid.UUID]) -> list[Promotion]:
        wanted = sorted(ids)
        found: list[Promotion] = []
        async with self._reader.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                rows = (await conn.execute(_BY_IDS, {"ids": chunk})).all()
                found += [PROMOTIONS.load(row) for row in rows]
        return found


__all__ = ["SqlLivePromotionSource"]
