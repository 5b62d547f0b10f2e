"""Shared fixtures: databases migrated with Alembic, the broker, and the services policy.

Tests that need PostgreSQL or RabbitMQ ask for ``postgres_url`` / ``rabbitmq_url``. When the
server cannot be reached they are skipped with a message saying how to run them, unless
``SHOP_REQUIRE_SERVICES=1`` (set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shop_adapters.sql.catalog.freshness import first_row_statement
from shop_adapters.sql.engine import make_engine, upgrade
from shop_adapters.sql.tables import metadata

pytest_plugins = ["pytester"]  # the kit's own tests run pytest on a user's test files

POSTGRES_URL = os.environ.get(
    "SHOP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
RABBITMQ_URL = os.environ.get("SHOP_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
REQUIRE_SERVICES = os.environ.get("SHOP_REQUIRE_SERVICES") == "1"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int, env: str) -> None:
    if _reachable(url, default_port):
        return
    message = (
        f"{name} is not reachable at {url}. Start it (or point {env} at one) to run this test; "
        "`bash .ci/run` starts the local services and requires them."
    )
    if REQUIRE_SERVICES:
        pytest.fail(message + " SHOP_REQUIRE_SERVICES=1 is set, so this is a failure.")
    pytest.skip(message)


_RESTART_SEQUENCES = (
    "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false) "
    "FROM pg_sequences WHERE schemaname = current_schema()"
)


_FIRST_STAMP = f";{first_row_statement('postgresql')}"
"""What the catalog tables' TRUNCATE trigger leaves: the freshness stamp's row, at a random
stamp (the DELETEs run with triggers off)."""
_CONNECTION_LOST = (
    OSError,
    asyncpg.InterfaceError,  # ConnectionDoesNotExistError among them
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # pg_terminate_backend: admin_shutdown
)


class _PostgresReset:
    """Empties every table of the session's database before a test, as ``TRUNCATE … RESTART
    IDENTITY CASCADE`` would, on one connection kept for the session.

    A TRUNCATE of all tables replaced the files of every table and index and synced them: about
    0.4 s a test. Deleting the rows (a test leaves few) with triggers and foreign-key checks
    off (``session_replication_role = replica``: the append-only tables refuse DELETE
    otherwise), restarting the sequences and putting back the catalog's freshness stamp (which
    the TRUNCATE trigger of the catalog tables made) takes about 2 ms. Without the privilege to set
    that role it falls back to the TRUNCATE. A connection that a test killed
    (``pg_terminate_backend``) is replaced."""

    def __init__(self, url: str) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        # a loop of its own, never made the thread's current one (tests see no loop set)
        self._loop = asyncio.new_event_loop()
        self._conn: asyncpg.Connection | None = None
        self._may_delete = True
        tables = [t.name for t in reversed(metadata.sorted_tables)]  # children first
        self._truncate = "TRUNCATE {} RESTART IDENTITY CASCADE".format(
            ", ".join(f'"{name}"' for name in tables)
        )
        self._delete = "".join(f'DELETE FROM "{name}";' for name in tables)

    def __call__(self) -> None:
        self._loop.run_until_complete(self._reset())

    async def _reset(self) -> None:
        try:
            await self._reset_on(await self._connection())
        except _CONNECTION_LOST:
            await self._drop_connection()  # killed by a test: once more on a new one
            await self._reset_on(await self._connection())

    async def _reset_on(self, conn: asyncpg.Connection) -> None:
        if self._may_delete:
            try:
                async with conn.transaction():
                    await conn.execute("SET LOCAL session_replication_role = replica")
                    await conn.execute(self._delete + _RESTART_SEQUENCES + _FIRST_STAMP)
                return
            except asyncpg.InsufficientPrivilegeError:
                self._may_delete = False
        await conn.execute(self._truncate)

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._dsn)
        return self._conn

    async def _drop_connection(self) -> None:
        if self._conn is not None:
            self._conn.terminate()
            self._conn = None

    def close(self) -> None:
        try:
            if self._conn is not None:
                self._loop.run_until_complete(self._conn.close(timeout=5))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            pass
        finally:
            self._loop.close()


async def _admin_sql(statement: str) -> None:
    engine = make_engine(POSTGRES_URL)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@contextlib.contextmanager
def scratch_postgres(prefix: str, revision: str = "head") -> Iterator[str]:
    """A PostgreSQL database of its own, migrated to ``revision``, dropped afterwards; its URL."""
    require_service("PostgreSQL", POSTGRES_URL, 5432, "SHOP_TEST_POSTGRES_URL")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin_sql(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url, revision)
        yield url
    finally:
        asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[tuple[str, _PostgresReset]]:
    with scratch_postgres("shop_test") as url:
        reset = _PostgresReset(url)
        try:
            yield url, reset
        finally:
            reset.close()


@pytest.fixture
def postgres_url(_postgres_database: tuple[str, _PostgresReset]) -> str:
    """A migrated PostgreSQL database of this test session, emptied before each test."""
    url, reset = _postgres_database
    reset()
    return url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "shop.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh SQLite file migrated with Alembic (copied from a session template)."""
    path = tmp_path / "shop.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def rabbitmq_url() -> str:
    require_service("RabbitMQ", RABBITMQ_URL, 5672, "SHOP_TEST_RABBITMQ_URL")
    return RABBITMQ_URL


@pytest.fixture(autouse=True)
def _private_files_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The secret and key files, exports and SMS inbox that the CLI makes from the environment
    go to a folder of this test, never to the checkout's ``./var`` (a test that sets its own
    paths still wins)."""
    folder = tmp_path_factory.mktemp("var")
    with pytest.MonkeyPatch.context() as patch:
        for name, file in (
            ("SHOP_JWT_SECRET_FILE", "jwt.secret"),
            ("SHOP_GIFTCARD_KEY_FILE", "giftcard.keys"),
            ("SHOP_EXPORT_DIR", "exports"),
            ("SHOP_SMS_FILE", "sms-outbox.log"),
        ):
            if name not in os.environ:
                patch.setenv(name, str(folder / file))
        yield


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest) -> str:
    """A migrated database on each SQL backend in turn: SQLite, then PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))
