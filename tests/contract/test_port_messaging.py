"""The publisher's contract (shop_testing.contracts.messaging) over the in-memory publisher and
RabbitMQ; each RabbitMQ test has an exchange and a queue of its own, deleted after it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import aio_pika
import pytest

from shop_adapters.messaging import InMemoryPublisher, RabbitMQConsumer, RabbitMQPublisher
from shop_testing.contracts.messaging import EventPublisherContract, Received


class TestInMemoryPublisher(EventPublisherContract):
    @pytest.fixture
    def received(self) -> Received:
        return Received()

    @pytest.fixture
    async def publisher(self, received: Received) -> AsyncIterator[InMemoryPublisher]:
        publisher = InMemoryPublisher()
        publisher.subscribe("*", received)
        yield publisher
        await publisher.close()

    @pytest.fixture
    def unreachable(self) -> InMemoryPublisher:
        publisher = InMemoryPublisher()
        publisher.fail_always()
        return publisher


@pytest.mark.rabbitmq
class TestRabbitMQPublisher(EventPublisherContract):
    @pytest.fixture
    async def exchange(self, rabbitmq_url: str) -> AsyncIterator[str]:
        name = f"shop.test.port.{uuid.uuid4().hex[:10]}"
        yield name
        connection = await aio_pika.connect(rabbitmq_url, timeout=5)
        async with connection:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(name)
            with contextlib.suppress(Exception):
                await channel.exchange_delete(name)

    @pytest.fixture
    async def received(self, rabbitmq_url: str, exchange: str) -> AsyncIterator[Received]:
        received = Received()
        consumer = RabbitMQConsumer(
            rabbitmq_url, exchange, ["#"], received, exchange=exchange, queue_arguments={}
        )
        async with consumer:
            yield received

    @pytest.fixture
    async def publisher(
        self, rabbitmq_url: str, exchange: str, received: Received
    ) -> AsyncIterator[RabbitMQPublisher]:
        publisher = RabbitMQPublisher(rabbitmq_url, exchange, timeout=10)
        yield publisher
        await publisher.close()

    @pytest.fixture
    def unreachable(self) -> RabbitMQPublisher:
        """A broker address where nothing listens."""
        return RabbitMQPublisher("amqp://guest:guest@127.0.0.1:9/", timeout=2)
