"""The batch publisher's handling of the broker's confirmations, against a real RabbitMQ.

Proves: batches in flight together are each settled by the broker's acknowledgements (which
RabbitMQ sends with ``multiple`` set, covering many tags at once) and leave nothing pending; a
message the broker refuses (``Basic.Nack``: here a full queue with ``reject-publish``) fails its
batch with ``PublishFailed``, and the batches around it are unaffected.
"""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from tests.integration.messaging.conftest import Names
from tests.integration.messaging.support import eventually, queue_depth
from tests.unit.messaging.support import make_message

from shop_adapters.messaging import PublishFailed, RabbitMQPublisher

pytestmark = [pytest.mark.rabbitmq]


async def _queue(url: str, names: Names, role: str, arguments: dict[str, object]) -> str:
    name = names.queue(role)
    connection = await aio_pika.connect(url, timeout=5)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            names.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(name, durable=True, arguments=arguments)
        await queue.bind(exchange, "test.#")
    return name


async def test_batches_in_flight_together_are_all_confirmed(
    rabbitmq_url: str, names: Names
) -> None:
    queue = await _queue(rabbitmq_url, names, "many", {"x-queue-type": "quorum"})
    batches = [[make_message(b * 1000 + n, "test.many") for n in range(700)] for b in range(4)]
    async with RabbitMQPublisher(rabbitmq_url, names.exchange, timeout=10) as publisher:
        await asyncio.gather(*(publisher.publish(batch) for batch in batches))
        underlay = await publisher._batch_channel()
        assert underlay.channel.confirmations == {}  # every tag settled, none left behind

    async def arrived() -> bool:
        return await queue_depth(rabbitmq_url, queue) == 2800

    await eventually(arrived, 10, "every message in the queue")


async def test_a_refused_message_fails_its_batch_only(rabbitmq_url: str, names: Names) -> None:
    arguments = {"x-max-length": 3, "x-overflow": "reject-publish"}
    await _queue(rabbitmq_url, names, "full", arguments)
    async with RabbitMQPublisher(rabbitmq_url, names.exchange, timeout=10) as publisher:
        await publisher.publish([make_message(n, "test.fits") for n in range(3)])
        with pytest.raises(PublishFailed, match="refused"):
            await publisher.publish([make_message(10 + n, "test.overflows") for n in range(5)])
        # the channel is still usable, and nothing of the failed batch is left pending
        await publisher.publish([make_message(20, "nobody.listens")])
        underlay = await publisher._batch_channel()
        assert underlay.channel.confirmations == {}
