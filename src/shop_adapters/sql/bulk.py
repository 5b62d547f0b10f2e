"""A flush's batches sent as one statement on PostgreSQL (decisions 0047, 0049).

The tracker writes a flush as a few ``executemany`` batches — an order's row, its children,
its lines; a points account's update, its entries — each one round trip. On PostgreSQL the
batches of one flush become the parts of one statement instead: each ``INSERT`` or ``UPDATE``
a data-modifying ``WITH`` part. A part of a few rows reads them as parameters, one a value
(``VALUES ($1, $2), ($3, $4)``: far cheaper to encode and to run than arrays of one or two
values); a larger one reads one array per parameter (``unnest($1::uuid[], $2::bigint[], …)``),
so that the statement's text stops growing with the rows. Each shape is prepared once per
connection like any other statement.

Within one statement every part sees the same snapshot and no part sees another's rows; that
is all a flush needs: each row appears in one part at most, and foreign keys are checked when
the whole statement ends, so an order's lines may go in beside the order itself. A part whose
rows could not be read from arrays (a column that is an array itself, a value fixed in the
statement) makes the batches go one by one, as on SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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
_MODIFIER = re.compile(r"\(\d+(, ?\d+)?\)")
"""A type's length or precision (``VARCHAR(24)``, ``NUMERIC(12, 2)``)."""
_KEY = "k_"  # the prefix of an update's key parameters: ``k_id``, ``k_version`` (TableMap)
_MOST_KEPT = 500
_MOST_ROWS_AS_VALUES = 8
"""A part of at most this many rows reads them as ``VALUES`` (one parameter per value), a
larger one from arrays (decision 0049)."""


class Part:
    """One ``INSERT`` or ``UPDATE`` of a batch as a ``WITH`` part: its rows as one list of
    parameters each (``VALUES``) when there are few, or as one array per column (``unnest``)."""

    __slots__ = ("_arrays", "_values", "size", "unique")

    def __init__(
        self,
        arrays: Callable[[int], str],
        values: Callable[[int, int], str],
        size: int,
        unique: tuple[int, ...] = (),
    ) -> None:
        self._arrays = arrays
        self._values = values
        self.size = size
        """How many columns (parameters of one row, or arrays) it reads."""
        self.unique = unique
        """The parameters an ``ON CONFLICT … DO UPDATE`` part's rows must not share all of:
        one statement cannot update a row twice."""

    def takes(self, rows: Sequence[Sequence[Any]]) -> bool:
        """Whether ``rows`` can go in as this part (no two upserting the same row)."""
        unique = self.unique
        if not unique or len(rows) < 2:
            return True
        return len({tuple(row[i] for i in unique) for row in rows}) == len(rows)

    def sql(self, first: int, rows: int = 0) -> str:
        """The part, its parameters numbered from ``$first``: ``rows`` rows of values, or (0)
        arrays."""
        return self._values(first, rows) if rows else self._arrays(first)


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
        # without its length: a cast to VARCHAR(24) would cut a longer text to fit, where the
        # column, assigned the value, refuses it
        casts.append(_MODIFIER.sub("", cast))
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
        at = {name: n for n, name in enumerate(names)}

        def one_row(first: int) -> str:  # each parameter typed by the column it meets
            sets_ = ", ".join(f"{quote(name)} = ${first + at[name]}" for name in sets)
            keys_ = " AND ".join(f"{quote(k[len(_KEY) :])} = ${first + at[k]}" for k in keys)
            return f"UPDATE {table} SET {sets_} WHERE {keys_}"

        def rows_of(source: str) -> str:
            return (
                f"UPDATE {table} AS t_ SET {assigned} FROM {source} AS v_({aliases}) WHERE {where}"
            )

        return Part(
            lambda first: rows_of(_arrays(casts, first)),
            lambda first, rows: (
                one_row(first)
                if rows == 1
                else rows_of(f"({_values(len(casts), first, rows, casts)})")
            ),
            len(names),
        )
    return None


def _insert_part(
    statement: Insert, names: Sequence[str], casts: list[str], dialect: Dialect, sql: str
) -> Part | None:
    """``INSERT … VALUES …`` (with an ``ON CONFLICT`` clause that binds nothing, or none) as
    ``INSERT … VALUES`` of its rows or ``INSERT … SELECT * FROM unnest(…)``."""
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
    into = f"INSERT INTO {table} (" + ", ".join(quote(name) for name in names) + ")"
    return Part(
        lambda first: f"{into} SELECT * FROM {_arrays(casts, first)}{tail}",
        # each parameter typed by its column, as in any INSERT … VALUES
        lambda first, rows: f"{into} {_values(len(casts), first, rows)}{tail}",
        len(names),
        unique,
    )


def _arrays(casts: Sequence[str], first: int) -> str:
    return "unnest(" + ", ".join(f"${first + i}::{cast}[]" for i, cast in enumerate(casts)) + ")"


def _values(width: int, first: int, rows: int, casts: Sequence[str] = ()) -> str:
    """``rows`` rows of ``width`` parameters from ``$first`` (each cast, given ``casts``)."""
    typed = [f"::{cast}" for cast in casts] or [""] * width
    return "VALUES " + ", ".join(
        "(" + ", ".join(f"${first + r * width + i}{typed[i]}" for i in range(width)) + ")"
        for r in range(rows)
    )


_COMBINED: dict[tuple[Any, ...], str] = {}


def combined_sql(key: tuple[Any, ...], parts: Sequence[Part], shape: Sequence[int]) -> str:
    """The one statement of ``parts`` (kept by ``key``: the batches' statements and
    ``shape``, each part's rows of values or 0 for arrays)."""
    found = _COMBINED.get(key)
    if found is None:
        if len(_COMBINED) >= _MOST_KEPT:
            _COMBINED.clear()
        first, pieces = 1, []
        for n, (part, rows) in enumerate(zip(parts, shape, strict=True)):
            pieces.append(f"b{n} AS ({part.sql(first, rows)})")
            first += part.size * (rows or 1)
        found = _COMBINED[key] = "WITH " + ", ".join(pieces) + " SELECT 1"
    return found


def combined_statement(
    dialect: Dialect, batches: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]]
) -> tuple[str, list[Any]] | None:
    """The one statement of ``batches`` (``Prepared`` statements and their rows) and its
    parameters, or ``None`` when there is one batch only, or one cannot be a part."""
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
    shape = tuple(len(made) if len(made) <= _MOST_ROWS_AS_VALUES else 0 for made in values)
    sql = combined_sql((*(statement for statement, _ in batches), *shape), parts, shape)
    columns: list[Any] = []
    for part, arguments, count in zip(parts, values, shape, strict=True):
        if count:
            for row in arguments:
                columns += row
        else:
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
