"""The inbox makes consumption idempotent: a redelivered message changes nothing twice.

The same behaviours run against the SQL inbox on SQLite and against the memory inbox. In the SQL
case the handler's effect is a write of its own (a follow-up event in the outbox) made on the
inbox's connection, so it commits or rolls back with the inbox row.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Protocol

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tests.unit.messaging.support import make_message

from shop_adapters.messaging import Inbox, MemoryInbox
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.messaging_tables import inbox, outbox


class Boom(Exception):
    pass


class InboxDriver(Protocol):
    async def handle(
        self, consumer: str, message_id: uuid.UUID, *, fail: bool = False, pause: float = 0
    ) -> bool: ...
    async def effects(self) -> int: ...
    async def handled(self, consumer: str, message_id: uuid.UUID) -> bool: ...


class SqlInboxDriver:
    def __init__(self, engine: AsyncEngine, clock: FixedClock) -> None:
        self.engine, self.clock, self.inbox = engine, clock, Inbox(engine, clock)

    async def handle(
        self, consumer: str, message_id: uuid.UUID, *, fail: bool = False, pause: float = 0
    ) -> bool:
        async def effect(conn: AsyncConnection) -> None:
            follow_up = make_message(0, "test.reaction")
            await conn.execute(
                outbox.insert().values(
                    id=follow_up.id,
                    type=follow_up.type,
                    aggregate_type=follow_up.aggregate_type,
                    aggregate_id=str(message_id),
                    payload=dict(follow_up.payload),
                    occurred_at=follow_up.occurred_at,
                    created_at=self.clock.now(),
                    next_attempt_at=self.clock.now(),
                )
            )
            await asyncio.sleep(pause)
            if fail:
                raise Boom("handler failed")

        return await self.inbox.handle_once(consumer, message_id, effect)

    async def effects(self) -> int:
        async with self.engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(outbox)) or 0)

    async def handled(self, consumer: str, message_id: uuid.UUID) -> bool:
        return await self.inbox.was_handled(consumer, message_id)


class MemoryInboxDriver:
    def __init__(self) -> None:
        self.inbox = MemoryInbox()
        self.count = 0

    async def handle(
        self, consumer: str, message_id: uuid.UUID, *, fail: bool = False, pause: float = 0
    ) -> bool:
        async def effect() -> None:
            await asyncio.sleep(pause)
            if fail:
                raise Boom("handler failed")
            self.count += 1

        return await self.inbox.handle_once(consumer, message_id, effect)

    async def effects(self) -> int:
        return self.count

    async def handled(self, consumer: str, message_id: uuid.UUID) -> bool:
        return await self.inbox.was_handled(consumer, message_id)


@pytest.fixture(params=["sqlite", "memory"])
async def inbox_driver(
    request: pytest.FixtureRequest, sqlite_url: str, clock: FixedClock
) -> AsyncIterator[InboxDriver]:
    if request.param == "memory":
        yield MemoryInboxDriver()
        return
    engine = make_engine(sqlite_url)
    try:
        yield SqlInboxDriver(engine, clock)
    finally:
        await engine.dispose()


async def test_a_message_is_handled_once(inbox_driver: InboxDriver) -> None:
    message_id = uuid.uuid4()
    assert await inbox_driver.handle("billing", message_id) is True
    assert await inbox_driver.handle("billing", message_id) is False
    assert await inbox_driver.handle("billing", message_id) is False
    assert await inbox_driver.effects() == 1
    assert await inbox_driver.handled("billing", message_id)


async def test_consumers_are_independent(inbox_driver: InboxDriver) -> None:
    message_id = uuid.uuid4()
    assert await inbox_driver.handle("billing", message_id) is True
    assert await inbox_driver.handle("loyalty", message_id) is True
    assert await inbox_driver.handle("billing", uuid.uuid4()) is True
    assert await inbox_driver.effects() == 3


@pytest.mark.rule("PAY-4")
async def test_a_failed_handler_leaves_no_trace_and_runs_again(inbox_driver: InboxDriver) -> None:
    message_id = uuid.uuid4()
    with pytest.raises(Boom):
        await inbox_driver.handle("billing", message_id, fail=True)
    assert await inbox_driver.effects() == 0
    assert not await inbox_driver.handled("billing", message_id)

    assert await inbox_driver.handle("billing", message_id) is True
    assert await inbox_driver.effects() == 1


async def test_concurrent_duplicates_run_the_handler_once(inbox_driver: InboxDriver) -> None:
    message_id = uuid.uuid4()
    results = await asyncio.gather(
        *(inbox_driver.handle("billing", message_id, pause=0.02) for _ in range(5))
    )
    assert sorted(results) == [False, False, False, False, True]
    assert await inbox_driver.effects() == 1


async def test_sql_inbox_row_commits_with_the_effect(sqlite_url: str, clock: FixedClock) -> None:
    engine = make_engine(sqlite_url)
    try:
        message_id = uuid.uuid4()
        await SqlInboxDriver(engine, clock).handle("billing", message_id)
        async with engine.connect() as conn:
            rows = (await conn.execute(inbox.select())).all()
        assert [(r.consumer, r.message_id, r.handled_at) for r in rows] == [
            ("billing", message_id, clock.now())
        ]
    finally:
        await engine.dispose()
