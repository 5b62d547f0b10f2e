"""What the database records about the keys that seal card secrets (GC-11): the
``KeyCheckStore`` and ``ResealSource`` ports over an ``AsyncEngine``.

The key ids still sealing cards are read at every start, so they must not cost a scan of a table
of millions: a recursive query walks ``ix_giftcards_secret_key_id`` from one distinct id to the
next (a "loose index scan"), a few index probes per key id whatever the number of cards. Export
passwords are few and short-lived; they are read plainly.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop_adapters.sql.engine import reader
from shop_adapters.sql.giftcards.tables import giftcard_exports, giftcard_key_checks, giftcards
from shop_domain.giftcards.sealed import SealedSecret

_DISTINCT_CARD_KEYS = text(
    "WITH RECURSIVE walk(key_id) AS ("
    " SELECT MIN(secret_key_id) FROM giftcards"
    " UNION ALL"
    " SELECT (SELECT MIN(secret_key_id) FROM giftcards WHERE secret_key_id > walk.key_id)"
    " FROM walk WHERE walk.key_id IS NOT NULL"
    ") SELECT key_id FROM walk WHERE key_id IS NOT NULL"
)


class SqlKeyCheckStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    @staticmethod
    async def _sealing(conn: AsyncConnection) -> set[str]:
        """The key ids that seal a card or an export password."""
        in_use = set((await conn.execute(_DISTINCT_CARD_KEYS)).scalars())
        passwords = await conn.execute(
            select(giftcard_exports.c.password_key_id)
            .where(giftcard_exports.c.password_blob.is_not(None))
            .distinct()
        )
        return in_use | set(passwords.scalars())

    async def recorded(self) -> dict[str, bytes | None]:
        async with reader(self._engine).connect() as conn:
            checks = await conn.execute(
                select(giftcard_key_checks.c.key_id, giftcard_key_checks.c.check_value)
            )
            known: dict[str, bytes | None] = {row.key_id: row.check_value for row in checks}
            for key_id in await self._sealing(conn):
                known.setdefault(key_id, None)
        return known

    async def forget_idle(self, keep: str) -> list[str]:
        async with self._engine.begin() as conn:
            sealing = await self._sealing(conn)
            recorded = (await conn.execute(select(giftcard_key_checks.c.key_id))).scalars()
            idle = sorted(k for k in recorded if k != keep and k not in sealing)
            if idle:
                await conn.execute(
                    delete(giftcard_key_checks).where(giftcard_key_checks.c.key_id.in_(idle))
                )
        return idle

    async def record(self, key_id: str, check: bytes) -> bytes:
        async with self._engine.begin() as conn:
            await conn.execute(
                self._insert(giftcard_key_checks)
                .values(key_id=key_id, check_value=check, recorded_at=dt.datetime.now(dt.UTC))
                .on_conflict_do_nothing(index_elements=["key_id"])
            )
            stored: bytes = (
                await conn.execute(
                    select(giftcard_key_checks.c.check_value).where(
                        giftcard_key_checks.c.key_id == key_id
                    )
                )
            ).scalar_one()
        return stored

    async def sample(self, key_id: str) -> tuple[str, SealedSecret] | None:
        async with reader(self._engine).connect() as conn:
            row = (
                await conn.execute(
                    select(giftcards.c.number, giftcards.c.secret_blob)
                    .where(giftcards.c.secret_key_id == key_id)
                    .limit(1)
                )
            ).first()
        return None if row is None else (row.number, SealedSecret(key_id, row.secret_blob))

    async def sealed_counts(self) -> dict[str, int]:
        async with reader(self._engine).connect() as conn:
            rows = await conn.execute(
                select(giftcards.c.secret_key_id, func.count()).group_by(giftcards.c.secret_key_id)
            )
            return {key_id: int(count) for key_id, count in rows}

    async def sealed_by(self, key_id: str, limit: int) -> list[uuid.UUID]:
        async with reader(self._engine).connect() as conn:
            rows = await conn.execute(
                select(giftcards.c.id).where(giftcards.c.secret_key_id == key_id).limit(limit)
            )
            return list(rows.scalars())
