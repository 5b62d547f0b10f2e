"""A flush's batches in one statement on PostgreSQL (``Link.execute_batches``, decision 0047):
the rows written are exactly those the batches one by one would write — texts with quotes,
JSON, NULLs, times — children beside their parent (foreign keys hold at the statement's end),
an update keyed by a version that has moved changes nothing; a batch that cannot be a part
(two upserts of one row, an array column) sends the batches one by one, with the same result."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.integration.scratch_tables import scratch_tables

from shop_adapters.sql.driver import Link, Prepared, recording
from shop_app.shared.errors import PersistenceInvalidValue

META = MetaData()
PARENTS = Table(
    "bulk_test_parents",
    META,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("doc", JSONB, nullable=True),
    Column("at", DateTime(timezone=True), nullable=True),
    Column("amount", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
)
CHILDREN = Table(
    "bulk_test_children",
    META,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("parent_id", UUID(as_uuid=True), ForeignKey(PARENTS.c.id), nullable=False),
    Column("note", Text, nullable=True),
)
TALLY = Table(
    "bulk_test_tally",
    META,
    Column("key", String(20), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("n", BigInteger, nullable=False),
)
TAGS = Table(
    "bulk_test_tags",
    META,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tags", ARRAY(String), nullable=False),
)

INSERT_PARENT = Prepared(PARENTS.insert())
INSERT_CHILD = Prepared(CHILDREN.insert())
INSERT_TAGS = Prepared(TAGS.insert())
_upsert = pg_insert(TALLY)
UPSERT_TALLY = Prepared(
    _upsert.on_conflict_do_update(
        index_elements=[TALLY.c.key, TALLY.c.slot], set_={"n": TALLY.c.n + _upsert.excluded.n}
    )
)
UPDATE_AMOUNT = Prepared(
    update(PARENTS)
    .where(PARENTS.c.id == bindparam("k_id"), PARENTS.c.version == bindparam("k_version"))
    .values({"amount": bindparam("amount"), "version": bindparam("version")})
)
RENAME = Prepared(
    update(PARENTS)
    .where(PARENTS.c.id == bindparam("k_id"), PARENTS.c.version == bindparam("k_version"))
    .values({"name": bindparam("name"), "version": bindparam("version")})
)
Batches = Sequence[tuple[Prepared, Sequence[Mapping[str, Any]]]]


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    async with scratch_tables(postgres_url, META) as made:
        yield made


async def _send(engine: AsyncEngine, batches: Batches) -> list[str]:
    """``batches`` in one transaction; the statements sent (``BEGIN`` and ``COMMIT`` aside)."""
    link = await Link.taken(engine)
    try:
        with recording() as sent:
            await link.execute_batches(batches)
            await link.commit()
    except Exception:
        await link.rollback()
        raise
    finally:
        await link.give_back()
    return [sql for sql in sent if sql not in ("BEGIN", "COMMIT")]


async def _rows(engine: AsyncEngine, table: Table) -> dict[Any, tuple[Any, ...]]:
    """The table's rows by their first column."""
    async with engine.connect() as conn:
        return {row[0]: tuple(row) for row in (await conn.execute(select(table))).all()}


texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
docs = st.none() | st.dictionaries(
    st.sampled_from(["a", "b'", 'c"']), st.integers(-5, 5) | texts, max_size=3
)
times = st.none() | st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
parents = st.lists(
    st.fixed_dictionaries(
        {
            "name": texts,
            "doc": docs,
            "at": times,
            "amount": st.integers(-(2**62), 2**62),
        }
    ),
    min_size=1,
    max_size=11,  # parts of up to 8 rows read VALUES, larger ones arrays: both are drawn
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(made=parents, notes=st.lists(st.none() | texts, min_size=1, max_size=11))
async def test_a_parent_and_its_children_go_in_one_statement_exactly(
    engine: AsyncEngine, made: list[dict[str, Any]], notes: list[str | None]
) -> None:
    rows = [{**row, "id": uuid.uuid4(), "version": 1} for row in made]
    children = [
        {"id": uuid.uuid4(), "parent_id": rows[n % len(rows)]["id"], "note": note}
        for n, note in enumerate(notes)
    ]
    sent = await _send(engine, [(INSERT_PARENT, rows), (INSERT_CHILD, children)])
    assert len(sent) == 1
    assert sent[0].startswith("WITH b0 AS (INSERT INTO bulk_test_parents")
    written = await _rows(engine, PARENTS)
    for r in rows:
        assert written[r["id"]] == (r["id"], r["name"], r["doc"], r["at"], r["amount"], 1)
    kids = await _rows(engine, CHILDREN)
    for c in children:
        assert kids[c["id"]] == (c["id"], c["parent_id"], c["note"])


@pytest.mark.parametrize("count", [1, 2, 9])
async def test_an_update_keyed_by_a_moved_version_changes_nothing(
    engine: AsyncEngine, count: int
) -> None:
    """One row, a few (``VALUES``) and many (arrays): the stale one is left as it was."""
    ids = [uuid.uuid4() for _ in range(count + 1)]
    base = {"name": "n", "doc": None, "at": None, "amount": 10, "version": 3}
    await _send(engine, [(INSERT_PARENT, [{**base, "id": one} for one in ids])])
    fresh = [{"k_id": one, "k_version": 3, "amount": 11, "version": 4} for one in ids[1:]]
    stale = {"k_id": ids[0], "k_version": 2, "amount": 99, "version": 3}
    sent = await _send(
        engine,
        [
            (UPDATE_AMOUNT, [*fresh, stale] if count > 1 else fresh),
            (UPSERT_TALLY, [{"key": "x", "slot": 0, "n": 1}]),
        ],
    )
    assert len(sent) == 1
    amounts = {key: (r[4], r[5]) for key, r in (await _rows(engine, PARENTS)).items()}
    assert amounts == {one: (10, 3) if one == ids[0] else (11, 4) for one in ids}


@pytest.mark.parametrize(
    ("count", "form"),
    [
        (1, "INSERT INTO bulk_test_children (id, parent_id, note) VALUES ($7, $8, $9))"),
        (3, "VALUES ($7, $8, $9), ($10, $11, $12), ($13, $14, $15))"),
        (8, "($28, $29, $30)) SELECT 1"),
        (9, "SELECT * FROM unnest($7::UUID[], $8::UUID[], $9::VARCHAR[])"),
    ],
)
async def test_a_part_of_a_few_rows_reads_values_and_a_larger_one_arrays(
    engine: AsyncEngine, count: int, form: str
) -> None:
    """Up to eight rows a part's parameters are its values, each typed by its column; beyond,
    one array a column, so that the statement's text stops growing with the rows."""
    parent = {"id": uuid.uuid4(), "name": "p", "doc": None, "at": None, "amount": 1, "version": 1}
    kids = [{"id": uuid.uuid4(), "parent_id": parent["id"], "note": f"n{n}"} for n in range(count)]
    updated = {"k_id": parent["id"], "k_version": 1, "amount": 2, "version": 2}
    sent = await _send(engine, [(INSERT_PARENT, [parent]), (INSERT_CHILD, kids)])
    sent += await _send(engine, [(UPDATE_AMOUNT, [updated]), (INSERT_CHILD, [])])
    assert form in sent[0]
    assert sent[0].count("VALUES") == (2 if count <= 8 else 1)
    assert sent[1].startswith("UPDATE bulk_test_parents SET amount=")  # one batch: alone
    assert await _rows(engine, CHILDREN) == {
        kid["id"]: (kid["id"], kid["parent_id"], kid["note"]) for kid in kids
    }
    assert (await _rows(engine, PARENTS))[parent["id"]][4:] == (2, 2)


async def test_two_upserts_of_one_row_go_one_by_one_and_add_up(engine: AsyncEngine) -> None:
    tallies = [{"key": "k", "slot": 1, "n": 2}, {"key": "k", "slot": 1, "n": 5}]
    child_free = [
        {"id": uuid.uuid4(), "name": "p", "doc": {}, "at": None, "amount": 0, "version": 1}
    ]
    sent = await _send(engine, [(INSERT_PARENT, child_free), (UPSERT_TALLY, tallies)])
    assert [sql.split()[0] for sql in sent] == ["INSERT", "INSERT"]  # no WITH
    assert set((await _rows(engine, TALLY)).values()) == {("k", 1, 7)}
    again = [{"key": "k", "slot": 1, "n": 1}, {"key": "k", "slot": 2, "n": 1}]
    sent = await _send(engine, [(UPSERT_TALLY, again), (INSERT_CHILD, [])])
    assert len(sent) == 1  # one batch left: an executemany
    async with engine.connect() as conn:
        tally = set((await conn.execute(select(TALLY))).all())
    assert tally == {("k", 1, 8), ("k", 2, 1)}


async def test_an_array_column_goes_one_by_one(engine: AsyncEngine) -> None:
    tags = [{"id": uuid.uuid4(), "tags": ["a", "b'c"]}, {"id": uuid.uuid4(), "tags": []}]
    tally = [{"key": "t", "slot": 0, "n": 1}]
    sent = await _send(engine, [(INSERT_TAGS, tags), (UPSERT_TALLY, tally)])
    assert len(sent) == 2
    assert await _rows(engine, TAGS) == {t["id"]: (t["id"], t["tags"]) for t in tags}


@pytest.mark.parametrize("count", [1, 3, 9])
async def test_a_text_too_long_for_its_column_is_refused_not_cut(
    engine: AsyncEngine, count: int
) -> None:
    """A cast to ``VARCHAR(80)`` would cut the text to fit; the column must refuse it instead,
    whatever form the part takes — and the flush then writes nothing at all."""
    base = {"doc": None, "at": None, "amount": 1, "version": 1}
    fits = [{**base, "id": uuid.uuid4(), "name": "n"} for _ in range(count)]
    await _send(engine, [(INSERT_PARENT, fits)])
    long = "x" * 81
    new = [{**base, "id": uuid.uuid4(), "name": long if n == 0 else "n"} for n in range(count)]
    renamed = [{"k_id": row["id"], "k_version": 1, "name": long, "version": 2} for row in fits]
    tally = [{"key": "t", "slot": 0, "n": 1}]
    for batches in (
        [(INSERT_PARENT, new), (UPSERT_TALLY, tally)],
        [(RENAME, renamed), (UPSERT_TALLY, tally)],
    ):
        with pytest.raises(PersistenceInvalidValue):
            await _send(engine, batches)
    assert set(await _rows(engine, PARENTS)) == {row["id"] for row in fits}
    assert {row[1] for row in (await _rows(engine, PARENTS)).values()} == {"n"}
    assert await _rows(engine, TALLY) == {}
