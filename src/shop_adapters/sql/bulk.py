"""A flush's batches sent as one statement on PostgreSQL (decision 0047).

The tracker writes a flush as a few ``executemany`` batches — an order's row, its children,
its lines; a points account's update, its entries — each one round trip. On PostgreSQL the
batches of one flush become the parts of one statement instead: each ``INSERT`` or ``UPDATE``
a data-modifying ``WITH`` part that reads its rows from one array per parameter
(``unnest($1::uuid[], $2::bigint[], …)``), so the statement's text depends on which batches
there are, never on how many rows each has, and is prepared once per connection like any
other.

Within one statement every part sees the same snapshot and no part sees another's rows; that
is all a flush needs: each row appears in one part at most, and foreign keys are checked when
the whole statement ends, so an order's lines may go in beside the order itself. A part whose
rows could not be read from arrays (a column that is an array itself, a value fixed in the
statement) makes the batches go one by one, as on SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Insert, Update

_INSERT = re.compile(
    r"^INSERT INTO \S+ \((?P<columns>[^()]*)\) VALUES \((?P<values>.*?)\)(?P<tail>.*)$"
)
_ON_CONFLICT = re.compile(
    r"^ ON CONFLICT (?:\((?P<target>[^()]*)\) )?DO (?P<action>UPDATE SET .*|NOTHING)$"
)
_PLAIN_UPDATE = re.compile(r"^UPDATE \S+ SET (?P<sets>.*) WHERE [^()]*$")
_PLAIN_SET = re.compile(r'^"?\w+"?=\$\d+(::[A-Z][\w ]*(\(\d+(, ?\d+)?\))?)?$')
"""One assignment of a parameter as it is (``state=$1``, ``seq=$3::BIGINT``): not an
expression, which a part reading arrays would turn into a plain assignment."""
_KEY = "k_"  # the prefix of an update's key parameters: ``k_id``, ``k_version`` (TableMap)
_MOST_KEPT = 500


class Part:
    """One ``INSERT`` or ``UPDATE`` of a batch as a ``WITH`` part reading arrays."""

    __slots__ = ("_render", "size", "unique")

    def __init__(self, render: Any, size: int, unique: tuple[int, ...] = ()) -> None:
        self._render = render
        self.size = size
        """How many arrays (parameters) it reads."""
        self.unique = unique
        """The parameters an ``ON CONFLICT … DO UPDATE`` part's rows must not share all of:
        one statement cannot update a row twice."""

    def takes(self, rows: Sequence[Sequence[Any]]) -> bool:
        """Whether ``rows`` can go in as this part (no two upserting the same row)."""
        unique = self.unique
        if not unique or len(rows) < 2:
            return True
        return len({tuple(row[i] for i in unique) for row in rows}) == len(rows)

    def sql(self, first: int) -> str:
        """The part, its arrays numbered from ``$first``."""
        rendered: str = self._render(first)
        return rendered


def part_of(
    statement: Any,
    names: Sequence[str],
    constants: Mapping[str, Any],
    dialect: Dialect,
    compiled_sql: str,
    types: Mapping[str, Any],
) -> Part | None:
    """``statement`` (its parameters ``names`` in order, of ``types``) as a part, or ``None``
    when it is not a plain ``INSERT … VALUES`` or ``UPDATE … SET … WHERE key`` of one row."""
    if constants or not names or "RETURNING" in compiled_sql:
        return None
    casts = []
    for name in names:
        cast = types[name].dialect_impl(dialect).compile(dialect=dialect)
        if cast.endswith("]"):  # an array column: unnest would flatten it
            return None
        casts.append(cast)
    quote = dialect.identifier_preparer.quote
    if isinstance(statement, Insert):
        return _insert_part(statement, names, casts, dialect, compiled_sql)
    plain = _PLAIN_UPDATE.match(compiled_sql) if isinstance(statement, Update) else None
    if plain is not None:
        if not all(_PLAIN_SET.match(one.strip()) for one in plain.group("sets").split(", ")):
            return None
        table = dialect.identifier_preparer.format_table(statement.table)
        keys = [name for name in names if name.startswith(_KEY)]
        sets = [name for name in names if not name.startswith(_KEY)]
        known = set(statement.table.c.keys())
        if not keys or set(sets) - known or {k[len(_KEY) :] for k in keys} - known:
            return None
        if compiled_sql.count(" = ") != len(keys) or " OR " in compiled_sql:
            return None  # a WHERE that is not the key's equalities
        assigned = ", ".join(f"{quote(name)} = v_.{quote(name)}" for name in sets)
        where = " AND ".join(f"t_.{quote(k[len(_KEY) :])} = v_.{quote(k)}" for k in keys)
        aliases = ", ".join(quote(name) for name in names)
        return Part(
            lambda first: (
                f"UPDATE {table} AS t_ SET {assigned} FROM {_arrays(casts, first)} "
                f"AS v_({aliases}) WHERE {where}"
            ),
            len(names),
        )
    return None


def _insert_part(
    statement: Insert, names: Sequence[str], casts: list[str], dialect: Dialect, sql: str
) -> Part | None:
    """``INSERT … VALUES …`` (with an ``ON CONFLICT`` clause that binds nothing, or none) as
    ``INSERT … SELECT * FROM unnest(…)``."""
    found = _INSERT.match(sql)
    if found is None or set(names) - set(statement.table.c.keys()):
        return None
    tail = found.group("tail")
    unique: tuple[int, ...] = ()
    if tail:
        conflict = _ON_CONFLICT.match(tail)
        if conflict is None or "$" in tail:
            return None
        if conflict.group("action") != "NOTHING":
            if conflict.group("target") is None:
                return None
            target = [name.strip().strip('"') for name in conflict.group("target").split(",")]
            if set(target) - set(names):
                return None
            unique = tuple(names.index(name) for name in target)
    if found.group("values").count("$") != len(names):
        return None
    table = dialect.identifier_preparer.format_table(statement.table)
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    return Part(
        lambda first: (
            f"INSERT INTO {table} ({columns}) SELECT * FROM {_arrays(casts, first)}{tail}"
        ),
        len(names),
        unique,
    )


def _arrays(casts: Sequence[str], first: int) -> str:
    return "unnest(" + ", ".join(f"${first + i}::{cast}[]" for i, cast in enumerate(casts)) + ")"


_COMBINED: dict[tuple[Any, ...], str] = {}


def combined_sql(key: tuple[Any, ...], parts: Sequence[Part]) -> str:
    """The one statement of ``parts`` (kept by ``key``, the batches' statements)."""
    found = _COMBINED.get(key)
    if found is None:
        if len(_COMBINED) >= _MOST_KEPT:
            _COMBINED.clear()
        first, pieces = 1, []
        for n, part in enumerate(parts):
            pieces.append(f"b{n} AS ({part.sql(first)})")
            first += part.size
        found = _COMBINED[key] = "WITH " + ", ".join(pieces) + " SELECT 1"
    return found


def combined_statement(
    dialect: Dialect, batches: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]]
) -> tuple[str, list[Any]] | None:
    """The one statement of ``batches`` (``Prepared`` statements and their rows) and its
    arrays, or ``None`` when there is one batch only, or one cannot be a part."""
    if len(batches) < 2:
        return None
    parts: list[Part] = []
    values: list[list[Sequence[Any]]] = []
    for statement, rows in batches:
        compiled = statement.compiled(dialect)
        part = compiled.part
        if part is None:
            return None
        arguments = [compiled.arguments(row) for row in rows]
        if not part.takes(arguments):
            return None
        parts.append(part)
        values.append(arguments)
    sql = combined_sql(tuple(statement for statement, _ in batches), parts)
    columns: list[Any] = []
    for part, arguments in zip(parts, values, strict=True):
        columns += columns_of(arguments, part.size)
    return sql, columns


class _Sends(Protocol):
    async def execute_batches(
        self, batches: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]]
    ) -> None: ...


class Batch:
    """Statements of a flush sent together: one batch per statement, in the order each was
    first added — on PostgreSQL all in one round trip (``Link.execute_batches``)."""

    def __init__(self) -> None:
        self._groups: dict[int, tuple[Any, list[Mapping[str, Any]]]] = {}

    def add(self, statement: Any, params: Mapping[str, Any]) -> None:
        self._groups.setdefault(id(statement), (statement, []))[1].append(params)

    def add_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._groups.setdefault(id(statement), (statement, []))[1].extend(rows)

    async def send(self, link: _Sends, then: Batch | None = None) -> None:
        """Send what was added (and then what ``then`` holds), and start again empty."""
        groups = list(self._groups.values())
        self._groups = {}
        if then is not None:
            groups += then._groups.values()
            then._groups = {}
        if groups:
            await link.execute_batches(groups)


def columns_of(rows: Sequence[Sequence[Any]], size: int) -> list[list[Any]]:
    """Rows of parameters as one list per parameter (the arrays a part reads)."""
    if len(rows) == 1:
        return [[value] for value in rows[0]]
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * size


__all__ = ["Batch", "Part", "columns_of", "combined_sql", "combined_statement", "part_of"]
