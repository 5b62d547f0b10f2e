"""Reads sent before a unit of work's transaction begins (``Prepared(before_transaction=True)``,
decision 0047), on PostgreSQL: a unit of work that only makes such reads sends no ``BEGIN`` and
no ``COMMIT``; the first other statement begins the transaction, and a read of the kind made
after it is inside it (it sees what the transaction wrote). Starting to pay is such a unit of
work."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.integration.scratch_tables import scratch_tables

from shop_adapters.sql.driver import Link, Prepared, recording

META = MetaData()
NOTES = Table(
    "early_read_test_notes",
    META,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("text", String(40), nullable=False),
    Column("n", Integer, nullable=False),
)
COUNT = Prepared(
    select(NOTES.c.id).where(NOTES.c.text == bindparam("text")), before_transaction=True
)
INSERT = Prepared(NOTES.insert())


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    async with scratch_tables(postgres_url, META) as made:
        yield made


def _shapes(sent: list[str]) -> list[str]:
    return [sql.split()[0] for sql in sent]


async def test_a_unit_that_only_reads_early_sends_no_begin_and_no_commit(
    engine: AsyncEngine,
) -> None:
    link = await Link.taken(engine)
    try:
        with recording() as sent:
            assert await link.fetch(COUNT, {"text": "a"}) == []
            assert await link.fetch(COUNT, {"text": "b"}) == []
            await link.commit()
    finally:
        await link.give_back()
    assert _shapes(sent) == ["SELECT", "SELECT"]


async def test_the_first_other_statement_begins_and_later_reads_are_inside(
    engine: AsyncEngine,
) -> None:
    row = {"id": uuid.uuid4(), "text": "mine", "n": 1}
    link = await Link.taken(engine)
    try:
        with recording() as sent:
            assert await link.fetch(COUNT, {"text": "mine"}) == []
            await link.execute(INSERT, row)
            assert [r[0] for r in await link.fetch(COUNT, {"text": "mine"})] == [row["id"]]
            await link.rollback()
    finally:
        await link.give_back()
    assert _shapes(sent) == ["SELECT", "BEGIN", "INSERT", "SELECT", "ROLLBACK"]
    async with engine.connect() as conn:  # rolled back: the insert was in the transaction
        assert (await conn.execute(select(NOTES))).all() == []
