"""Which statements may be a part of a flush's one statement on PostgreSQL (decision 0047):
plain inserts and upserts, updates that assign parameters by key and version — never an
update that computes, a statement that returns rows, or a column that is an array."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import ARRAY, Column, Integer, MetaData, String, Table, bindparam, insert, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert

from shop_adapters.sql.driver import Prepared

META = MetaData()
T = Table(
    "t",
    META,
    Column("id", Integer, primary_key=True),
    Column("n", Integer),
    Column("s", String(10)),
    Column("version", Integer),
)
TAGS = Table("tags", META, Column("id", Integer, primary_key=True), Column("tags", ARRAY(String)))
KEYED = (T.c.id == bindparam("k_id"), T.c.version == bindparam("k_version"))
_upsert = pg_insert(T)
DIALECT = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]

CASES: dict[str, tuple[Any, bool]] = {
    "insert": (insert(T), True),
    "upsert": (
        _upsert.on_conflict_do_update(index_elements=[T.c.id], set_={"n": _upsert.excluded.n}),
        True,
    ),
    "insert or nothing": (_upsert.on_conflict_do_nothing(), True),
    "update by key and version": (
        update(T).where(*KEYED).values({"n": bindparam("n"), "s": bindparam("s")}),
        True,
    ),
    "update that adds": (update(T).where(*KEYED).values({"n": T.c.n + bindparam("n")}), False),
    "update by another column": (
        update(T).where(T.c.s == bindparam("k_s")).values({"n": bindparam("n")}),
        True,
    ),
    "update with OR": (
        update(T).where((T.c.id == bindparam("k_id")) | (T.c.n == 0)).values({"n": 1}),
        False,
    ),
    "insert returning": (insert(T).returning(T.c.id), False),
    "array column": (insert(TAGS), False),
}


@pytest.mark.parametrize(("statement", "takes"), CASES.values(), ids=CASES.keys())
def test_a_statement_is_a_part_only_when_arrays_can_carry_its_rows(
    statement: Any, takes: bool
) -> None:
    assert (Prepared(statement).compiled(DIALECT).part is not None) is takes


def test_an_upsert_part_refuses_two_rows_of_one_key() -> None:
    part = (
        Prepared(
            _upsert.on_conflict_do_update(index_elements=[T.c.id], set_={"n": _upsert.excluded.n})
        )
        .compiled(DIALECT)
        .part
    )
    assert part is not None
    assert part.takes([(1, 5, "a", 1), (2, 5, "a", 1)])
    assert not part.takes([(1, 5, "a", 1), (1, 6, "b", 1)])
