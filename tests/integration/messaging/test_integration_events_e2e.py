"""Integration events end to end: a gift-card domain event, as the unit of work writes it to the
outbox, goes through the relay to RabbitMQ and reaches a consumer's :class:`Subscriber`
decoded into its integration event class, once, through the PostgreSQL inbox; a consumer bound
to version 1 never sees another version; a payload that breaks the schema is rejected, not
looped."""

from __future__ import annotations

import collections
import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tests.integration.messaging.conftest import Names
from tests.integration.messaging.support import eventually, queue_depth
from tests.unit.messaging.support import insert_outbox

from shop_adapters.messaging import (
    Inbox,
    OutboxRelay,
    RabbitMQConsumer,
    RabbitMQPublisher,
    ReceivedMessage,
    Subscriber,
)
from shop_adapters.shared.system import SystemClock
from shop_adapters.sql.messaging_tables import inbox
from shop_app.giftcards.integration import CardSpentV1
from shop_app.shared.integration import REGISTRY, Amount, payload_of
from shop_app.shared.ports import OutboxMessage
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.events import CardSpent
from shop_domain.shared.money import Money

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]


def _spent(n: int, now: dt.datetime) -> tuple[CardSpent, OutboxMessage]:
    """A domain event and the outbox message the unit of work makes of it."""
    event = CardSpent(
        occurred_at=now,
        batch_id=uuid.uuid4(),
        actor="user:1",
        card_id=uuid.uuid4(),
        number=f"{6_000_000_000_000_000 + n:016d}",
        usage_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        amount=Money(1_000 + n, "CNY"),
        balance=Money(9_000 - n, "CNY"),
    )
    published = REGISTRY.to_integration(event)
    assert published is not None
    card = object.__new__(GiftCard)
    message = OutboxMessage(
        id=uuid.uuid4(),
        type=published.type,
        version=published.version,
        payload=payload_of(published),
        occurred_at=now,
        aggregate_type=REGISTRY.aggregate_name(card),
        aggregate_id=str(event.card_id),
    )
    return event, message


async def _inbox_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(inbox)) or 0)


async def test_a_domain_event_reaches_a_subscriber_as_its_integration_event(
    pg_engine: AsyncEngine, rabbitmq_url: str, names: Names
) -> None:
    clock = SystemClock()
    now = clock.now().replace(microsecond=0)
    pairs = [_spent(n, now) for n in range(5)]
    later = OutboxMessage(  # the same event in a version this consumer does not decode
        id=uuid.uuid4(),
        type="giftcards.card_spent",
        version=2,
        payload={"anything": "else"},
        occurred_at=now,
        aggregate_type="giftcards.card",
        aggregate_id="x",
    )
    await insert_outbox(pg_engine, [message for _, message in pairs] + [later], now)

    got: list[tuple[CardSpentV1, ReceivedMessage]] = []

    async def on_spent(event: CardSpentV1, message: ReceivedMessage, conn: AsyncConnection) -> None:
        got.append((event, message))

    billing = Subscriber(Inbox(pg_engine, clock), "test-billing")
    billing.on(CardSpentV1, on_spent)
    assert billing.routing_keys == ["giftcards.card_spent.v1"]
    consumer = RabbitMQConsumer(
        rabbitmq_url,
        names.queue("billing"),
        billing.routing_keys,
        billing,
        exchange=names.exchange,
    )
    async with consumer, RabbitMQPublisher(rabbitmq_url, names.exchange, timeout=5) as publisher:
        relay = OutboxRelay(pg_engine, publisher, clock)
        assert await relay.run_once() == 6
        await publisher.publish([pairs[0][1]])  # published twice: at least once

        async def all_handled() -> bool:
            return len(got) == 5 and await _inbox_rows(pg_engine) == 5

        await eventually(all_handled, 10, "five card spends")

    counts = collections.Counter(message.id for _, message in got)
    assert set(counts.values()) == {1}  # the duplicate did nothing
    by_card = {event.card_id: event for event, _ in got}
    for domain, _ in pairs:
        event = by_card[domain.card_id]
        assert event == CardSpentV1(
            card_id=domain.card_id,
            batch_id=domain.batch_id,
            number=domain.number,
            usage_id=domain.usage_id,
            order_id=domain.order_id,
            amount=Amount(minor=domain.amount.minor, currency="CNY"),
            balance=Amount(minor=domain.balance.minor, currency="CNY"),
        )
    message = got[0][1]
    assert (message.type, message.version, message.aggregate_type) == (
        "giftcards.card_spent",
        1,
        "giftcards.card",
    )
    assert message.routing_key == "giftcards.card_spent.v1"


async def test_a_payload_that_breaks_the_schema_is_rejected_without_requeue(
    pg_engine: AsyncEngine, rabbitmq_url: str, names: Names
) -> None:
    clock = SystemClock()
    now = clock.now()
    _, good = _spent(1, now)
    broken = OutboxMessage(
        id=uuid.uuid4(),
        type=good.type,
        version=good.version,
        payload={**good.payload, "amount": "a lot"},
        occurred_at=now,
        aggregate_type=good.aggregate_type,
        aggregate_id=good.aggregate_id,
    )
    got: list[CardSpentV1] = []

    async def on_spent(event: CardSpentV1, message: ReceivedMessage, conn: AsyncConnection) -> None:
        got.append(event)

    subscriber = Subscriber(Inbox(pg_engine, clock), "test-poison")
    subscriber.on(CardSpentV1, on_spent)
    queue = names.queue("poison-payload")
    consumer = RabbitMQConsumer(
        rabbitmq_url, queue, subscriber.routing_keys, subscriber, exchange=names.exchange
    )
    async with consumer, RabbitMQPublisher(rabbitmq_url, names.exchange, timeout=5) as publisher:
        await publisher.publish([broken, good])

        async def good_handled() -> bool:
            return len(got) == 1

        await eventually(good_handled, 10, "the good message")
    assert got[0].card_id == uuid.UUID(str(good.payload["card_id"]))
    assert await _inbox_rows(pg_engine) == 1  # the broken one left no trace
    assert await queue_depth(rabbitmq_url, queue) == 0  # and was not requeued
