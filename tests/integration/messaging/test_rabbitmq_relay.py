"""The outbox relay on PostgreSQL publishing to a real RabbitMQ.

Proves: (a) each outbox row reaches a bound queue once, with the agreed properties and body;
(b) a broker outage loses nothing — failed batches are recorded and go out after recovery;
(c) two relays on one outbox never publish a row twice (``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import json
import socket
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.integration.messaging.conftest import Names
from tests.integration.messaging.support import TcpProxy, eventually
from tests.unit.messaging.support import insert_outbox, make_message, outbox_rows

from shop_adapters.messaging import (
    OutboxRelay,
    PublishFailed,
    RabbitMQConsumer,
    RabbitMQPublisher,
    ReceivedMessage,
)
from shop_adapters.shared.system import SystemClock
from shop_adapters.sql.messaging_tables import outbox
from shop_app.shared.ports import OutboxMessage

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


class Collector:
    """Records every message a consumer handled, and wakes waiters."""

    def __init__(self) -> None:
        self.received: list[ReceivedMessage] = []

    async def __call__(self, message: ReceivedMessage) -> None:
        self.received.append(message)

    @property
    def counts(self) -> collections.Counter[uuid.UUID]:
        return collections.Counter(m.id for m in self.received)

    async def has(self, ids: set[uuid.UUID]) -> bool:
        return ids <= set(self.counts)


async def _unsent(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        return int(await conn.scalar(query) or 0)


@pytest.mark.rule("PAY-4")
async def test_each_row_reaches_the_queue_once_with_headers_and_body(
    pg_engine: AsyncEngine, rabbitmq_url: str, names: Names
) -> None:
    clock = SystemClock()
    messages = [make_message(n, f"test.kind_{n % 2}") for n in range(30)]
    await insert_outbox(pg_engine, messages, clock.now())

    connection = await aio_pika.connect(rabbitmq_url, timeout=5)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            names.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(names.queue("raw"), durable=True)
        await queue.bind(exchange, "test.#")

        async with RabbitMQPublisher(rabbitmq_url, names.exchange, timeout=5) as publisher:
            relay = OutboxRelay(pg_engine, publisher, clock, batch_size=8)
            sent = [await relay.run_once() for _ in range(5)]
        assert sent == [8, 8, 8, 6, 0]

        got: list[aio_pika.abc.AbstractIncomingMessage] = []
        async with asyncio.timeout(10):
            while len(got) < len(messages):
                incoming = await queue.get(fail=False, timeout=5)
                if incoming is None:
                    await asyncio.sleep(0.05)
                    continue
                got.append(incoming)
                await incoming.ack()
        assert await queue.get(fail=False, timeout=5) is None  # nothing more: each exactly once

    by_id = {m.id: m for m in messages}
    assert [uuid.UUID(m.message_id or "") for m in got] == [m.id for m in messages]  # in order
    for incoming in got:
        original = by_id[uuid.UUID(incoming.message_id or "")]
        assert incoming.type == original.type
        assert incoming.routing_key == f"{original.type}.v1"
        assert incoming.headers == {"version": 1}
        assert incoming.content_type == "application/json"
        assert incoming.content_encoding == "utf-8"
        assert incoming.app_id == "shop"
        assert incoming.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert incoming.timestamp == original.occurred_at
        assert json.loads(incoming.body) == {
            "id": str(original.id),
            "type": original.type,
            "version": 1,
            "aggregate_type": original.aggregate_type,
            "aggregate_id": original.aggregate_id,
            "occurred_at": original.occurred_at.isoformat().replace("+00:00", "Z"),
            "payload": dict(original.payload),
        }
    rows = await outbox_rows(pg_engine)
    assert all(row.sent_at is not None and row.attempts == 0 for row in rows)


async def test_an_unroutable_message_is_not_an_error(rabbitmq_url: str, names: Names) -> None:
    """No queue bound yet: the broker confirms and drops the event; publishing succeeds."""
    async with RabbitMQPublisher(rabbitmq_url, names.exchange, timeout=5) as publisher:
        await publisher.publish([make_message(1, "nobody.listens")])


async def test_an_unreachable_broker_fails_quickly_with_publish_failed() -> None:
    with socket.socket() as probe:  # a free port, with nothing listening on it afterwards
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    publisher = RabbitMQPublisher(f"amqp://guest:secret@127.0.0.1:{port}/", timeout=2)
    async with asyncio.timeout(5):
        with pytest.raises(PublishFailed) as failure:
            await publisher.publish([make_message(1)])
    assert "secret" not in str(failure.value)
    await publisher.close()


@pytest.mark.rule("PAY-4")
async def test_broker_down_mid_run_loses_nothing(
    pg_engine: AsyncEngine, rabbitmq_url: str, names: Names
) -> None:
    parts = urlsplit(rabbitmq_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672)
    await proxy.start()
    clock = SystemClock()
    collector = Collector()
    consumer = RabbitMQConsumer(
        rabbitmq_url, names.queue("down"), ["test.#"], collector, exchange=names.exchange
    )
    publisher = RabbitMQPublisher(
        _via(rabbitmq_url, proxy.port), names.exchange, timeout=1.5, reconnect_interval=0.3
    )
    relay = OutboxRelay(
        pg_engine,
        publisher,
        clock,
        batch_size=10,
        base_backoff=dt.timedelta(milliseconds=200),
        max_backoff=dt.timedelta(seconds=1),
    )
    stop = asyncio.Event()
    before = [make_message(n) for n in range(15)]
    during = [make_message(n) for n in range(15, 40)]
    try:
        await consumer.start()
        loop = asyncio.create_task(relay.run(stop, idle_interval=0.05))

        await insert_outbox(pg_engine, before, clock.now())
        await eventually(lambda: collector.has({m.id for m in before}), 10, "the first events")

        await proxy.stop()  # the broker is gone for the relay
        await insert_outbox(pg_engine, during, clock.now())

        async def failure_recorded() -> bool:
            rows = await outbox_rows(pg_engine)
            return any(r.attempts > 0 and r.sent_at is None for r in rows)

        await eventually(failure_recorded, 10, "a failed attempt to be recorded")
        assert await _unsent(pg_engine) == len(during)  # nothing was marked sent meanwhile

        await proxy.start()  # the broker is back
        await eventually(
            lambda: collector.has({m.id for m in before + during}), 15, "every event after recovery"
        )

        async def all_sent() -> bool:
            return await _unsent(pg_engine) == 0

        await eventually(all_sent, 5, "the outbox to be all sent")
    finally:
        stop.set()
        await asyncio.wait_for(loop, 5)
        await publisher.close()
        await consumer.close()
        await proxy.stop()

    assert set(collector.counts) == {m.id for m in before + during}
    rows = await outbox_rows(pg_engine)
    assert all(r.sent_at is not None for r in rows)
    failed = [r for r in rows if r.attempts > 0]
    assert failed
    assert all(r.last_error and r.last_error.startswith("PublishFailed") for r in failed)
    assert all("guest" not in (r.last_error or "") for r in failed)


class SlowPublisher:
    """Holds each batch a moment, so that two relays overlap; counts what went through it."""

    def __init__(self, inner: RabbitMQPublisher) -> None:
        self.inner = inner
        self.sent = 0

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        await asyncio.sleep(0.02)
        await self.inner.publish(messages)
        self.sent += len(messages)

    async def close(self) -> None:
        await self.inner.close()


@pytest.mark.rule("PAY-4")
async def test_two_relays_never_publish_a_row_twice(
    pg_engine: AsyncEngine, rabbitmq_url: str, names: Names
) -> None:
    clock = SystemClock()
    messages = [make_message(n) for n in range(500)]
    await insert_outbox(pg_engine, messages, clock.now())
    collector = Collector()
    consumer = RabbitMQConsumer(
        rabbitmq_url,
        names.queue("twice"),
        ["test.#"],
        collector,
        exchange=names.exchange,
        prefetch_count=100,
    )
    publishers = [
        SlowPublisher(RabbitMQPublisher(rabbitmq_url, names.exchange, timeout=5)) for _ in range(2)
    ]
    relays = [OutboxRelay(pg_engine, p, clock, batch_size=25) for p in publishers]
    stop = asyncio.Event()
    await consumer.start()
    try:
        loops = [asyncio.create_task(r.run(stop, idle_interval=0.05)) for r in relays]
        await eventually(lambda: collector.has({m.id for m in messages}), 15, "500 events")
        await asyncio.sleep(0.3)  # a duplicate, if any, would arrive now
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*loops), 5)
        for publisher in publishers:
            await publisher.close()
        await consumer.close()

    counts = collector.counts
    assert set(counts) == {m.id for m in messages}
    assert max(counts.values()) == 1, "a message was published twice"
    assert sum(p.sent for p in publishers) == 500
    assert all(p.sent > 0 for p in publishers), "both relays took part"
    assert await _unsent(pg_engine) == 0
