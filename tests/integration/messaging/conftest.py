"""Fixtures of the broker tests: a PostgreSQL engine and names unique to each test, with the
exchange and queues deleted afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import aio_pika
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.engine import make_engine


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(postgres_url)
    yield engine
    await engine.dispose()


class Names:
    def __init__(self) -> None:
        suffix = uuid.uuid4().hex[:10]
        self.exchange = f"shop.test.events.{suffix}"
        self.queue_prefix = f"shop.test.q.{suffix}"
        self.queues: list[str] = []

    def queue(self, role: str) -> str:
        name = f"{self.queue_prefix}.{role}"
        self.queues.append(name)
        return name


@pytest.fixture
async def names(rabbitmq_url: str) -> AsyncIterator[Names]:
    created = Names()
    yield created
    connection = await aio_pika.connect(rabbitmq_url, timeout=5)
    async with connection:
        for queue in created.queues:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(queue)
        channel = await connection.channel()
        with contextlib.suppress(Exception):
            await channel.exchange_delete(created.exchange)
