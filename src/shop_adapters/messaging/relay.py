"""The outbox relay: publishes committed outbox rows to the broker, at least once.

How a batch goes out
--------------------
PostgreSQL: one transaction takes the due rows (``sent_at IS NULL AND next_attempt_at <= now``,
oldest ``position`` first, ``FOR UPDATE SKIP LOCKED``) and marks them sent in the same statement
(``WITH due AS (SELECT … FOR UPDATE SKIP LOCKED) UPDATE … RETURNING``), publishes them, waits
for the broker's confirms and only then commits. If the publication fails, the same transaction
takes the mark back and records the failure before it commits; if the relay dies, the
transaction rolls back. Either way ``sent_at`` is committed only after the broker confirmed.
Several relays may run at once: a row locked by one is skipped by the others, so while they
live no row is published twice.

Pipelining: :meth:`OutboxRelay.run` keeps ``pipeline`` batches in flight — while the broker
confirms one batch (and its transaction commits), the next is taken and published. Batches are
taken one after the other, so they go out in ``position`` order too (ADR 0025).

SQLite (and any backend without ``SKIP LOCKED``): SQLite ignores ``FOR UPDATE`` (SQLAlchemy drops
it), and its one write lock (``BEGIN IMMEDIATE``) would block every writer of the shop for as long
as the broker takes to confirm — and would deadlock with an in-process subscriber that writes to
the same database. So the relay *claims* the batch in a short transaction (it pushes
``next_attempt_at`` forward by ``claim_timeout``, a lease that hides the rows from other relays),
publishes outside any transaction, then marks the rows sent in a second short transaction.

At least once, not exactly once
-------------------------------
If the relay dies (or its commit fails) after the broker confirmed and before ``sent_at`` is
stored, the rows are published again — by the next run on PostgreSQL (the lock went with the
transaction), after the lease on SQLite. A failed batch may also have reached the broker in part.
Consumers therefore deduplicate by message id (see :mod:`shop_adapters.messaging.inbox`).

Failures
--------
When the publisher raises, the batch is recorded as failed in a committed transaction: each row's
``attempts`` goes up, ``last_error`` gets the exception's class and message (never the payload,
credentials masked) and ``next_attempt_at`` moves to ``now + backoff(attempts)`` — exponential,
capped by ``max_backoff``, with jitter. Nothing is lost: the rows go out when the broker is back.

Order: rows are published in ``position`` order within a batch and batches are taken in order,
but a row that failed is retried after its backoff, so later rows may overtake it (as may a batch
whose transaction outran the one before it, with ``pipeline`` above 1). Consumers must not rely
on a global order.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import msgspec
from sqlalchemy import DateTime, Row, Text, bindparam, cast, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop_adapters.messaging.errors import describe_error
from shop_adapters.sql.messaging_tables import outbox
from shop_app.shared.ports import Clock, EventPublisher, OutboxMessage

log = logging.getLogger(__name__)

DEFAULT_BASE_BACKOFF = dt.timedelta(seconds=1)
DEFAULT_MAX_BACKOFF = dt.timedelta(minutes=5)
DEFAULT_CLAIM_TIMEOUT = dt.timedelta(minutes=2)
DEFAULT_BATCH_SIZE = 500
DEFAULT_PIPELINE = 2


def backoff_delay(
    attempts: int,
    *,
    base: dt.timedelta = DEFAULT_BASE_BACKOFF,
    cap: dt.timedelta = DEFAULT_MAX_BACKOFF,
    rand: Callable[[], float] = random.random,
) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: ``base * 2**(attempts-1)``, at most ``cap``,
    then "equal jitter" — a random point in its upper half, so relays do not retry in step."""
    exponent = min(max(attempts, 1) - 1, 30)
    raw = min(base * (2**exponent), cap)
    half: dt.timedelta = raw / 2
    return half + half * rand()


@attrs.frozen
class _Backoff:
    base: dt.timedelta
    cap: dt.timedelta
    rand: Callable[[], float]

    def next_attempt(self, now: dt.datetime, attempts: int) -> dt.datetime:
        return now + backoff_delay(attempts, base=self.base, cap=self.cap, rand=self.rand)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


class _RelayLoop:
    """The loop shared by both relays: run batches back to back while there is work."""

    batch_size: int
    pipeline: int = 1
    _backoff: _Backoff

    async def run_once(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    async def run(self, stop: asyncio.Event, idle_interval: float = 1.0) -> None:
        """Publish until ``stop`` is set: batches back to back while they come full, otherwise a
        pause of ``idle_interval`` seconds; ``pipeline`` batches in flight at once. An error of
        the database is logged and retried with the same capped backoff as a publication."""
        await asyncio.gather(*(self._lane(stop, idle_interval) for _ in range(self.pipeline)))

    async def _lane(self, stop: asyncio.Event, idle_interval: float) -> None:
        failures = 0
        while not stop.is_set():
            try:
                sent = await self.run_once()
            except Exception as exc:
                failures += 1
                delay = backoff_delay(
                    failures,
                    base=self._backoff.base,
                    cap=self._backoff.cap,
                    rand=self._backoff.rand,
                )
                log.error(
                    "outbox relay: a batch failed (%s); next try in %.1fs",
                    describe_error(exc),
                    delay.total_seconds(),
                )
                await _wait(stop, delay.total_seconds())
                continue
            failures = 0
            if sent < self.batch_size:
                await _wait(stop, idle_interval)


_json = msgspec.json.Decoder(dict[str, Any])


def _message(row: Sequence[Any]) -> OutboxMessage:
    # by position, in the order of _COLUMNS and of OutboxMessage's fields: a third of the cost
    # of reading the row by attribute name and passing keywords (this runs for every event)
    _, id_, type_, version, aggregate_type, aggregate_id, payload, occurred_at, _ = row
    return OutboxMessage(
        id_, type_, _json.decode(payload), occurred_at, aggregate_type, aggregate_id, version
    )


# What a batch needs of a row: the message, and ``attempts`` for the backoff of a failure. The
# payload comes as its JSON text, decoded by msgspec (a third of the cost of the JSON type's
# ``json.loads``); on PostgreSQL ``occurred_at`` comes as the driver's aware datetime.
_PAYLOAD = cast(outbox.c.payload, Text).label("payload")
_COLUMNS = (
    outbox.c.position,
    outbox.c.id,
    outbox.c.type,
    outbox.c.version,
    outbox.c.aggregate_type,
    outbox.c.aggregate_id,
    _PAYLOAD,
    outbox.c.occurred_at,
    outbox.c.attempts,
)
_TAKEN = (
    *_COLUMNS[:7],
    type_coerce(outbox.c.occurred_at, DateTime(timezone=True)).label("occurred_at"),
    outbox.c.attempts,
)


class OutboxRelay(_RelayLoop):
    """Publishes the SQL ``outbox`` table through an :class:`EventPublisher`.

    ``batch_size`` rows per transaction, ``pipeline`` batches in flight in :meth:`run`; failed
    rows wait ``backoff_delay(attempts)`` between ``base_backoff`` and ``max_backoff``.
    ``claim_timeout`` (SQLite only) is the lease on a batch being published: keep it well above
    the publisher's own timeout, or a slow batch may be claimed and published again by another
    relay (a duplicate, never a loss).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        publisher: EventPublisher,
        clock: Clock,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_backoff: dt.timedelta = DEFAULT_MAX_BACKOFF,
        *,
        base_backoff: dt.timedelta = DEFAULT_BASE_BACKOFF,
        claim_timeout: dt.timedelta = DEFAULT_CLAIM_TIMEOUT,
        rand: Callable[[], float] = random.random,
        pipeline: int = DEFAULT_PIPELINE,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if pipeline < 1:
            raise ValueError("pipeline must be at least 1")
        self._engine = engine
        self._publisher = publisher
        self._clock = clock
        self.batch_size = batch_size
        self.pipeline = pipeline
        self._backoff = _Backoff(base_backoff, max_backoff, rand)
        self._claim_timeout = claim_timeout
        self._skip_locked = engine.dialect.name == "postgresql"
        self._turn = asyncio.Lock()  # batches are taken one after the other

    def _due(self, now: dt.datetime) -> Any:
        return (
            select(*_COLUMNS)
            .where(outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.position)
            .limit(self.batch_size)
        )

    def _take(self, now: dt.datetime) -> Any:
        """Lock the due rows (skipping those another relay holds) and mark them sent, in one
        statement; the mark commits only with the transaction, after the confirms."""
        due = self._due(now).with_only_columns(outbox.c.position)
        due = due.with_for_update(skip_locked=True).cte("due")
        return (
            update(outbox)
            .where(outbox.c.position == due.c.position)
            .values(sent_at=now)
            .returning(*_TAKEN)
        )

    async def run_once(self) -> int:
        """Publish one batch of due rows; the number published (0 if the publication failed)."""
        if self._skip_locked:
            return await self._run_locked()
        return await self._run_claimed()

    async def _run_locked(self) -> int:
        async with self._engine.begin() as conn:
            async with self._turn:
                now = self._clock.now()
                rows = sorted((await conn.execute(self._take(now))).all(), key=_position)
            if not rows:
                return 0
            error = await self._publish(rows)
            if error is not None:
                await self._record_failure(conn, rows, now, error, unmark=True)
                return 0
        log.info("outbox relay: published %d messages", len(rows))
        return len(rows)

    async def _run_claimed(self) -> int:
        async with self._turn:
            now = self._clock.now()
            async with self._engine.begin() as conn:
                rows = (await conn.execute(self._due(now))).all()
                if not rows:
                    return 0
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.position.in_([row.position for row in rows]))
                    .values(next_attempt_at=now + self._claim_timeout)
                )
        # the lease is committed: publish without holding SQLite's write lock
        error = await self._publish(rows)
        async with self._engine.begin() as conn:
            if error is not None:
                await self._record_failure(conn, rows, now, error, unmark=False)
                return 0
            await conn.execute(
                update(outbox)
                .where(outbox.c.position.in_([row.position for row in rows]))
                .values(sent_at=self._clock.now())
            )
        log.info("outbox relay: published %d messages", len(rows))
        return len(rows)

    async def _publish(self, rows: Sequence[Row[Any]]) -> str | None:
        """Publish the batch; ``None`` once confirmed, else the error to record."""
        try:
            await self._publisher.publish([_message(row) for row in rows])
        except Exception as exc:
            error = describe_error(exc)
            log.warning(
                "outbox relay: publishing %d messages failed (%s); they will be retried",
                len(rows),
                error,
            )
            return error
        return None

    async def _record_failure(
        self,
        conn: AsyncConnection,
        rows: Sequence[Row[Any]],
        now: dt.datetime,
        error: str,
        *,
        unmark: bool,
    ) -> None:
        """Record a failed batch in the open transaction: attempts, error, next attempt (and,
        on PostgreSQL, take back the ``sent_at`` that the taking statement set)."""
        values: dict[str, Any] = {
            "attempts": bindparam("b_attempts"),
            "last_error": bindparam("b_error"),
            "next_attempt_at": bindparam("b_next"),
        }
        if unmark:
            values["sent_at"] = None
        await conn.execute(
            update(outbox).where(outbox.c.position == bindparam("b_position")).values(values),
            [
                {
                    "b_position": row.position,
                    "b_attempts": row.attempts + 1,
                    "b_error": error,
                    "b_next": self._backoff.next_attempt(now, row.attempts + 1),
                }
                for row in rows
            ],
        )


def _position(row: Row[Any]) -> int:
    return int(row.position)
