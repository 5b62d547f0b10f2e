"""The relay's PostgreSQL path without a broker: one statement takes and marks a batch, the mark
commits only after the publisher confirmed, and ``pipeline`` batches are in flight at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.unit.messaging.support import insert_outbox, make_message, outbox_rows

from shop_adapters.messaging import InMemoryPublisher, OutboxRelay
from shop_adapters.shared.system import SystemClock
from shop_app.shared.ports import OutboxMessage

pytestmark = [pytest.mark.postgres]


class Overlapping(InMemoryPublisher):
    """Holds each batch a moment and counts how many are in flight together."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0
        self.batches: list[list[int]] = []
        self.all_published = asyncio.Event()

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        self.batches.append([int(m.payload["n"]) for m in messages])
        try:
            await asyncio.sleep(0.05)
            await super().publish(messages)
            if len(self.published) == 100:
                self.all_published.set()
        finally:
            self.in_flight -= 1


@pytest.mark.rule("PAY-4")
async def test_two_batches_in_flight_each_row_once_batches_in_order(pg_engine: AsyncEngine) -> None:
    clock = SystemClock()
    await insert_outbox(pg_engine, [make_message(n) for n in range(100)], clock.now())
    publisher = Overlapping()
    relay = OutboxRelay(pg_engine, publisher, clock, batch_size=10, pipeline=2)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop, idle_interval=0.02))
    try:
        await asyncio.wait_for(publisher.all_published.wait(), 15)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert publisher.most_in_flight == 2
    assert sorted(int(m.payload["n"]) for m in publisher.published) == list(range(100))
    assert [batch[0] for batch in publisher.batches] == list(range(0, 100, 10))  # taken in order
    assert all(batch == sorted(batch) for batch in publisher.batches)
    assert all(row.sent_at is not None for row in await outbox_rows(pg_engine))


@pytest.mark.rule("PAY-4")
async def test_a_relay_that_dies_before_the_confirms_leaves_its_rows_unsent(
    pg_engine: AsyncEngine,
) -> None:
    """The taking statement marks the rows sent, but only the commit after the confirms makes
    it stick: a relay gone mid-publication rolls back and the next one publishes them."""
    clock = SystemClock()
    await insert_outbox(pg_engine, [make_message(n) for n in range(3)], clock.now())

    class Dying(InMemoryPublisher):
        async def publish(self, messages: Sequence[OutboxMessage]) -> None:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await OutboxRelay(pg_engine, Dying(), clock).run_once()
    assert all(row.sent_at is None for row in await outbox_rows(pg_engine))
    survivor = InMemoryPublisher()
    assert await OutboxRelay(pg_engine, survivor, clock).run_once() == 3
    assert [int(m.payload["n"]) for m in survivor.published] == [0, 1, 2]


async def test_a_failed_batch_is_unmarked_and_recorded_in_the_same_transaction(
    pg_engine: AsyncEngine,
) -> None:
    clock = SystemClock()
    await insert_outbox(pg_engine, [make_message(n) for n in range(4)], clock.now())
    publisher = InMemoryPublisher()
    publisher.fail_next()
    assert await OutboxRelay(pg_engine, publisher, clock).run_once() == 0
    rows = await outbox_rows(pg_engine)
    assert all(r.sent_at is None and r.attempts == 1 for r in rows)
    assert all((r.last_error or "").startswith("PublishFailed") for r in rows)
    assert all(r.next_attempt_at > clock.now() for r in rows)
