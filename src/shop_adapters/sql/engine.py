"""Engines for the two supported backends, and the schema upgrade (Alembic only)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shop_adapters.sql.errors import TranslatingPool, install

MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY_OPTION = "shop_read_only"
DEFAULT_POOL_SIZE = 10
DEFAULT_POOL_WAIT = 5.0
"""Seconds a request waits for a pooled connection before it is answered ``storage.busy``."""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def create_private_sqlite(path: Path) -> None:
    """Create the SQLite database file, if there is none, readable and writable by its owner
    only (0600), in a folder made 0700 if it has to be made. SQLite gives the ``-wal``, ``-shm``
    and ``-journal`` files it makes beside it the database file's mode. An existing file keeps
    its mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY_MODE)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))


def _pool(pool_size: int, pool_wait: float) -> dict[str, Any]:
    """At most ``pool_size`` connections (no overflow: the size is the limit, and a burst does
    not open and close connections), handed out first come, first served; a request that waits
    longer than ``pool_wait`` seconds for one gets ``storage.busy`` (503)."""
    return {
        "poolclass": TranslatingPool,
        "pool_size": pool_size,
        "max_overflow": 0,
        "pool_timeout": pool_wait,
    }


def make_engine(
    url: str,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    pool_wait: float = DEFAULT_POOL_WAIT,
    pre_ping: bool = False,
    echo: bool = False,
) -> AsyncEngine:
    """An async engine for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``).

    SQLite: the file is created private (0600, :func:`create_private_sqlite`) with its folder;
    WAL lets readers run beside the one writer; every transaction starts with ``BEGIN
    IMMEDIATE`` so that two writers queue up instead of failing half-way with "database is
    locked"; foreign keys are enforced.

    Both: at most ``pool_size`` connections, first come first served, waited for at most
    ``pool_wait`` seconds (:func:`_pool`); persistence errors of every connection become our own
    (:mod:`shop_adapters.sql.errors`).
    """
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            create_private_sqlite(Path(database))
        pool = _pool(pool_size, pool_wait) if database and database != ":memory:" else {}
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **pool)
        _configure_sqlite(engine)
        return install(engine)
    return install(
        create_async_engine(
            url,
            echo=echo,
            pool_pre_ping=pre_ping,
            pool_recycle=1800,
            **_pool(pool_size, pool_wait),
        )
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take transaction control away from the driver: we issue BEGIN ourselves
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # a reader (see `reader`) takes no write lock, so it never waits for a writer (WAL)
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def reader(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (and pool) for read-only transactions.

    On SQLite they start with a plain ``BEGIN``: under WAL a reader runs beside the one writer,
    so it may be used while this process holds the write lock in a unit of work (a bare
    ``engine.begin()`` would wait for it). Only for statements that write nothing.

    On PostgreSQL its connections run in autocommit: each statement is its own transaction,
    with its own snapshot — just what a ``READ COMMITTED`` transaction gives each statement —
    without the ``BEGIN`` and ``ROLLBACK`` round trips around it (two of the three a one-row
    read would otherwise cost).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT", **{READ_ONLY_OPTION: True})
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` to ``revision`` with Alembic (blocking)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, revision)


def check(url: str) -> None:
    """Fail if the models and the migrated schema at ``url`` differ (``alembic check``)."""
    from alembic import command

    command.check(alembic_config(url))
