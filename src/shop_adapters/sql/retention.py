"""The SQL retention store: bounded purges of the kernel's bookkeeping tables, and the audit
horizon (the rules are in :mod:`shop_app.shared.retention`; ADR 0020 says why). A context's own
tables are purged by the context (``ContextPlugin.retention``).

Each call deletes at most ``limit`` rows in one transaction: ``DELETE … WHERE key IN (SELECT
key … ORDER BY time LIMIT n)`` over an index on the time column (migration 0008), so a purge
never scans a table of millions nor holds its locks long. On PostgreSQL the inner select skips
rows another purger holds (``FOR UPDATE SKIP LOCKED``); SQLite's ``BEGIN IMMEDIATE`` serialises
writers anyway.

The audit log is append-only (SEC-2): triggers refuse every UPDATE, and every DELETE of an
entry at or after ``audit_horizon.purged_before``. The purge moves that horizon forward (a
trigger refuses to move it back) and deletes what lies before it, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Integer,
    Table,
    and_,
    delete,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop_adapters.sql.kernel_tables import audit_log, rate_limits
from shop_adapters.sql.messaging_tables import idempotency_keys, inbox, outbox
from shop_adapters.sql.metadata import UtcDateTime, metadata
from shop_adapters.sql.otp import one_time_codes
from shop_app.shared.retention import Retained, RetentionStore

# One row (id = 1): audit entries before ``purged_before`` may be deleted, none after. Only the
# purge moves it, and only forward (the triggers of migration 0008).
audit_horizon = Table(
    "audit_horizon",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("purged_before", UtcDateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

Purge = Callable[[AsyncConnection, dt.datetime, int], Coroutine[Any, Any, int]]


class SqlRetentionStore(RetentionStore):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._skip_locked = engine.dialect.name == "postgresql"
        self._insert: Any = postgresql.insert if self._skip_locked else sqlite.insert
        self._purges: dict[Retained, Purge] = {
            Retained.IDEMPOTENCY_KEYS: self._idempotency_keys,
            Retained.LIMITER: self._limiter,
            Retained.ONE_TIME_CODES: self._one_time_codes,
            Retained.OUTBOX: self._outbox,
            Retained.INBOX: self._inbox,
            Retained.AUDIT: self._audit,
        }

    async def purge(self, table: Retained, cutoff: dt.datetime, limit: int) -> int:
        async with self._engine.begin() as conn:
            return await self._purges[table](conn, cutoff, limit)

    async def audit_horizon(self) -> dt.datetime:
        """Entries before this may be purged; none after (for operators and tests)."""
        async with self._engine.connect() as conn:
            horizon: dt.datetime = (
                await conn.execute(select(audit_horizon.c.purged_before))
            ).scalar_one()
        return horizon

    async def _delete_oldest(
        self,
        conn: AsyncConnection,
        table: Table,
        key: list[Any],
        where: Any,
        order: Any,
        limit: int,
    ) -> int:
        """Delete the ``limit`` oldest rows (by ``order``) matching ``where``; how many went."""
        oldest = select(*key).where(where).order_by(order).limit(limit)
        if self._skip_locked:
            oldest = oldest.with_for_update(skip_locked=True)
        target = key[0] if len(key) == 1 else tuple_(*key)
        result = await conn.execute(delete(table).where(target.in_(oldest)))
        return int(result.rowcount)

    async def _idempotency_keys(self, conn: AsyncConnection, cutoff: dt.datetime, n: int) -> int:
        t = idempotency_keys.c
        return await self._delete_oldest(
            conn, idempotency_keys, [t.scope, t.key], t.created_at < cutoff, t.created_at, n
        )

    async def _limiter(self, conn: AsyncConnection, cutoff: dt.datetime, n: int) -> int:
        # an open window or a running lock-out is never older than the cutoff (retention is
        # longer than any window and lock-out)
        t = rate_limits.c
        ended = and_(
            t.window_start < cutoff, or_(t.locked_until.is_(None), t.locked_until < cutoff)
        )
        return await self._delete_oldest(
            conn, rate_limits, [t.scope, t.subject], ended, t.window_start, n
        )

    async def _one_time_codes(self, conn: AsyncConnection, cutoff: dt.datetime, n: int) -> int:
        t = one_time_codes.c
        return await self._delete_oldest(
            conn, one_time_codes, [t.purpose, t.subject], t.expires_at < cutoff, t.expires_at, n
        )

    async def _outbox(self, conn: AsyncConnection, cutoff: dt.datetime, n: int) -> int:
        t = outbox.c  # an unsent row (sent_at IS NULL) is never purged
        sent = and_(t.sent_at.is_not(None), t.sent_at < cutoff)
        return await self._delete_oldest(conn, outbox, [t.position], sent, t.sent_at, n)

    async def _inbox(self, conn: AsyncConnection, cutoff: dt.datetime, n: int) -> int:
        t = inbox.c
        return await self._delete_oldest(
            conn, inbox, [t.consumer, t.message_id], t.handled_at < cutoff, t.handled_at, n
        )

    async def _audit(self, conn: AsyncConnection, cutoff: dt.datetime, n: int) -> int:
        h = audit_horizon.c
        # the horizon row comes with migration 0008; put it back (at the start of time, which
        # allows nothing) if a TRUNCATE took it
        await conn.execute(
            self._insert(audit_horizon)
            .values(id=1, purged_before=EPOCH)
            .on_conflict_do_nothing(index_elements=[h.id])
        )
        await conn.execute(
            update(audit_horizon)
            .where(h.id == 1, h.purged_before < cutoff)
            .values(purged_before=cutoff)
        )
        t = audit_log.c
        return await self._delete_oldest(conn, audit_log, [t.id], t.at < cutoff, t.at, n)
