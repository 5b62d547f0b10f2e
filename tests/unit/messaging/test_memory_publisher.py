"""The in-memory publisher: ordered record, simulated outages, in-process subscriptions."""

from __future__ import annotations

import uuid

import pytest
from tests.unit.messaging.support import make_message

from shop_adapters.messaging import InMemoryPublisher, PublishFailed, ReceivedMessage
from shop_adapters.messaging.envelope import decode, encode


async def test_keeps_published_messages_in_order() -> None:
    publisher = InMemoryPublisher()
    first, second = [make_message(n) for n in range(3)], [make_message(n) for n in range(3, 5)]
    await publisher.publish(first)
    await publisher.publish(second)
    assert publisher.published == first + second


async def test_can_be_told_to_fail() -> None:
    publisher = InMemoryPublisher()
    publisher.fail_next(2)
    for _ in range(2):
        with pytest.raises(PublishFailed):
            await publisher.publish([make_message(0)])
    await publisher.publish([make_message(1)])
    publisher.fail_always()
    with pytest.raises(PublishFailed):
        await publisher.publish([make_message(2)])
    publisher.recover()
    await publisher.publish([make_message(3)])
    assert [m.payload["n"] for m in publisher.published] == [1, 3]


async def test_subscribers_get_messages_of_their_type_and_wildcard() -> None:
    publisher = InMemoryPublisher()
    got: dict[str, list[uuid.UUID]] = {"placed": [], "all": []}

    async def on_placed(message: ReceivedMessage) -> None:
        got["placed"].append(message.id)

    async def on_all(message: ReceivedMessage) -> None:
        got["all"].append(message.id)

    publisher.subscribe("ordering.order_placed", on_placed)
    publisher.subscribe("*", on_all)
    placed, other = make_message(1, "ordering.order_placed"), make_message(2, "catalog.changed")
    await publisher.publish([placed, other])
    assert got == {"placed": [placed.id], "all": [placed.id, other.id]}

    publisher.unsubscribe("*", on_all)
    await publisher.publish([make_message(3, "catalog.changed")])
    assert len(got["all"]) == 2


async def test_a_failing_subscriber_fails_the_publication() -> None:
    publisher = InMemoryPublisher()

    async def broken(message: ReceivedMessage) -> None:
        raise RuntimeError("nope")

    publisher.subscribe("test.thing_happened", broken)
    with pytest.raises(PublishFailed, match="RuntimeError"):
        await publisher.publish([make_message(1)])
    assert publisher.published == []


async def test_closed_publisher_refuses() -> None:
    publisher = InMemoryPublisher()
    await publisher.close()
    with pytest.raises(PublishFailed):
        await publisher.publish([make_message(1)])


def test_envelope_round_trip() -> None:
    message = make_message(7, "ordering.order_placed")
    received = decode(encode(message), redelivered=True, routing_key="ordering.order_placed.v1")
    assert received == ReceivedMessage.of(message, redelivered=True)
    with pytest.raises(ValueError, match="envelope"):
        decode(b'{"id": "x"}')
    with pytest.raises(ValueError):
        decode(b"not json")
