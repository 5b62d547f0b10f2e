"""Statements compiled once and sent straight to the database driver (ADR 0023).

SQLAlchemy builds and compiles every statement of the write path, once per statement and
dialect (:class:`Prepared`); at run time a :class:`Link` sends the SQL string and the
parameters, converted by the columns' own SQLAlchemy type processors, to the driver connection
underneath (asyncpg or aiosqlite). That skips what costs most in SQLAlchemy's execution path —
the cache key of the statement, the execution context, the result object — about 100 µs of
CPU a statement, which is the whole budget of a hot command.

SQLAlchemy lends the pooled connection and takes it back; the transaction on it is driven
by the :class:`Link` on the driver (``BEGIN`` … ``COMMIT``), so that no statement of a unit of
work pays for SQLAlchemy's execution path. Statements built on the fly (rare, outside hot
paths) are compiled each time they run.

Errors of the driver become ours exactly as SQLAlchemy's do
(:func:`shop_adapters.sql.errors.translate`).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections import namedtuple
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import ClauseElement, Executable, Insert, Update
from sqlalchemy.sql.util import find_tables
from sqlalchemy.util import greenlet_spawn

from shop_adapters.sql.bulk import combined_statement, part_of
from shop_adapters.sql.errors import translate
from shop_app.shared.errors import StorageUnavailable
from shop_domain.shared.errors import DomainError

Processor = Callable[[Any], Any] | None
Row = Sequence[Any]


_LOCKS_ITS_ROWS = re.compile(r" FOR UPDATE( OF [\w., ]+)?( NOWAIT| SKIP LOCKED)?$")


class _Compiled:
    """One statement for one dialect: its SQL, its parameter names in order and the type
    processors of its parameters and result columns."""

    __slots__ = (
        "binds",
        "constants",
        "early",
        "keys",
        "locks_its_rows",
        "names",
        "part",
        "processed",
        "record",
        "results",
        "sql",
        "tables",
    )

    def __init__(
        self,
        statement: Executable,
        dialect: Dialect,
        *,
        prepared: bool = False,
        early: bool = False,
    ) -> None:
        """``prepared``: compiled once for a :class:`Prepared` (only those go in a flush's
        batches, so only they are made parts); ``early``: sent before the transaction begins
        (``Prepared.before_transaction``)."""
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        if any(bind.expanding for bind in compiled.binds.values()):
            raise TypeError("a Prepared statement binds no lists (IN): use member_of()")
        self.sql = compiled.string
        self.early = early and dialect.name == "postgresql"
        self.locks_its_rows = _LOCKS_ITS_ROWS.search(self.sql) is not None
        """Whether the rows it selects stay locked until the transaction ends: its own
        ``FOR UPDATE`` ends it (one in a subquery locks other rows)."""
        self.tables = frozenset(
            str(getattr(found, "name", ""))
            for found in (
                find_tables(statement, include_aliases=True)
                if prepared and isinstance(statement, ClauseElement)
                else ()
            )
        )
        """The names of the tables (and aliases) it reads or writes, subqueries included — for
        a :class:`Prepared` only (found once); a statement built on the fly names none, and is
        not walked at every run."""
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self.binds: tuple[Processor, ...] = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names
        )
        self.processed = tuple(
            (i, process) for i, process in enumerate(self.binds) if process is not None
        )
        # values fixed in the statement itself (``.values(x=5)``, literals in a WHERE)
        self.constants = {
            name: bind.value
            for name, bind in compiled.binds.items()
            if not bind.required and bind.callable is None and name in self.names
        }
        columns = getattr(statement, "exported_columns", ())
        self.keys = tuple(str(getattr(column, "key", "_")) for column in columns)
        self.part = (
            part_of(
                statement,
                self.names,
                self.constants,
                dialect,
                self.sql,
                {name: bind.type for name, bind in compiled.binds.items()},
            )
            if prepared and dialect.name == "postgresql" and isinstance(statement, Insert | Update)
            else None
        )
        """The statement as a part of a flush's one statement (:mod:`.bulk`), if it can be."""
        self.record: Any = None
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )
        self.results: tuple[Processor, ...] | None = (
            results if any(p is not None for p in results) else None
        )

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        if self.constants:
            params = {**self.constants, **params}
        values = [params[name] for name in self.names]
        for i, process in self.processed:
            value = values[i]
            if value is not None:
                values[i] = process(value)
        return values

    def records(self, raw: Iterable[Row]) -> list[Any]:
        """The rows as named tuples (``row.id``), by the statement's column keys."""
        if self.record is None:
            self.record = namedtuple("Record", self.keys, rename=True)  # type: ignore[misc]
        make = self.record._make
        return [make(row) for row in self.rows(raw)]

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

    def __init__(
        self, build: Executable | Callable[[str], Executable], *, before_transaction: bool = False
    ) -> None:
        """``before_transaction``: a plain read (no lock, no side effect) that may be sent
        before the unit of work's transaction begins, on PostgreSQL — in ``READ COMMITTED`` a
        statement sees every commit before it, in a transaction or not, and nothing of this
        one has been written yet — so a unit of work that only reads sends no ``BEGIN`` and no
        ``COMMIT``."""
        self._build = build
        self._compiled: dict[str, _Compiled] = {}
        self.before_transaction = before_transaction

    def statement(self, dialect_name: str) -> Executable:
        build = self._build
        return build if isinstance(build, Executable) else build(dialect_name)

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _Compiled(
                self.statement(dialect.name),
                dialect,
                prepared=True,
                early=self.before_transaction,
            )
        return found


_INSERTS: dict[tuple[str, tuple[str, ...]], Prepared] = {}


def inserter(table: Any, columns: Iterable[str]) -> Prepared:
    """``INSERT INTO table (columns) VALUES (...)``, one :class:`Prepared` per column list."""
    names = tuple(columns)
    found = _INSERTS.get((table.name, names))
    if found is None:
        found = Prepared(table.insert().values({name: bindparam(name) for name in names}).inline())
        _INSERTS[(table.name, names)] = found
    return found


def _translated(error: Exception) -> Exception:
    if isinstance(error, DomainError):
        return error
    if isinstance(error, OSError | OverflowError):
        ours = translate(error)
    else:
        ours = translate(sa_exc.DBAPIError.instance(None, None, error, Exception))
    return ours if ours is not None else error


_RECORDERS: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "shop_sql_recorder", default=None
)


@contextlib.contextmanager
def recording() -> Iterator[list[str]]:
    """Every statement the units of work of this task (and the tasks it starts) send while the
    block runs, ``BEGIN`` and ``COMMIT`` included — what the statement-count tests pin."""
    sent: list[str] = []
    token = _RECORDERS.set(sent)
    try:
        yield sent
    finally:
        _RECORDERS.reset(token)


def _record(sql: str, times: int = 1) -> None:
    sent = _RECORDERS.get()
    if sent is not None:
        sent.extend([sql] * times)


class Link:
    """One transaction on one pooled connection, driven on the driver itself: ``BEGIN``
    (``BEGIN IMMEDIATE`` on SQLite), the statements, ``COMMIT`` or ``ROLLBACK``. SQLAlchemy
    only lends the connection (and takes it back); it never sees this transaction, so nothing
    in it may run through SQLAlchemy's ``execute``. The transaction begins with the first
    statement: a unit of work that sends nothing takes no lock (on SQLite, ``BEGIN IMMEDIATE``
    takes the one write lock, which a handler writing through a store of its own must be able
    to get)."""

    def __init__(self, dialect: Dialect, driver: Any, *, autocommit: bool = False) -> None:
        self.dialect = dialect
        self.postgres = self.dialect.name == "postgresql"
        self._driver = driver
        self._begun = autocommit
        """True from the first statement on; from the start for a link in autocommit (each
        statement its own transaction: reads outside any unit of work)."""
        self.broken = False
        """Whether the connection failed under a statement (it is then not reused)."""
        self._pooled: PoolProxiedConnection | None = None

    @classmethod
    async def taken(cls, engine: AsyncEngine, *, autocommit: bool = False) -> Link:
        """A link on a connection taken from ``engine``'s pool as the pool holds it — no
        SQLAlchemy ``Connection`` around it (a third of the cost of one, measured); given back
        by :meth:`give_back`. A connection that cannot be made fails with our error, as one
        taken through SQLAlchemy does."""
        try:
            pooled = await engine.raw_connection()
        except Exception as error:
            raise _translated(error) from error
        link = cls(engine.dialect, pooled.driver_connection, autocommit=autocommit)
        link._pooled = pooled
        return link

    async def give_back(self) -> None:
        """Return the connection :meth:`taken` took to its pool — or drop it, if it broke."""
        pooled, self._pooled = self._pooled, None
        if pooled is not None:
            await greenlet_spawn(pooled.invalidate if self.broken else pooled.close)

    async def _open(self) -> None:
        self._begun = True
        await self._plain("BEGIN" if self.postgres else "BEGIN IMMEDIATE")

    async def commit(self) -> None:
        if self._begun:
            await self._plain("COMMIT")

    async def rollback(self) -> None:
        if self._begun and not self.broken:
            await self._plain("ROLLBACK")

    async def _plain(self, sql: str) -> None:
        _record(sql)
        try:
            await self._driver.execute(sql)
        except Exception as error:
            raise self._failed(error) from error

    def _failed(self, error: Exception) -> Exception:
        ours = _translated(error)
        if isinstance(ours, StorageUnavailable):
            self.broken = True
        return ours

    def _compiled(self, statement: Prepared | Executable) -> _Compiled:
        if isinstance(statement, Prepared):
            return statement.compiled(self.dialect)
        return _Compiled(statement, self.dialect)  # built on the fly: compiled each time

    async def _send(
        self, sql: str, call: Callable[[], Awaitable[Any]], *, early: bool = False
    ) -> Any:
        """``call`` the driver with ``sql``: the transaction begun first if it was not (unless
        the statement is ``early``), the statement recorded, the driver's error translated."""
        if not self._begun and not early:
            await self._open()
        _record(sql)
        try:
            return await call()
        except Exception as error:
            raise self._failed(error) from error

    async def fetch(
        self, statement: Prepared | Executable, params: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """The rows ``statement`` returns, as tuples of converted values."""
        compiled = self._compiled(statement)
        return compiled.rows(await self._fetch_raw(compiled, params))

    async def records(
        self, statement: Prepared | Executable, params: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """The rows ``statement`` returns, as named tuples of converted values."""
        compiled = self._compiled(statement)
        return compiled.records(await self._fetch_raw(compiled, params))

    async def _fetch_raw(self, compiled: _Compiled, params: Mapping[str, Any] | None) -> Any:
        arguments = compiled.arguments(params or {})
        driver, sql = self._driver, compiled.sql
        if self.postgres:
            return await self._send(
                sql, lambda: driver.fetch(sql, *arguments), early=compiled.early
            )
        return await self._send(sql, lambda: driver.execute_fetchall(sql, arguments))

    async def execute(
        self, statement: Prepared | Executable, params: Mapping[str, Any] | None = None
    ) -> int:
        """Run ``statement``; the number of rows it changed."""
        compiled = self._compiled(statement)
        arguments = compiled.arguments(params or {})
        driver, sql = self._driver, compiled.sql
        if self.postgres:
            status: str = await self._send(sql, lambda: driver.execute(sql, *arguments))
            return int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else 0
        cursor = await self._send(sql, lambda: driver.execute(sql, arguments))
        return int(cursor.rowcount)

    async def execute_many(
        self, statement: Prepared | Executable, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """Run ``statement`` once per parameter set, in one go (an ``executemany``: recorded
        once, one pipelined round of the same statement)."""
        if not rows:
            return
        if len(rows) == 1:
            await self.execute(statement, rows[0])
            return
        compiled = self._compiled(statement)
        arguments = [compiled.arguments(row) for row in rows]
        driver, sql = self._driver, compiled.sql
        await self._send(sql, lambda: driver.executemany(sql, arguments))

    async def execute_batches(
        self, batches: Sequence[tuple[Prepared, Sequence[Mapping[str, Any]]]]
    ) -> None:
        """Run each statement once per parameter set, the batches in order — on PostgreSQL, in
        one round trip: one statement whose parts read their rows from arrays (:mod:`.bulk`),
        when every batch can be such a part."""
        batches = [(statement, rows) for statement, rows in batches if rows]
        combined = combined_statement(self.dialect, batches) if self.postgres else None
        if combined is not None:
            sql, arguments = combined
            driver = self._driver
            await self._send(sql, lambda: driver.execute(sql, *arguments))
            return
        for statement, rows in batches:
            await self.execute_many(statement, rows)


__all__ = ["Link", "Prepared", "inserter", "recording"]
