"""Connections are handed out first come, first served, and a request that waits past the bound
gets ``storage.busy`` (issue 10, item 2), on SQLite and PostgreSQL.

The order test is exact: with one connection, a holder that gives it back and asks again at
once goes behind everyone who was already waiting. SQLAlchemy's own asyncio queue fails it (the
holder takes the connection back before the woken waiter runs), which
:func:`test_sqlalchemys_own_queue_lets_the_giver_back_take_it_again` shows, so the order test
can tell a fair pool from an unfair one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.queue import AsyncAdaptedQueue

from shop_adapters.sql.engine import make_engine, reader
from shop_adapters.sql.errors import RETRY_BUSY_SECONDS, TranslatingPool
from shop_adapters.sql.pool import FairQueue
from shop_app.shared.errors import StorageBusy

WAIT = 0.3


@pytest.fixture
async def engine(backend_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(backend_url, pool_size=1, pool_wait=WAIT)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _queue_up(
    engine: AsyncEngine, names: list[str], served: list[str]
) -> list[asyncio.Task[None]]:
    """One task per name, each asking for a connection in that order (each is waiting before
    the next asks), recording when it is served and giving the connection back."""

    async def ask(name: str) -> None:
        async with engine.connect() as conn:
            served.append(name)
            await conn.execute(text("SELECT 1"))

    tasks = []
    for name in names:
        tasks.append(asyncio.create_task(ask(name)))
        await asyncio.sleep(0.02)  # it is waiting now
    return tasks


async def _holder_asks_again(engine: AsyncEngine, served: list[str]) -> None:
    """Hold the only connection while B, C, D line up; give it back and ask again at once."""
    holder = await engine.connect()
    await holder.execute(text("SELECT 1"))
    tasks = await _queue_up(engine, ["B", "C", "D"], served)
    await holder.close()
    async with engine.connect():  # asked again before any woken waiter ran
        served.append("A")
    await asyncio.gather(*tasks)


async def test_a_returned_connection_goes_to_the_longest_waiter(engine: AsyncEngine) -> None:
    served: list[str] = []
    await asyncio.wait_for(_holder_asks_again(engine, served), 10 * WAIT * 4)
    assert served == ["B", "C", "D", "A"]


async def test_sqlalchemys_own_queue_lets_the_giver_back_take_it_again(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What FairQueue replaces: the giver takes its connection back ahead of the waiters."""
    monkeypatch.setattr(TranslatingPool, "_queue_class", AsyncAdaptedQueue)
    unfair = make_engine(str(engine.url), pool_size=1, pool_wait=WAIT)
    try:
        assert isinstance(unfair.pool, AsyncAdaptedQueuePool)
        served: list[str] = []
        await asyncio.wait_for(_holder_asks_again(unfair, served), 10 * WAIT * 4)
        assert served[0] == "A"
    finally:
        await unfair.dispose()


def test_the_pool_uses_the_fair_queue(engine: AsyncEngine) -> None:
    """The hook FairQueue plugs into (``QueuePool._queue_class``) is still what SQLAlchemy's
    pool builds its queue from."""
    assert isinstance(engine.pool, TranslatingPool)
    assert isinstance(engine.pool._pool, FairQueue)


async def test_waiting_past_the_bound_is_storage_busy(engine: AsyncEngine) -> None:
    async with engine.connect() as held:
        await held.execute(text("SELECT 1"))
        started = time.monotonic()
        with pytest.raises(StorageBusy) as busy:
            async with engine.connect():
                pass
        waited = time.monotonic() - started
    assert WAIT * 0.9 <= waited < WAIT + 2.0
    assert busy.value.code == "storage.busy"
    assert busy.value.details == {"retry_after_seconds": RETRY_BUSY_SECONDS}
    # the pool is whole afterwards: the connection given back serves the next caller
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1


async def test_waiters_time_out_in_arrival_order(engine: AsyncEngine) -> None:
    outcomes: list[str] = []

    async def ask(name: str) -> None:
        try:
            async with engine.connect():
                outcomes.append(f"{name} served")
        except StorageBusy:
            outcomes.append(f"{name} busy")

    async with engine.connect() as held:
        await held.execute(text("SELECT 1"))
        first = asyncio.create_task(ask("first"))
        await asyncio.sleep(WAIT / 2)
        second = asyncio.create_task(ask("second"))
        await asyncio.sleep(WAIT * 0.75)  # the first has given up, the second still waits
        assert outcomes == ["first busy"]
    await asyncio.gather(first, second)
    assert outcomes == ["first busy", "second served"]


async def _hand_over_then_cancel(engine: AsyncEngine, outcomes: list[str]) -> None:
    holder = await engine.connect()
    await holder.execute(text("SELECT 1"))

    async def ask(name: str) -> None:
        async with engine.connect():
            outcomes.append(name)

    cancelled = asyncio.create_task(ask("cancelled"))
    await asyncio.sleep(0.02)
    next_in_line = asyncio.create_task(ask("next"))
    await asyncio.sleep(0.02)
    await holder.close()  # handed to "cancelled", which has not run yet...
    cancelled.cancel()  # ...and goes away: the connection must reach "next"
    await asyncio.gather(cancelled, next_in_line, return_exceptions=True)


async def test_a_waiter_that_goes_away_passes_its_connection_on(engine: AsyncEngine) -> None:
    outcomes: list[str] = []
    await asyncio.wait_for(_hand_over_then_cancel(engine, outcomes), 10 * WAIT * 4)
    assert outcomes == ["next"]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    async with engine.connect() as conn:  # and the pool still serves
        assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1


async def test_many_clients_on_few_connections_are_served_evenly(backend_url: str) -> None:
    """40 clients looping on 4 connections for a while: everyone is served as often, give or
    take the turns in flight when the time is up (reads, so that on SQLite the write lock's own
    waiting plays no part)."""
    engine = make_engine(backend_url, pool_size=4, pool_wait=10.0)
    counts = dict.fromkeys(range(40), 0)
    stop = asyncio.Event()

    async def client(number: int) -> None:
        while not stop.is_set():
            async with reader(engine).connect() as conn:
                await conn.execute(text("SELECT 1"))
                await asyncio.sleep(0.002)
            counts[number] += 1

    try:
        tasks = [asyncio.create_task(client(n)) for n in counts]
        await asyncio.sleep(1.5)
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        await engine.dispose()
    served = sorted(counts.values())
    assert served[0] >= 1
    assert served[-1] <= served[0] + 2, served
