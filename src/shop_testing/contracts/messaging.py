"""The contract of :class:`~shop_app.shared.ports.EventPublisher`, the port the outbox relay
publishes integration messages through.

Subclass :class:`EventPublisherContract` once per broker, giving it three fixtures::

    class TestMyBroker(EventPublisherContract):
        @pytest.fixture
        async def received(self) -> AsyncIterator[Received]:
            received = Received()
            ...  # a consumer of every message of the broker, running ``received`` for each
            yield received

        @pytest.fixture
        async def publisher(self, received: Received) -> AsyncIterator[MyPublisher]:
            publisher = MyPublisher(...)
            yield publisher
            await publisher.close()

        @pytest.fixture
        def unreachable(self) -> MyPublisher: ...   # the same kind, its broker down

The consumer must be listening before the test publishes (ask for ``received`` in
``publisher``). A test may close ``publisher`` itself, so its teardown closes it a second time.
A consumer gets :attr:`~EventPublisherContract.delivery_seconds` to see what was published.

The promises (the port's documentation and :mod:`shop_adapters.messaging`): once ``publish``
returned, every message of the batch reaches consumers — even if the publisher is closed at
once —, whole (id, type, version, aggregate, time, payload) and in the batch's order; batches
published concurrently (the relay keeps two in flight) all arrive, each in its order; when the
broker cannot take them, ``publish`` raises. A message may arrive twice (at least once): the
checks look at the first arrival of each id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import attrs
import pytest

from shop_adapters.messaging.envelope import ReceivedMessage
from shop_app.shared.ports import EventPublisher, OutboxMessage

T0 = dt.datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)

PAYLOADS: tuple[dict[str, Any], ...] = (
    {
        "card_id": "0190a000-0000-7000-8000-000000000001",
        "amount": {"minor": 5000, "currency": "CNY"},
    },
    {"text": "naïve café — 礼品卡 🎁", "empty": "", "none": None, "flags": [True, False]},
    {"big": 2**53 + 1, "negative": -7, "ratio": 0.1, "nested": {"list": [[1], {"a": []}]}},
    {},
)


class Received:
    """What a consumer received: run it as the consumer's handler (an
    :data:`~shop_adapters.messaging.MessageHandler`), then :meth:`wait_for` the messages."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMessage] = []
        self._arrival = asyncio.Event()

    async def __call__(self, message: ReceivedMessage) -> None:
        self.messages.append(message)
        self._arrival.set()

    async def wait_for(self, count: int, within: float = 10.0) -> list[ReceivedMessage]:
        """The first arrival of each message id, in arrival order, once ``count`` distinct
        messages arrived; fails the test if they did not within ``within`` seconds."""
        try:
            async with asyncio.timeout(within):
                while len(first_arrivals(self.messages)) < count:
                    self._arrival.clear()
                    await self._arrival.wait()
        except TimeoutError:
            got = len(first_arrivals(self.messages))
            pytest.fail(f"{got} of {count} messages arrived within {within}s")
        return first_arrivals(self.messages)


def first_arrivals(messages: Sequence[ReceivedMessage]) -> list[ReceivedMessage]:
    seen: set[uuid.UUID] = set()
    first = []
    for message in messages:
        if message.id not in seen:
            seen.add(message.id)
            first.append(message)
    return first


@attrs.frozen
class Seen:
    """What a consumer learns of a message: everything the outbox row carried."""

    id: uuid.UUID
    type: str
    version: int
    aggregate_type: str
    aggregate_id: str
    occurred_at: dt.datetime
    payload: dict[str, Any]

    @classmethod
    def of(cls, message: OutboxMessage | ReceivedMessage) -> Seen:
        return cls(
            message.id,
            message.type,
            message.version,
            message.aggregate_type,
            message.aggregate_id,
            message.occurred_at,
            dict(message.payload),
        )


def seen(batch: Sequence[OutboxMessage | ReceivedMessage]) -> list[Seen]:
    return [Seen.of(message) for message in batch]


def messages(count: int, batch: str = "a") -> list[OutboxMessage]:
    """``count`` outbox messages of assorted types, versions and payloads."""
    return [
        OutboxMessage(
            id=uuid.uuid4(),
            type=f"contract.thing_{'happened' if n % 2 else 'changed'}",
            payload={**PAYLOADS[n % len(PAYLOADS)], "batch": batch, "n": n},
            occurred_at=T0 + dt.timedelta(seconds=n, microseconds=n),
            aggregate_type="contract.thing",
            aggregate_id=f"thing-{batch}-{n}",
            version=1 + n % 3,
        )
        for n in range(count)
    ]


@pytest.mark.asyncio
class EventPublisherContract:
    """The publisher port's promises; see the module documentation for the fixtures."""

    delivery_seconds: float = 10.0
    """How long the consumer may take to see what was published."""

    async def test_a_batch_arrives_whole_and_in_order(
        self, publisher: EventPublisher, received: Received
    ) -> None:
        batch = messages(8)
        await publisher.publish(batch)
        assert seen(await received.wait_for(len(batch), self.delivery_seconds)) == seen(batch)

    async def test_batches_in_flight_together_all_arrive_each_in_its_order(
        self, publisher: EventPublisher, received: Received
    ) -> None:
        batches = [messages(25, batch) for batch in ("a", "b", "c")]
        await asyncio.gather(*(publisher.publish(batch) for batch in batches))
        arrived = seen(await received.wait_for(75, self.delivery_seconds))
        for batch in batches:
            ids = {m.id for m in batch}
            assert [m for m in arrived if m.id in ids] == seen(batch)

    async def test_what_publish_confirmed_arrives_although_the_publisher_closes_at_once(
        self, publisher: EventPublisher, received: Received
    ) -> None:
        """On return the broker has confirmed the batch: nothing waits in the publisher."""
        batch = messages(5)
        await publisher.publish(batch)
        await publisher.close()
        assert seen(await received.wait_for(len(batch), self.delivery_seconds)) == seen(batch)

    async def test_a_broker_that_cannot_take_the_batch_fails_the_publication(
        self, unreachable: EventPublisher
    ) -> None:
        """The relay marks rows sent only when ``publish`` returned: a failure must raise."""
        try:
            await unreachable.publish(messages(3))
        except Exception:
            return
        finally:
            await unreachable.close()
        pytest.fail("publish returned although the broker could not take the messages")


__all__ = ["EventPublisherContract", "Received", "messages"]
