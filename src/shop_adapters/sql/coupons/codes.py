"""Bulk storage of one-time codes (CPN-4): the ``CodeStore`` port over an ``AsyncEngine``.

Each chunk is one short transaction: lock the batch row, insert at most ``requested -
generated`` codes — any code that exists already, in any batch of any template, is skipped
(``ON CONFLICT DO NOTHING``) — count what went in, and move the batch on (``generated``,
``version``, and ``ready`` with its completion time once full). Memory holds one chunk.

On PostgreSQL the chunk travels as one array parameter on the raw asyncpg connection, inside
the transaction SQLAlchemy began: ``INSERT … SELECT FROM unnest($1::text[]) … ON CONFLICT DO
NOTHING``, one statement and one round trip. Measured against ``COPY`` into a temporary table
followed by ``INSERT … SELECT … ON CONFLICT DO NOTHING``, interleaved in one run filling
1,000,000 codes in chunks of 50,000, ``unnest`` was about 7% faster (median 524 vs 563 ms per
chunk on a busy two-core machine), and simpler. The codes are sent sorted: the two B-tree
indexes (the code, and batch + code) are then filled in key order, which made chunks about a
third faster (646 vs 1019 ms). SQLite takes an ``executemany`` of ``INSERT OR IGNORE``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop_adapters.sql.coupons.tables import coupon_code_batches, coupon_codes
from shop_domain.coupons.batches import BatchState
from shop_domain.coupons.errors import CodeBatchMismatch, CodeBatchNotFound

_LOOKUP_CHUNK = 5000

_PG_INSERT = (
    "INSERT INTO coupon_codes (code, template_id, batch_id) "
    "SELECT code, $2::uuid, $3::uuid FROM unnest($1::text[]) AS given(code) "
    "ON CONFLICT DO NOTHING"
)


class SqlCodeStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    async def insert_chunk(
        self, batch_id: uuid.UUID, template_id: uuid.UUID, codes: Sequence[str], now: dt.datetime
    ) -> int:
        fresh = list(dict.fromkeys(codes))  # a code twice in one chunk goes in once
        b = coupon_code_batches.c
        async with self._engine.begin() as conn:
            batch = (
                await conn.execute(
                    select(b.requested, b.generated, b.template_id)
                    .where(b.id == batch_id)
                    .with_for_update()
                )
            ).one_or_none()
            if batch is None:
                raise CodeBatchNotFound(batch_id)
            if batch.template_id != template_id:
                raise CodeBatchMismatch("the batch belongs to another template")
            room = batch.requested - batch.generated
            if room <= 0 or not fresh:
                return 0
            if len(fresh) > room:  # keep the first codes that are free, up to the room left
                taken = await self._taken(conn, fresh)
                fresh = [code for code in fresh if code not in taken][:room]
            fresh.sort()  # B-tree friendly; which codes go in is decided above
            if self._postgres:
                inserted = await self._insert_postgres(conn, fresh, template_id, batch_id)
            else:
                inserted = await self._insert_sqlite(conn, fresh, template_id, batch_id)
            if inserted:
                done: dict[str, Any] = {}
                if batch.generated + inserted >= batch.requested:
                    done = {"state": BatchState.READY, "completed_at": now}
                await conn.execute(
                    update(coupon_code_batches)
                    .where(b.id == batch_id)
                    .values(generated=b.generated + inserted, version=b.version + 1, **done)
                )
            return inserted

    @staticmethod
    async def _taken(conn: AsyncConnection, codes: list[str]) -> set[str]:
        taken: set[str] = set()
        k = coupon_codes.c
        for start in range(0, len(codes), _LOOKUP_CHUNK):
            chunk = codes[start : start + _LOOKUP_CHUNK]
            rows = await conn.execute(select(k.code).where(k.code.in_(chunk)))
            taken.update(row.code for row in rows)
        return taken

    @staticmethod
    async def _insert_postgres(
        conn: AsyncConnection, codes: list[str], template_id: uuid.UUID, batch_id: uuid.UUID
    ) -> int:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg's, inside the transaction begun above
        status: str = await driver.execute(_PG_INSERT, codes, template_id, batch_id)
        return int(status.rsplit(" ", 1)[-1])  # "INSERT 0 <rows>"

    @staticmethod
    async def _insert_sqlite(
        conn: AsyncConnection, codes: list[str], template_id: uuid.UUID, batch_id: uuid.UUID
    ) -> int:
        changes = text("SELECT total_changes()")
        before = (await conn.execute(changes)).scalar_one()
        await conn.execute(
            insert(coupon_codes).prefix_with("OR IGNORE"),
            [{"code": code, "template_id": template_id, "batch_id": batch_id} for code in codes],
        )
        after = (await conn.execute(changes)).scalar_one()
        return int(after - before)
