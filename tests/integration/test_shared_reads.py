"""Reads outside a unit of work (``read_records``) on every backend: each takes a pooled
connection of its own, except inside ``one_connection``, where they share one — taken at the
first read, one read at a time even when the reads run concurrently, given back at the end —
and inside a unit of work, whose transaction they join."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Integer, bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.shared.system import FixedClock, UuidV7Generator
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.engine import make_engine, reader
from shop_adapters.sql.reads import one_connection, read_records
from shop_adapters.sql.uow import SqlUnitOfWork

_ECHO = Prepared(select(bindparam("n", type_=Integer).label("n")))


@pytest.fixture
async def engine(backend_url: str) -> AsyncIterator[AsyncEngine]:
    made = make_engine(backend_url, pool_size=3)
    try:
        yield made
    finally:
        await made.dispose()


def _checkouts(engine: AsyncEngine) -> list[Any]:
    taken: list[Any] = []
    event.listen(engine.sync_engine.pool, "checkout", lambda *args: taken.append(args[0]))
    return taken


async def test_each_read_takes_a_pooled_connection_of_its_own(engine: AsyncEngine) -> None:
    taken = _checkouts(engine)
    rows = [await read_records(reader(engine), _ECHO, {"n": n}) for n in range(3)]
    assert [r[0].n for r in rows] == [0, 1, 2]
    assert len(taken) == 3


async def test_reads_inside_one_connection_share_one(engine: AsyncEngine) -> None:
    taken = _checkouts(engine)
    async with one_connection(engine):
        first = await read_records(reader(engine), _ECHO, {"n": 1})
        # concurrent reads wait their turn on the one connection instead of failing
        more = await asyncio.gather(*(read_records(engine, _ECHO, {"n": n}) for n in range(5)))
    assert first[0].n == 1
    assert [r[0].n for r in more] == [0, 1, 2, 3, 4]
    assert len(taken) == 1
    assert engine.sync_engine.pool.checkedout() == 0  # given back at the end


async def test_one_connection_takes_nothing_when_nothing_is_read(engine: AsyncEngine) -> None:
    taken = _checkouts(engine)
    async with one_connection(engine):
        pass
    assert taken == []


async def test_a_read_inside_a_unit_of_work_joins_its_transaction(engine: AsyncEngine) -> None:
    taken = _checkouts(engine)
    unit = SqlUnitOfWork(engine, FixedClock(), UuidV7Generator())
    async with one_connection(engine), unit as uow:
        rows = await read_records(engine, _ECHO, {"n": 7})
        assert uow.link.postgres == (engine.dialect.name == "postgresql")
    assert rows[0].n == 7
    assert len(taken) == 1  # the unit of work's connection only
