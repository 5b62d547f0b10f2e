"""A read scope (``read_scope``, decision 0047) on PostgreSQL: the reads of one task inside it
go on one pooled connection, given back at its end; a task started inside reads on a connection
of its own; the same statement with the same parameters is read once; a connection that broke
under a read is dropped and the next read takes another."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Integer, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.driver import Prepared, recording
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.reads import read_records, read_scope
from shop_app.shared.errors import StorageUnavailable

PID = Prepared(  # a salt per call: the scope answers a read made twice from the first
    select(func.pg_backend_pid().label("pid"), bindparam("salt", type_=Integer).label("salt"))
)
SALTS = itertools.count()
PLUS = Prepared(select((bindparam("n", type_=Integer) + 1).label("n")))


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    made = make_engine(postgres_url, pool_size=3)
    yield made
    await made.dispose()


async def pid(engine: AsyncEngine) -> int:
    [row] = await read_records(engine, PID, {"salt": next(SALTS)})
    return int(row.pid)


def checked_out(engine: AsyncEngine) -> int:
    return int(engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


async def test_one_task_reads_on_one_connection_given_back_at_the_end(
    engine: AsyncEngine,
) -> None:
    async with read_scope(engine):
        assert checked_out(engine) == 0  # taken at the first read, not before
        pids = {await pid(engine) for _ in range(5)}
        assert len(pids) == 1
        assert checked_out(engine) == 1
    assert checked_out(engine) == 0
    outside = [await pid(engine) for _ in range(3)]  # each read takes and gives back one
    assert checked_out(engine) == 0
    assert outside  # some connection of the pool answered


async def test_a_task_started_inside_reads_on_a_connection_of_its_own(
    engine: AsyncEngine,
) -> None:
    async with read_scope(engine):
        mine = await pid(engine)
        other = await asyncio.create_task(pid(engine))
        assert other != mine  # never two reads at once on one connection
        assert await pid(engine) == mine


async def test_a_connection_that_broke_is_dropped_and_the_next_read_takes_another(
    engine: AsyncEngine,
) -> None:
    async with read_scope(engine):
        first = await pid(engine)
        async with engine.connect() as admin:  # the server ends that session
            await admin.execute(text(f"SELECT pg_terminate_backend({first})"))
        await asyncio.sleep(0.05)
        with pytest.raises(StorageUnavailable):
            await pid(engine)
        second = await pid(engine)
        assert second != first
    assert checked_out(engine) == 0


async def test_the_same_read_twice_in_a_scope_is_sent_once(engine: AsyncEngine) -> None:
    with recording() as sent:
        async with read_scope(engine):
            first = await read_records(engine, PLUS, {"n": 1})
            first.clear()  # the caller's list: the scope keeps its own
            again = await read_records(engine, PLUS, {"n": 1})
            other = await read_records(engine, PLUS, {"n": 2})
        outside = await read_records(engine, PLUS, {"n": 1})
    assert [row.n for row in again] == [2]
    assert [row.n for row in other] == [3]
    assert [row.n for row in outside] == [2]
    assert len(sent) == 3  # n=1 and n=2 in the scope, n=1 again outside it
