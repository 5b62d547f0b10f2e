"""The SQL attempt limiter (the ``rate_limits`` table); the rules are in
:mod:`shop_app.shared.ratelimit`.

A failure is one transaction: an ``INSERT … ON CONFLICT DO UPDATE`` that opens a window or adds
one to the count atomically (PostgreSQL locks the row, so concurrent failures all count; SQLite
serialises writers), then, if the count reached the policy's maximum and no lock-out is set
yet, an update that sets it — still under the row's lock, so exactly one failure trips it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.engine import reader
from shop_adapters.sql.kernel_tables import rate_limits
from shop_adapters.sql.metadata import UtcDateTime
from shop_app.shared.ratelimit import AttemptLimiter, AttemptPolicy, check_key


class SqlAttemptLimiter(AttemptLimiter):
    """Failure counts in the database, each write a transaction of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reader = reader(engine)
        self._insert: Any = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )

    @staticmethod
    def _key(scope: str, subject: str) -> Any:
        return and_(rate_limits.c.scope == scope, rate_limits.c.subject == subject)

    async def blocked_until(self, scope: str, subject: str, now: dt.datetime) -> dt.datetime | None:
        check_key(scope, subject)
        async with self._reader.connect() as conn:
            until: dt.datetime | None = (
                await conn.execute(
                    select(rate_limits.c.locked_until).where(
                        self._key(scope, subject), rate_limits.c.locked_until > now
                    )
                )
            ).scalar_one_or_none()
        return until

    async def record_failure(
        self, scope: str, subject: str, now: dt.datetime, policy: AttemptPolicy
    ) -> dt.datetime | None:
        check_key(scope, subject)
        t = rate_limits
        at_now = literal(now, UtcDateTime)
        # a new window: no lock-out and the window is over, or the lock-out has ended
        fresh = or_(
            and_(t.c.locked_until.is_not(None), t.c.locked_until <= now),
            and_(t.c.locked_until.is_(None), t.c.window_start <= now - policy.window),
        )
        statement = (
            self._insert(t)
            .values(scope=scope, subject=subject, failures=1, window_start=now, locked_until=None)
            .on_conflict_do_update(
                index_elements=[t.c.scope, t.c.subject],
                set_={
                    "failures": case((fresh, 1), else_=t.c.failures + 1),
                    "window_start": case((fresh, at_now), else_=t.c.window_start),
                    "locked_until": case(
                        (fresh, literal(None, UtcDateTime)), else_=t.c.locked_until
                    ),
                },
            )
            .returning(t.c.failures, t.c.locked_until)
        )
        async with self._engine.begin() as conn:
            failures, locked_until = (await conn.execute(statement)).one()
            if locked_until is not None or failures < policy.max_failures:
                return None
            until = now + policy.lockout
            tripped = await conn.execute(
                update(t)
                .where(self._key(scope, subject), t.c.locked_until.is_(None))
                .values(locked_until=until)
            )
            return until if tripped.rowcount == 1 else None

    async def reset(self, scope: str, subject: str) -> None:
        check_key(scope, subject)
        async with self._engine.begin() as conn:
            await conn.execute(delete(rate_limits).where(self._key(scope, subject)))
