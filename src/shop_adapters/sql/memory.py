"""``memory://``: a throwaway SQLite database per runtime, run by the SQL adapters.

Nothing else differs from ``SHOP_DATABASE_URL=sqlite+aiosqlite:///…``: the same tables,
repositories, queries and stores, the same unit of work, the same WAL locking (a reader never
waits for a writer; writers queue). What this module adds is where the database lives, how it
gets its schema, and a driver without a thread (ADR 0028):

- The database is a SQLite file in the process's private temporary folder (``0700``, under
  ``TMPDIR``), used by the runtime's engine only and deleted when the runtime closes — or, for a
  runtime nobody closed, when it is garbage-collected; the folder goes when the process exits
  (or, if it was killed, when the next process makes its own folder).
  Durability is not wanted: commits are not synced (``synchronous=OFF``), so the file mostly
  stays in the page cache.
  SQLite's in-memory databases were measured and refused: a ``memdb`` database refuses every
  reader while a write transaction is open, and the application reads inside its units of work
  (the attempt limiter, the job store); shared-cache databases fail such reads at once.
- The schema is migrated once per process, by Alembic as for any database, into a *template*
  file; each new database is a copy of that file (half a millisecond), not ~40 ``CREATE TABLE``
  statements and the migrations' triggers.
- :class:`InlineConnection` runs each statement in the event loop's thread instead of hopping
  to aiosqlite's worker thread and back: the hop, not SQLite, was most of the time. A lock held
  by another connection is waited for with ``asyncio.sleep``, so the loop never blocks.
- The engines of all ``memory://`` runtimes share one cache of compiled statements
  (:class:`MemoryDialect`), so a new runtime does not compile again what others did.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event, util
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shop_adapters.sql.engine import READ_ONLY_OPTION, upgrade
from shop_adapters.sql.errors import TranslatingPool, install

BUSY_TIMEOUT_SECONDS = 30.0
"""How long a statement waits for a lock another connection holds (as ``busy_timeout``)."""

_FIRST_PAUSE = 0.0005
_LAST_PAUSE = 0.02

_PREFIX = "shop-memory-"
_template: Path | None = None
_template_lock = threading.Lock()


def _migrated_template() -> Path:
    """The migrated schema in a file of the process's private folder, built on first use; the
    folder goes when the process exits."""
    global _template
    with _template_lock:
        if _template is None:
            _remove_abandoned_folders()
            folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
            atexit.register(_remove_folder, folder, os.getpid())
            path = folder / "template.db"
            # Alembic's environment runs an event loop of its own: give it a thread of its own,
            # so that a runtime may be built inside a running loop
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(upgrade, f"sqlite+aiosqlite:///{path}").result()
            connection = sqlite3.connect(path)
            try:  # everything in the file itself (WAL mode stays recorded in its header)
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
            _template = path
        return _template


def _remove_folder(folder: Path, owner: int) -> None:
    if os.getpid() == owner:  # not from a forked child
        shutil.rmtree(folder, ignore_errors=True)


def _remove_abandoned_folders() -> None:
    """Remove the folders of processes that are gone without running their exit handlers (a
    killed test run, ``shop serve`` stopped by a signal). POSIX only: elsewhere ``os.kill``
    with signal 0 is no probe."""
    if os.name != "posix":
        return
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*-*"):
        owner = folder.name.removeprefix(_PREFIX).split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (EPERM): alive
        return True
    return True


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


class EphemeralSqlite:
    """One runtime's database (a copy of the migrated template) and the engine over it."""

    def __init__(self, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        template = _migrated_template()
        self.path = template.with_name(f"{uuid.uuid4().hex}.db")
        self._finalizer = weakref.finalize(self, _remove_database, self.path)
        shutil.copyfile(template, self.path)
        self.engine = _engine(self.path, busy_timeout)

    async def close(self) -> None:
        """Close the engine's connections and delete the database."""
        await self.engine.dispose()
        self._finalizer()


class _RunNow:
    """Stands in for aiosqlite's queue to its worker thread: runs each call at once, in the
    caller's thread (SQLAlchemy's adapter also puts calls on that queue directly)."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # for whoever awaits the future, as the thread does
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection without its worker thread: each call runs in the event loop's
    thread, which suits a database that answers in microseconds.

    SQLite's own busy handler is off (``timeout=0``): it would sleep in the loop's thread while
    the connection that holds the lock waits for that loop. A call that finds the database busy
    is retried after an ``asyncio.sleep`` instead, for up to ``busy_timeout`` seconds."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], busy_timeout: float) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]
        self._busy_timeout = busy_timeout

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no thread to start

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        deadline: float | None = None
        pause = _FIRST_PAUSE
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                now = time.monotonic()
                deadline = deadline or now + self._busy_timeout
                if now >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LAST_PAUSE)


class MemoryDialect(SQLiteDialect_aiosqlite):
    """SQLAlchemy's aiosqlite dialect, equal to every other instance of itself, so that the
    engines of all ``memory://`` runtimes share one cache of compiled statements (the cache is
    keyed by dialect): a new runtime does not compile again what an earlier one did."""

    supports_statement_cache = True

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


registry.register("sqlite.shop_memory", __name__, "MemoryDialect")

_STATEMENTS: util.LRUCache[Any, Any] = util.LRUCache(4000)
"""The compiled statements of every ``memory://`` engine of the process."""


def _engine(path: Path, busy_timeout: float) -> AsyncEngine:
    def connector() -> sqlite3.Connection:
        return sqlite3.connect(path, timeout=0, check_same_thread=False)

    async def connect() -> Any:
        return await InlineConnection(connector, busy_timeout)

    engine = create_async_engine(
        "sqlite+shop_memory://",
        async_creator=connect,
        poolclass=TranslatingPool,
        execution_options={"compiled_cache": _STATEMENTS},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=OFF")  # a throwaway database: nothing to make durable
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # as on a SQLite file: readers take no lock (WAL), writers queue from their first
        # statement (see shop_adapters.sql.engine)
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return install(engine)
