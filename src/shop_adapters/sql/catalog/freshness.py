"""The catalog's freshness stamp: a number that changes whenever any committed change touches
what a catalog read shows (ADR 0026).

``catalog_freshness`` holds one row. Triggers on every catalog table bump its ``stamp`` in the
transaction that writes, so the stamp and the change commit together — whoever writes: the unit
of work, a bulk statement, another process, SQL typed by hand:

- PostgreSQL: a deferred constraint trigger per table runs at COMMIT, after every other lock of
  the transaction is held (so the stamp's row lock cannot take part in a deadlock), and bumps
  once per transaction (a transaction-local setting remembers it did); a statement trigger
  catches TRUNCATE;
- SQLite: a trigger per table and operation bumps the stamp for every row written (SQLite has
  one writer at a time, so there is no contention to avoid).

A bump is ``stamp + 1``; a row that is missing (emptied by hand) comes back with a random
stamp, so that a stamp seen before can never mean other data. A reader that finds no row gets
``None``: nothing may be reused.

Reading the stamp is the only database work of a public catalog read answered from the cache
(:mod:`shop_adapters.http.catalog.cache`), so it is made cheap: on a SQLite file in WAL mode it
is a single-row read on a private ``sqlite3`` connection, done on the event loop (a few
microseconds: WAL readers never wait for the writer, and handing the read to aiosqlite's
thread costs a hundred times more); elsewhere one statement on a pooled connection in
autocommit, shared by every request that waits for the stamp at the same time (each read
begins after every request it answers arrived, so none of them can be told an older stamp than
the commits it could see).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final
from weakref import WeakKeyDictionary

from sqlalchemy import BigInteger, Column, Integer, Table, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.engine import reader
from shop_adapters.sql.metadata import metadata

log = logging.getLogger(__name__)

ROW_ID: Final = 1
CATALOG_TABLES: Final = (
    "categories",
    "category_attributes",
    "front_categories",
    "front_category_links",
    "brands",
    "products",
    "skus",
    "product_attribute_values",
    "sku_stock",
)
"""Every table a catalog read reads; each has the triggers."""

catalog_freshness = Table(
    "catalog_freshness",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("stamp", BigInteger, nullable=False),
)

_SQLITE_BUMP: Final = """
    INSERT INTO catalog_freshness (id, stamp) VALUES (1, abs(random() % 1000000000000000))
    ON CONFLICT (id) DO UPDATE SET stamp = stamp + 1;
"""
_POSTGRES_FUNCTION: Final = """
    CREATE OR REPLACE FUNCTION catalog_freshness_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('shop.catalog_bumped', true) IS DISTINCT FROM '1' THEN
            INSERT INTO catalog_freshness (id, stamp)
            VALUES (1, floor(random() * 1e15)::bigint)
            ON CONFLICT (id) DO UPDATE SET stamp = catalog_freshness.stamp + 1;
            PERFORM set_config('shop.catalog_bumped', '1', true);
        END IF;
        RETURN NULL;
    END;
    $$
"""


def trigger_statements(dialect: str, tables: tuple[str, ...] = CATALOG_TABLES) -> list[str]:
    """The DDL that makes writes to ``tables`` bump the stamp (idempotent: it replaces what is
    there). Migration 0010 runs it; so does ``metadata.create_all`` (:func:`_on_create`)."""
    if dialect == "postgresql":
        statements = [_POSTGRES_FUNCTION]
        for table in tables:
            statements += [
                f"DROP TRIGGER IF EXISTS catalog_freshness ON {table}",
                f"CREATE CONSTRAINT TRIGGER catalog_freshness "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION catalog_freshness_bump()",
                f"CREATE OR REPLACE TRIGGER catalog_freshness_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION catalog_freshness_bump()",
            ]
        return statements
    statements = []
    for table in tables:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            name = f"catalog_freshness_{table}_{operation.lower()}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} AFTER {operation} ON {table} BEGIN {_SQLITE_BUMP} END",
            ]
    return statements


def drop_statements(dialect: str, tables: tuple[str, ...] = CATALOG_TABLES) -> list[str]:
    if dialect == "postgresql":
        drops = []
        for table in tables:
            drops += [
                f"DROP TRIGGER IF EXISTS catalog_freshness ON {table}",
                f"DROP TRIGGER IF EXISTS catalog_freshness_truncate ON {table}",
            ]
        return [*drops, "DROP FUNCTION IF EXISTS catalog_freshness_bump()"]
    return [
        f"DROP TRIGGER IF EXISTS catalog_freshness_{table}_{operation}"
        for table in tables
        for operation in ("insert", "update", "delete")
    ]


def first_row_statement(dialect: str) -> str:
    random = (
        "floor(random() * 1e15)::bigint"
        if dialect == "postgresql"
        else ("abs(random() % 1000000000000000)")
    )
    return (
        f"INSERT INTO catalog_freshness (id, stamp) VALUES ({ROW_ID}, {random}) "
        "ON CONFLICT (id) DO NOTHING"
    )


@event.listens_for(metadata, "after_create")
def _on_create(target: Any, connection: Connection, **kw: Any) -> None:
    """A schema made by ``metadata.create_all`` (not by the migrations) gets the triggers too,
    or its stamp would never move."""
    if catalog_freshness not in kw.get("tables", ()):
        return
    dialect = connection.dialect.name
    for statement in [*trigger_statements(dialect), first_row_statement(dialect)]:
        connection.exec_driver_sql(statement)


_READ_STAMP: Final = select(catalog_freshness.c.stamp).where(catalog_freshness.c.id == ROW_ID)
_READ_STAMP_SQL: Final = f"SELECT stamp FROM catalog_freshness WHERE id = {ROW_ID}"
_LOCAL_BUSY_SECONDS: Final = 0.05


class _LocalSqliteReader:
    """A private ``sqlite3`` connection to the engine's database file, for the stamp only:
    opened on first use, only when the file is in WAL mode (where a reader never waits for the
    writer), closed with the engine's pool."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._usable = True
        self._lock = threading.Lock()  # an embedder may read from more than one thread

    def read(self) -> int | None:
        """The stamp (``None`` when there is no row). Raises ``sqlite3.Error``."""
        with self._lock:
            connection = self._connection or self._open()
            row = connection.execute(_READ_STAMP_SQL).fetchone()
        return None if row is None else int(row[0])

    @property
    def usable(self) -> bool:
        return self._usable

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            f"{self._path.resolve().as_uri()}?mode=rw",  # never creates a file
            uri=True,
            timeout=_LOCAL_BUSY_SECONDS,
            isolation_level=None,  # each read is its own transaction: it sees every commit
            check_same_thread=False,
        )
        try:
            connection.execute("PRAGMA query_only = ON")
            (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
        except sqlite3.Error:
            connection.close()
            raise
        if str(mode).lower() != "wal":
            connection.close()
            self._usable = False  # a reader could wait for the writer: read through the pool
            raise sqlite3.OperationalError(f"{self._path} is not in WAL mode")
        self._connection = connection
        return connection

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._connection.close()
                self._connection = None


class _Line:
    """The requests of one event loop waiting for the next read, and that loop's reader."""

    def __init__(self) -> None:
        self.next: asyncio.Future[int | None] | None = None
        self.reader: asyncio.Task[None] | None = None


class _Shared:
    """One read of the stamp for every request waiting at once.

    A request joins the *next* read, never one already under way: each read begins after
    every request it answers arrived, so it sees every commit those requests could have seen.
    While a read is under way, the requests that arrive wait for the one after it. (Per event
    loop: an embedder may run the runtime on more than one.)"""

    def __init__(self, read: Callable[[], Awaitable[int | None]]) -> None:
        self._read = read
        self._lines: WeakKeyDictionary[asyncio.AbstractEventLoop, _Line] = WeakKeyDictionary()

    async def __call__(self) -> int | None:
        loop = asyncio.get_running_loop()
        line = self._lines.get(loop)
        if line is None:
            line = self._lines[loop] = _Line()
        if line.next is None:
            line.next = loop.create_future()
        answer = line.next
        if line.reader is None or line.reader.done():
            line.reader = loop.create_task(self._run(line))
        # shielded: a request that goes away does not cancel the others' read
        return await asyncio.shield(answer)

    async def _run(self, line: _Line) -> None:
        while line.next is not None:
            answer, line.next = line.next, None
            try:
                answer.set_result(await self._read())
            except Exception as exc:
                answer.set_exception(exc)
                answer.exception()  # retrieved: waiters that went away leave no warning


class FreshnessStamp:
    """Reads the catalog's freshness stamp of ``engine``'s database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._local: _LocalSqliteReader | None = None
        self._shared = _Shared(self._read_pooled)
        if engine.dialect.name != "sqlite":
            # one statement, no BEGIN and no ROLLBACK around it
            self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
            return
        self._engine = reader(engine)
        url = engine.url
        database = url.database or ""
        if (
            database
            and database != ":memory:"
            and not database.startswith("file:")
            and not (url.query)
        ):
            local = self._local = _LocalSqliteReader(Path(database))
            event.listen(engine.sync_engine, "engine_disposed", lambda _engine: local.close())

    async def read(self) -> int | None:
        """The stamp, or ``None`` when the database keeps none (nothing may be reused)."""
        local = self._local
        if local is not None and local.usable:
            try:
                return local.read()
            except sqlite3.Error as exc:  # unreadable here: the pool's way says what is wrong
                log.debug("reading the catalog stamp directly failed: %s", exc)
                local.close()
        return await self._shared()

    async def _read_pooled(self) -> int | None:
        async with self._engine.connect() as conn:
            stamp = (await conn.execute(_READ_STAMP)).scalar_one_or_none()
        return None if stamp is None else int(stamp)


__all__ = [
    "CATALOG_TABLES",
    "FreshnessStamp",
    "catalog_freshness",
    "drop_statements",
    "first_row_statement",
    "trigger_statements",
]
