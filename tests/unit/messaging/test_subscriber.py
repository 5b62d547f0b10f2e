"""A consumer takes integration events through :class:`Subscriber`: decoded by (type, version)
into their class, once per message id (the SQL inbox, here on SQLite), other versions ignored,
and a payload that breaks the schema refused as poison."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

import attrs
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tests.unit.messaging.support import T0

from shop_adapters.messaging import Inbox, ReceivedMessage, Subscriber, UndecodablePayload
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.messaging_tables import inbox
from shop_app.shared.integration import Amount, IntegrationEvent, payload_of


@attrs.frozen(kw_only=True)
class PaidV1(IntegrationEvent):
    type: ClassVar[str] = "test.paid"
    version: ClassVar[int] = 1
    order_id: uuid.UUID
    amount: Amount
    paid_at: dt.datetime


def _received(event: IntegrationEvent, *, version: int | None = None) -> ReceivedMessage:
    return ReceivedMessage(
        id=uuid.uuid4(),
        type=event.type,
        version=event.version if version is None else version,
        aggregate_type="test.order",
        aggregate_id="o-1",
        occurred_at=T0,
        payload=payload_of(event),
    )


async def _handled(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.scalars(select(inbox.c.consumer))).all())


async def test_events_are_decoded_once_and_other_versions_ignored(
    sqlite_engine: AsyncEngine, clock: FixedClock
) -> None:
    got: list[PaidV1] = []

    async def on_paid(event: PaidV1, message: ReceivedMessage, conn: AsyncConnection) -> None:
        assert message.type == "test.paid"
        got.append(event)

    subscriber = Subscriber(Inbox(sqlite_engine, clock), "test-points")
    subscriber.on(PaidV1, on_paid)
    assert subscriber.routing_keys == ["test.paid.v1"]
    paid = PaidV1(order_id=uuid.uuid4(), amount=Amount(minor=1999, currency="CNY"), paid_at=T0)
    message = _received(paid)
    await subscriber(message)
    await subscriber(message)  # a redelivery
    await subscriber(_received(paid, version=2))  # not subscribed: ignored
    assert got == [paid]
    assert await _handled(sqlite_engine) == ["test-points"]
    with pytest.raises(ValueError, match="already handles"):
        subscriber.on(PaidV1, on_paid)


async def test_a_handler_failure_rolls_back_the_inbox_row(
    sqlite_engine: AsyncEngine, clock: FixedClock
) -> None:
    calls = 0

    async def flaky(event: PaidV1, message: ReceivedMessage, conn: AsyncConnection) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the database hiccuped")

    subscriber = Subscriber(Inbox(sqlite_engine, clock), "test-flaky")
    subscriber.on(PaidV1, flaky)
    message = _received(
        PaidV1(order_id=uuid.uuid4(), amount=Amount(minor=1, currency="CNY"), paid_at=T0)
    )
    with pytest.raises(RuntimeError):
        await subscriber(message)
    assert await _handled(sqlite_engine) == []
    await subscriber(message)  # the broker's redelivery
    assert calls == 2
    assert await _handled(sqlite_engine) == ["test-flaky"]


async def test_a_payload_that_breaks_the_schema_is_poison(
    sqlite_engine: AsyncEngine, clock: FixedClock
) -> None:
    async def never(event: PaidV1, message: ReceivedMessage, conn: AsyncConnection) -> None:
        raise AssertionError("a broken payload reached the handler")

    subscriber = Subscriber(Inbox(sqlite_engine, clock), "test-poison")
    subscriber.on(PaidV1, never)
    event = PaidV1(order_id=uuid.uuid4(), amount=Amount(minor=1, currency="CNY"), paid_at=T0)
    good = payload_of(event)
    for broken in (
        {**good, "amount": {"minor": 1.5, "currency": "CNY"}},
        {**good, "paid_at": "2026-01-01T00:00:00"},  # no time zone
        {key: value for key, value in good.items() if key != "order_id"},
    ):
        message = attrs.evolve(_received(event), payload=broken)
        with pytest.raises(UndecodablePayload):
            await subscriber(message)
    assert await _handled(sqlite_engine) == []
