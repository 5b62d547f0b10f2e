"""The RabbitMQ consumer with the PostgreSQL inbox.

Proves: (d) a message is acknowledged only after its handler succeeded — a consumer that stops
mid-handling gets it back from the broker; a failing handler's message is requeued and handled
again, and with the inbox its effects happen once, even when the same message is published twice.
"""

from __future__ import annotations

import asyncio
import collections
import uuid

import aio_pika
import aiormq
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tests.integration.messaging.conftest import Names
from tests.integration.messaging.support import eventually
from tests.unit.messaging.support import make_message

from shop_adapters.messaging import Inbox, RabbitMQConsumer, RabbitMQPublisher, ReceivedMessage
from shop_adapters.shared.system import SystemClock
from shop_adapters.sql.messaging_tables import inbox, outbox

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]


async def _queue_depth(url: str, queue: str) -> int:
    connection = await aio_pika.connect(url, timeout=5)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)


async def _count(engine: AsyncEngine, table: object) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


@pytest.mark.rule("PAY-4")
async def test_failed_handling_is_requeued_and_the_inbox_makes_it_count_once(
    pg_engine: AsyncEngine, rabbitmq_url: str, names: Names
) -> None:
    clock = SystemClock()
    the_inbox = Inbox(pg_engine, clock)
    messages = [make_message(n, "test.paid") for n in range(3)]
    flaky = messages[1].id
    deliveries: list[tuple[uuid.UUID, bool]] = []
    handled: list[bool] = []

    async def handler(message: ReceivedMessage) -> None:
        deliveries.append((message.id, message.redelivered))

        async def effect(conn: AsyncConnection) -> None:
            follow_up = make_message(0, "test.reaction")
            await conn.execute(
                outbox.insert().values(
                    id=follow_up.id,
                    type=follow_up.type,
                    aggregate_type="Reaction",
                    aggregate_id=str(message.id),
                    payload={"to": str(message.id)},
                    occurred_at=clock.now(),
                    created_at=clock.now(),
                    next_attempt_at=clock.now(),
                )
            )
            if message.id == flaky and not message.redelivered:
                raise RuntimeError("the database hiccuped")  # after writing: must roll back

        handled.append(await the_inbox.handle_once("test-billing", message.id, effect))

    queue = names.queue("requeue")
    consumer = RabbitMQConsumer(
        rabbitmq_url, queue, ["test.paid.v1"], handler, exchange=names.exchange, requeue_delay=0.1
    )
    async with consumer, RabbitMQPublisher(rabbitmq_url, names.exchange, timeout=5) as publisher:
        await publisher.publish(messages)
        await publisher.publish([messages[0]])  # the relay published one twice (at least once)

        async def settled() -> bool:
            return len(handled) == 4

        await eventually(settled, 10, "every delivery to be handled")
        await asyncio.sleep(0.2)  # nothing else should arrive

    counts = collections.Counter(message_id for message_id, _ in deliveries)
    assert counts == {messages[0].id: 2, flaky: 2, messages[2].id: 1}
    assert (flaky, True) in deliveries  # the broker redelivered the failed message
    assert sorted(handled) == [False, True, True, True]  # the duplicate did nothing
    assert await _count(pg_engine, outbox) == 3  # one reaction per message, none for the failure
    assert await _count(pg_engine, inbox) == 3
    assert await _queue_depth(rabbitmq_url, queue) == 0  # everything acknowledged


@pytest.mark.rule("PAY-4")
async def test_a_message_is_acknowledged_only_after_its_handler_returns(
    rabbitmq_url: str, names: Names
) -> None:
    queue = names.queue("ack")
    started, release = asyncio.Event(), asyncio.Event()

    async def stuck(message: ReceivedMessage) -> None:
        started.set()
        await release.wait()

    message = make_message(1, "test.paid")
    first = RabbitMQConsumer(rabbitmq_url, queue, ["test.#"], stuck, exchange=names.exchange)
    async with RabbitMQPublisher(rabbitmq_url, names.exchange, timeout=5) as publisher:
        await first.start()
        await publisher.publish([message])
        await asyncio.wait_for(started.wait(), 5)
        await first.close()  # the consumer goes away while handling: no ack was sent
        release.set()

    second_got: list[ReceivedMessage] = []

    async def collect(received: ReceivedMessage) -> None:
        second_got.append(received)

    async with RabbitMQConsumer(rabbitmq_url, queue, ["test.#"], collect, exchange=names.exchange):

        async def redelivered() -> bool:
            return len(second_got) == 1

        await eventually(redelivered, 10, "the unacknowledged message to come back")
    assert second_got[0].id == message.id
    assert second_got[0].redelivered is True
    assert await _queue_depth(rabbitmq_url, queue) == 0


async def test_a_body_that_is_not_an_envelope_is_rejected_not_looped(
    rabbitmq_url: str, names: Names
) -> None:
    queue = names.queue("poison")
    got: list[ReceivedMessage] = []

    async def collect(received: ReceivedMessage) -> None:
        got.append(received)

    async with RabbitMQConsumer(rabbitmq_url, queue, ["test.#"], collect, exchange=names.exchange):
        connection = await aio_pika.connect(rabbitmq_url, timeout=5)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(names.exchange)
            await exchange.publish(aio_pika.Message(b"garbage"), routing_key="test.poison")
        good = make_message(2, "test.fine")
        async with RabbitMQPublisher(rabbitmq_url, names.exchange, timeout=5) as publisher:
            await publisher.publish([good])

        async def good_arrived() -> bool:
            return len(got) == 1

        await eventually(good_arrived, 10, "the good message")
    assert got[0].id == good.id
    assert await _queue_depth(rabbitmq_url, queue) == 0


async def _redeclare(url: str, queue: str, arguments: dict[str, str]) -> None:
    connection = await aio_pika.connect(url, timeout=5)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(queue, durable=True, arguments=arguments)


@pytest.mark.parametrize(
    ("given", "kind"), [(None, "quorum"), ({}, "classic"), ({"x-queue-type": "classic"}, "classic")]
)
async def test_a_consumer_declares_a_quorum_queue_unless_told_otherwise(
    rabbitmq_url: str, names: Names, given: dict[str, str] | None, kind: str
) -> None:
    queue = names.queue(f"kind-{kind}-{len(given or {})}")

    async def ignore(message: ReceivedMessage) -> None:
        return None

    consumer = RabbitMQConsumer(
        rabbitmq_url, queue, ["test.#"], ignore, exchange=names.exchange, queue_arguments=given
    )
    async with consumer:
        pass
    # RabbitMQ answers a declaration with another type by closing the channel (406): the
    # declaration with the expected type goes through, the other is refused
    await _redeclare(rabbitmq_url, queue, {"x-queue-type": kind})
    other = "classic" if kind == "quorum" else "quorum"
    with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed):
        await _redeclare(rabbitmq_url, queue, {"x-queue-type": other})
