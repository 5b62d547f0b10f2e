"""Statements compiled once and sent straight to the database driver (ADR 0023).

SQLAlchemy builds and compiles every statement of the write path, once per statement and
dialect (:class:`Prepared`); at run time a :class:`Link` sends the SQL string and the
parameters, converted by the columns' own SQLAlchemy type processors, to the driver connection
underneath (asyncpg or aiosqlite). That skips what costs most in SQLAlchemy's execution path —
the cache key of the statement, the execution context, the result object — about 100 µs of
CPU a statement, which is the whole budget of a hot command.

The transaction stays SQLAlchemy's: a :class:`Link` wraps the ``AsyncConnection`` of a unit of
work, which begins and ends the transaction. On PostgreSQL, SQLAlchemy's asyncpg adapter opens
the server-side transaction lazily, with the first statement it runs; so the first statement of
a transaction always goes through SQLAlchemy (``exec_driver_sql``, the same round trip), and
only the later ones go to the driver directly. Anything that is not a :class:`Prepared`
statement (a Core statement built on the fly) runs through SQLAlchemy as usual.

Errors of the driver become ours exactly as SQLAlchemy's do
(:func:`shop_adapters.sql.errors.translate`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

from shop_adapters.sql.errors import translate
from shop_domain.shared.errors import DomainError

Processor = Callable[[Any], Any] | None
Row = Sequence[Any]


class _Compiled:
    """One statement for one dialect: its SQL, its parameter names in order and the type
    processors of its parameters and result columns."""

    __slots__ = ("binds", "constants", "names", "results", "sql")

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        if any(bind.expanding for bind in compiled.binds.values()):
            raise TypeError("a Prepared statement binds no lists (IN): use member_of()")
        self.sql = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self.binds: tuple[Processor, ...] = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names
        )
        # values fixed in the statement itself (``.values(x=5)``, literals in a WHERE)
        self.constants = {
            name: bind.value
            for name, bind in compiled.binds.items()
            if not bind.required and bind.callable is None and name in self.names
        }
        columns = getattr(statement, "exported_columns", ())
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )
        self.results: tuple[Processor, ...] | None = (
            results if any(p is not None for p in results) else None
        )

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        constants = self.constants
        values = []
        for name, process in zip(self.names, self.binds, strict=True):
            value = params[name] if name in params else constants[name]
            values.append(value if process is None or value is None else process(value))
        return values

    def rows(self, raw: Iterable[Row]) -> list[tuple[Any, ...]]:
        results = self.results
        if results is None:
            return [tuple(row) for row in raw]
        return [
            tuple(
                value if process is None or value is None else process(value)
                for value, process in zip(row, results, strict=True)
            )
            for row in raw
        ]


class Prepared:
    """A statement built once (per dialect, by ``build``) and compiled once per dialect.

    ``build`` is the statement itself, or a function of the dialect's name that returns it (for
    the few statements that differ: ``= ANY(array)`` on PostgreSQL, ``IN (json_each(...))`` on
    SQLite)."""

    def __init__(self, build: Executable | Callable[[str], Executable]) -> None:
        self._build = build
        self._compiled: dict[str, _Compiled] = {}

    def statement(self, dialect_name: str) -> Executable:
        build = self._build
        return build if isinstance(build, Executable) else build(dialect_name)

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _Compiled(self.statement(dialect.name), dialect)
        return found


_INSERTS: dict[tuple[str, tuple[str, ...]], Prepared] = {}


def inserter(table: Any, columns: Iterable[str]) -> Prepared:
    """``INSERT INTO table (columns) VALUES (...)``, one :class:`Prepared` per column list."""
    names = tuple(columns)
    found = _INSERTS.get((table.name, names))
    if found is None:
        found = Prepared(table.insert().values({name: bindparam(name) for name in names}))
        _INSERTS[(table.name, names)] = found
    return found


def _translated(error: Exception) -> Exception:
    if isinstance(error, OSError | OverflowError):
        ours = translate(error)
    else:
        ours = translate(sa_exc.DBAPIError.instance(None, None, error, Exception))
    return ours if ours is not None else error


class Link:
    """The statements of one transaction: :class:`Prepared` ones straight to the driver,
    others through SQLAlchemy (``sa``)."""

    def __init__(self, connection: AsyncConnection, driver: Any) -> None:
        self.sa = connection
        self.dialect: Dialect = connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        self._driver = driver
        # SQLAlchemy opens a PostgreSQL transaction with its first statement (module docstring)
        self._opened = not self.postgres

    @classmethod
    async def open(cls, connection: AsyncConnection) -> Link:
        raw = await connection.get_raw_connection()
        return cls(connection, raw.driver_connection)

    async def fetch(
        self, statement: Prepared, params: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """The rows ``statement`` returns, as tuples of converted values."""
        compiled = statement.compiled(self.dialect)
        arguments = compiled.arguments(params or {})
        try:
            if not self._opened:
                raw = (await self.sa.exec_driver_sql(compiled.sql, tuple(arguments))).all()
                self._opened = True
            elif self.postgres:
                raw = await self._driver.fetch(compiled.sql, *arguments)
            else:
                raw = await self._driver.execute_fetchall(compiled.sql, arguments)
        except DomainError:
            raise
        except Exception as error:
            raise _translated(error) from error
        return compiled.rows(raw)

    async def execute(self, statement: Prepared, params: Mapping[str, Any] | None = None) -> int:
        """Run ``statement``; the number of rows it changed."""
        compiled = statement.compiled(self.dialect)
        arguments = compiled.arguments(params or {})
        try:
            if not self._opened:
                result = await self.sa.exec_driver_sql(compiled.sql, tuple(arguments))
                self._opened = True
                return int(result.rowcount)
            if self.postgres:
                status: str = await self._driver.execute(compiled.sql, *arguments)
                return int(status.rsplit(" ", 1)[-1]) if status[-1].isdigit() else 0
            cursor = await self._driver.execute(compiled.sql, arguments)
            return int(cursor.rowcount)
        except DomainError:
            raise
        except Exception as error:
            raise _translated(error) from error

    async def execute_many(self, statement: Prepared, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run ``statement`` once per parameter set, in one go (an ``executemany``)."""
        if not rows:
            return
        if len(rows) == 1 or not self._opened:
            await self.execute(statement, rows[0])
            if len(rows) == 1:
                return
            rows = rows[1:]
        compiled = statement.compiled(self.dialect)
        arguments = [compiled.arguments(row) for row in rows]
        try:
            await self._driver.executemany(compiled.sql, arguments)
        except DomainError:
            raise
        except Exception as error:
            raise _translated(error) from error


__all__ = ["Link", "Prepared", "inserter"]
