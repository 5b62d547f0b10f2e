"""The outbox relay against SQLite (the path ``memory://`` runs too), with the in-memory
publisher. The tests go through a small driver, so that another backend could be added as a
driver of its own; PostgreSQL's path is in tests/integration/messaging.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any, Protocol

import attrs
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from tests.unit.messaging.support import (
    T0,
    insert_outbox,
    make_message,
    outbox_rows,
)

from shop_adapters.messaging import (
    Inbox,
    InMemoryPublisher,
    OutboxRelay,
    PublishFailed,
    ReceivedMessage,
    backoff_delay,
)
from shop_adapters.messaging.errors import describe_error
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.messaging_tables import inbox, outbox
from shop_app.shared.ports import OutboxMessage

MAX_BACKOFF = dt.timedelta(seconds=60)
BASE_BACKOFF = dt.timedelta(seconds=2)


class RowState(Protocol):
    attempts: int
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    last_error: str | None


class Driver(Protocol):
    """One backend under test: add outbox rows, build a relay, read the rows back."""

    async def add(self, messages: list[OutboxMessage]) -> None: ...
    def relay(self, publisher: InMemoryPublisher, **options: Any) -> Any: ...
    async def state(self) -> dict[uuid.UUID, RowState]: ...


@attrs.define
class _State:
    attempts: int
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    last_error: str | None


class SqlDriver:
    def __init__(self, engine: AsyncEngine, clock: FixedClock) -> None:
        self.engine, self.clock = engine, clock

    async def add(self, messages: list[OutboxMessage]) -> None:
        await insert_outbox(self.engine, messages, self.clock.now())

    def relay(self, publisher: InMemoryPublisher, **options: Any) -> OutboxRelay:
        return OutboxRelay(self.engine, publisher, self.clock, **options)

    async def state(self) -> dict[uuid.UUID, RowState]:
        return {
            row.id: _State(
                attempts=row.attempts,
                next_attempt_at=row.next_attempt_at,
                sent_at=row.sent_at,
                last_error=row.last_error,
            )
            for row in await outbox_rows(self.engine)
        }


@pytest.fixture
async def driver(clock: FixedClock, sqlite_url: str) -> AsyncIterator[Driver]:
    from shop_adapters.sql.engine import make_engine

    engine = make_engine(sqlite_url)
    try:
        yield SqlDriver(engine, clock)
    finally:
        await engine.dispose()


def options(**extra: Any) -> dict[str, Any]:
    return {"base_backoff": BASE_BACKOFF, "max_backoff": MAX_BACKOFF, **extra}


@pytest.mark.rule("PAY-4")
async def test_publishes_in_order_and_marks_sent(driver: Driver, clock: FixedClock) -> None:
    messages = [make_message(n) for n in range(7)]
    await driver.add(messages)
    publisher = InMemoryPublisher()
    relay = driver.relay(publisher, **options(batch_size=3))

    assert [await relay.run_once() for _ in range(4)] == [3, 3, 1, 0]

    assert publisher.published == messages
    state = await driver.state()
    assert all(s.sent_at == clock.now() for s in state.values())
    assert all(s.attempts == 0 for s in state.values())


@pytest.mark.rule("PAY-4")
async def test_sent_rows_are_not_sent_again(driver: Driver, clock: FixedClock) -> None:
    await driver.add([make_message(n) for n in range(3)])
    publisher = InMemoryPublisher()
    relay = driver.relay(publisher, **options())
    assert await relay.run_once() == 3

    clock.advance(hours=1)
    assert await relay.run_once() == 0
    later = [make_message(n) for n in range(3, 5)]
    await driver.add(later)
    assert await relay.run_once() == 2

    assert len(publisher.published) == 5
    assert publisher.published[3:] == later
    assert len(set(publisher.published_ids)) == 5


@pytest.mark.rule("PAY-4")
async def test_a_failed_publication_is_retried_after_the_backoff(
    driver: Driver, clock: FixedClock
) -> None:
    messages = [make_message(n) for n in range(4)]
    await driver.add(messages)
    publisher = InMemoryPublisher()
    publisher.fail_always()
    relay = driver.relay(publisher, **options())

    assert await relay.run_once() == 0

    state = await driver.state()
    for s in state.values():
        assert s.sent_at is None
        assert s.attempts == 1
        assert s.last_error == "PublishFailed: the in-memory broker is down (simulated)"
        assert s.next_attempt_at is not None
        # first failure: BASE_BACKOFF with equal jitter, in [base/2, base]
        assert clock.now() + BASE_BACKOFF / 2 <= s.next_attempt_at <= clock.now() + BASE_BACKOFF

    # not due yet: nothing is tried, even with the broker back
    publisher.recover()
    calls = publisher.calls
    assert await relay.run_once() == 0
    assert publisher.calls == calls

    # a second failure doubles the wait
    publisher.fail_always()
    clock.advance(seconds=BASE_BACKOFF.total_seconds())
    assert await relay.run_once() == 0
    state = await driver.state()
    assert {s.attempts for s in state.values()} == {2}
    assert all(
        clock.now() + BASE_BACKOFF <= s.next_attempt_at <= clock.now() + 2 * BASE_BACKOFF
        for s in state.values()
        if s.next_attempt_at is not None
    )

    # the broker is back and the backoff has passed: everything goes out, in order
    publisher.recover()
    clock.advance(seconds=2 * BASE_BACKOFF.total_seconds())
    assert await relay.run_once() == 4
    assert publisher.published == messages
    assert all(s.sent_at is not None for s in (await driver.state()).values())
    assert await relay.run_once() == 0


async def test_backoff_is_capped(driver: Driver, clock: FixedClock) -> None:
    await driver.add([make_message(0)])
    publisher = InMemoryPublisher()
    publisher.fail_always()
    relay = driver.relay(publisher, **options())
    for _ in range(12):
        clock.advance(seconds=MAX_BACKOFF.total_seconds())
        assert await relay.run_once() == 0
    (state,) = (await driver.state()).values()
    assert state.attempts == 12
    assert state.next_attempt_at is not None
    assert clock.now() + MAX_BACKOFF / 2 <= state.next_attempt_at <= clock.now() + MAX_BACKOFF


async def test_a_failing_subscriber_fails_the_batch_until_it_recovers(
    driver: Driver, clock: FixedClock
) -> None:
    """In-process subscribers are at-least-once too: a failure means the batch comes again."""
    await driver.add([make_message(n) for n in range(2)])
    publisher = InMemoryPublisher()
    seen: list[uuid.UUID] = []
    broken = True

    async def subscriber(message: ReceivedMessage) -> None:
        seen.append(message.id)
        if broken:
            raise RuntimeError("subscriber down")

    publisher.subscribe("test.thing_happened", subscriber)
    relay = driver.relay(publisher, **options())
    assert await relay.run_once() == 0
    broken = False
    clock.advance(seconds=MAX_BACKOFF.total_seconds())
    assert await relay.run_once() == 2
    assert len(seen) == 3  # the first message failed once, then both went through
    assert len(publisher.published) == 2


async def test_run_loop_publishes_until_stopped(driver: Driver) -> None:
    await driver.add([make_message(n) for n in range(25)])
    publisher = InMemoryPublisher()
    all_seen = asyncio.Event()
    seen: list[uuid.UUID] = []

    async def count(message: ReceivedMessage) -> None:
        seen.append(message.id)
        if len(seen) == 25:
            all_seen.set()

    publisher.subscribe("*", count)
    relay = driver.relay(publisher, **options(batch_size=10))
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop, idle_interval=0.01))
    await asyncio.wait_for(all_seen.wait(), 5)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert len(publisher.published) == 25


async def test_sqlite_relay_does_not_hold_the_write_lock_while_publishing(
    sqlite_engine: AsyncEngine, clock: FixedClock
) -> None:
    """An in-process subscriber that writes to the same SQLite database (here, through the inbox)
    must not wait for the relay: SQLite has a single writer, so the relay publishes outside its
    transactions (claim, publish, record)."""
    await insert_outbox(sqlite_engine, [make_message(n) for n in range(3)], clock.now())
    inbox_ = Inbox(sqlite_engine, clock)
    publisher = InMemoryPublisher()

    async def subscriber(message: ReceivedMessage) -> None:
        async def effect(conn: Any) -> None:
            return None

        await inbox_.handle_once("projector", message.id, effect)

    publisher.subscribe("*", subscriber)
    relay = OutboxRelay(sqlite_engine, publisher, clock)
    async with asyncio.timeout(10):
        assert await relay.run_once() == 3
    async with sqlite_engine.connect() as conn:
        assert len((await conn.execute(inbox.select())).all()) == 3


async def test_sqlite_claim_hides_rows_from_another_relay_while_publishing(
    sqlite_engine: AsyncEngine, clock: FixedClock
) -> None:
    await insert_outbox(sqlite_engine, [make_message(n) for n in range(4)], clock.now())
    release = asyncio.Event()
    started = asyncio.Event()

    class SlowPublisher(InMemoryPublisher):
        async def publish(self, messages: Any) -> None:
            started.set()
            await release.wait()
            await super().publish(messages)

    slow, fast = SlowPublisher(), InMemoryPublisher()
    first = asyncio.create_task(OutboxRelay(sqlite_engine, slow, clock).run_once())
    await asyncio.wait_for(started.wait(), 5)
    assert await OutboxRelay(sqlite_engine, fast, clock).run_once() == 0  # all claimed
    release.set()
    assert await asyncio.wait_for(first, 5) == 4
    assert fast.published == []


async def test_sqlite_claim_expires_if_the_relay_dies(
    sqlite_engine: AsyncEngine, clock: FixedClock
) -> None:
    """At least once: a relay that vanished after claiming leaves the rows to the next one."""
    await insert_outbox(sqlite_engine, [make_message(0)], clock.now())

    class Dying(InMemoryPublisher):
        async def publish(self, messages: Any) -> None:
            raise asyncio.CancelledError  # the process goes away mid-publication

    with pytest.raises(asyncio.CancelledError):
        await OutboxRelay(sqlite_engine, Dying(), clock).run_once()
    survivor = InMemoryPublisher()
    relay = OutboxRelay(sqlite_engine, survivor, clock, claim_timeout=dt.timedelta(minutes=2))
    assert await relay.run_once() == 0
    clock.advance(minutes=2)
    assert await relay.run_once() == 1


def test_skip_locked_is_postgres_only() -> None:
    """SQLAlchemy drops ``FOR UPDATE SKIP LOCKED`` on SQLite: the relay cannot rely on it there."""
    query = outbox.select().limit(5).with_for_update(skip_locked=True)
    postgres = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1/none").dialect
    sqlite = create_async_engine("sqlite+aiosqlite://").dialect
    assert "FOR UPDATE SKIP LOCKED" in str(query.compile(dialect=postgres))
    assert "FOR UPDATE" not in str(query.compile(dialect=sqlite))


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    base, cap = dt.timedelta(seconds=1), dt.timedelta(seconds=30)
    low = [backoff_delay(a, base=base, cap=cap, rand=lambda: 0.0) for a in range(1, 8)]
    high = [backoff_delay(a, base=base, cap=cap, rand=lambda: 1.0) for a in range(1, 8)]
    assert [d.total_seconds() for d in high] == [1, 2, 4, 8, 16, 30, 30]
    assert [d.total_seconds() for d in low] == [0.5, 1, 2, 4, 8, 15, 15]
    assert backoff_delay(10_000, base=base, cap=cap) <= cap


def test_errors_are_recorded_without_secrets_and_truncated() -> None:
    exc = ConnectionError("cannot reach amqp://shop:s3cret@broker:5672/ (refused)")
    assert describe_error(exc) == "ConnectionError: cannot reach amqp://***@broker:5672/ (refused)"
    assert len(describe_error(PublishFailed("x" * 2000))) == 500
    assert T0.tzinfo is not None


@pytest.mark.rule("PAY-4")
async def test_sqlite_relay_with_two_batches_in_flight_publishes_each_row_once(
    sqlite_engine: AsyncEngine, clock: FixedClock
) -> None:
    await insert_outbox(sqlite_engine, [make_message(n) for n in range(60)], clock.now())

    done = asyncio.Event()

    class Slow(InMemoryPublisher):
        async def publish(self, messages: Any) -> None:
            await asyncio.sleep(0.01)
            await super().publish(messages)
            if len(self.published) == 60:
                done.set()

    publisher = Slow()
    relay = OutboxRelay(sqlite_engine, publisher, clock, batch_size=7, pipeline=2)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop, idle_interval=0.01))
    await asyncio.wait_for(done.wait(), 10)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert sorted(m.payload["n"] for m in publisher.published) == list(range(60))
    assert all(row.sent_at is not None for row in await outbox_rows(sqlite_engine))


def test_pipeline_and_batch_size_are_at_least_one(sqlite_engine: AsyncEngine) -> None:
    with pytest.raises(ValueError, match="pipeline"):
        OutboxRelay(sqlite_engine, InMemoryPublisher(), FixedClock(T0), pipeline=0)
    with pytest.raises(ValueError, match="batch_size"):
        OutboxRelay(sqlite_engine, InMemoryPublisher(), FixedClock(T0), batch_size=0)
