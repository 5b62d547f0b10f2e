"""The SQL attempt limiter (the ``rate_limits`` table); the rules are in
:mod:`shop_app.shared.ratelimit`.

Every statement is prepared once and sent straight to the driver in autocommit
(:func:`~shop_adapters.sql.reads.autocommit_link`), one round trip each. A failure is an
``INSERT … ON CONFLICT DO UPDATE`` that opens a window or adds one to the count atomically
(PostgreSQL locks the row for the statement, so concurrent failures all count; SQLite
serialises writers); then, if the count reached the policy's maximum and no lock-out is set
yet, an ``UPDATE`` that sets it only where the row is still in that window, below a lock-out,
at or over the maximum — so exactly one failure trips it, whichever statements interleave.
An attempt counted whatever its outcome (:meth:`SqlAttemptLimiter.attempt`, starting to pay) is
the same upsert made conditional on no lock-out running: one statement checks and counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.kernel_tables import rate_limits
from shop_adapters.sql.metadata import UtcDateTime
from shop_adapters.sql.reads import autocommit_link
from shop_app.shared.ratelimit import AttemptLimiter, AttemptPolicy, check_key, locked_out

_t = rate_limits.c
_KEY = and_(
    _t.scope == bindparam("scope", type_=_t.scope.type),
    _t.subject == bindparam("subject", type_=_t.subject.type),
)
_NOW = bindparam("now", type_=UtcDateTime)
_BLOCKED = Prepared(select(_t.locked_until).where(_KEY, _t.locked_until > _NOW))


def _count(dialect: str, *, unless_blocked: bool = False) -> Any:
    """One more failure: a new window (none yet, the window is over, or the lock-out ended)
    or one more in it; the count and the lock-out after it. ``unless_blocked``: nothing is
    counted (no row returned) while a lock-out runs."""
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    window_edge = bindparam("window_edge", type_=UtcDateTime)
    fresh = or_(
        and_(_t.locked_until.is_not(None), _t.locked_until <= _NOW),
        and_(_t.locked_until.is_(None), _t.window_start <= window_edge),
    )
    return (
        insert(rate_limits)
        .values(
            scope=bindparam("scope"),
            subject=bindparam("subject"),
            failures=1,
            window_start=_NOW,
            locked_until=None,
        )
        .on_conflict_do_update(
            index_elements=[_t.scope, _t.subject],
            set_={
                "failures": case((fresh, 1), else_=_t.failures + 1),
                "window_start": case((fresh, _NOW), else_=_t.window_start),
                "locked_until": case((fresh, literal(None, UtcDateTime)), else_=_t.locked_until),
            },
            where=or_(_t.locked_until.is_(None), _t.locked_until <= _NOW)
            if unless_blocked
            else None,
        )
        .returning(_t.failures, _t.window_start, _t.locked_until)
    )


_COUNT = Prepared(_count)
_COUNT_UNLESS_BLOCKED = Prepared(lambda dialect: _count(dialect, unless_blocked=True))
_FORGET = Prepared(delete(rate_limits).where(_KEY))
_TRIP = Prepared(
    update(rate_limits)
    .where(
        _KEY,
        _t.locked_until.is_(None),
        _t.window_start == bindparam("window_start", type_=UtcDateTime),
        _t.failures >= bindparam("most", type_=_t.failures.type),
    )
    .values(locked_until=bindparam("until", type_=UtcDateTime))
)


async def _trip(
    link: Any, key: dict[str, str], counted: Any, now: dt.datetime, policy: AttemptPolicy
) -> dt.datetime | None:
    """After a failure was counted (``counted``: the count, its window and lock-out), lock the
    subject out if that failure reached the policy's maximum and no one did yet; the lock-out's
    end if this failure tripped it."""
    failures, window_start, locked_until = counted
    if locked_until is not None or failures < policy.max_failures:
        return None
    until = now + policy.lockout
    tripped = await link.execute(
        _TRIP, {**key, "window_start": window_start, "most": policy.max_failures, "until": until}
    )
    return until if tripped == 1 else None


class SqlAttemptLimiter(AttemptLimiter):
    """Failure counts in the database, each statement a transaction of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def blocked_until(self, scope: str, subject: str, now: dt.datetime) -> dt.datetime | None:
        check_key(scope, subject)
        # never in a unit of work's transaction: on SQLite, joining it would take the write
        # lock for a handler that checks a limit before a store of its own writes
        async with autocommit_link(self._engine) as link:
            found = await link.fetch(_BLOCKED, {"scope": scope, "subject": subject, "now": now})
        return found[0][0] if found else None

    async def record_failure(
        self, scope: str, subject: str, now: dt.datetime, policy: AttemptPolicy
    ) -> dt.datetime | None:
        check_key(scope, subject)
        key = {"scope": scope, "subject": subject}
        async with autocommit_link(self._engine) as link:
            [counted] = await link.fetch(
                _COUNT, {**key, "now": now, "window_edge": now - policy.window}
            )
            return await _trip(link, key, counted, now, policy)

    async def attempt(
        self,
        scope: str,
        subject: str,
        now: dt.datetime,
        policy: AttemptPolicy,
        *,
        code: str | None = None,
    ) -> None:
        """The check and the count in one statement: the count's upsert changes nothing and
        returns no row while a lock-out runs (then the lock-out's end is read, to say it)."""
        check_key(scope, subject)
        key = {"scope": scope, "subject": subject}
        values = {**key, "now": now, "window_edge": now - policy.window}
        async with autocommit_link(self._engine) as link:
            counted = await link.fetch(_COUNT_UNLESS_BLOCKED, values)
            if not counted:
                blocked = await link.fetch(_BLOCKED, {**key, "now": now})
                if blocked:
                    raise locked_out(blocked[0][0], now, code=code)
                counted = await link.fetch(_COUNT, values)  # it ended in between
            await _trip(link, key, counted[0], now, policy)

    async def reset(self, scope: str, subject: str) -> None:
        check_key(scope, subject)
        async with autocommit_link(self._engine) as link:
            await link.execute(_FORGET, {"scope": scope, "subject": subject})
