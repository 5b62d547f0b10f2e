"""Shared fixtures: databases migrated with Alembic, the broker, and the services policy.

Tests that need PostgreSQL or RabbitMQ ask for ``postgres_url`` / ``rabbitmq_url``. When the
server cannot be reached they are skipped with a message saying how to run them, unless
``SHOP_REQUIRE_SERVICES=1`` (set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shop_adapters.sql.engine import make_engine, upgrade
from shop_adapters.sql.tables import metadata

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


def _clean_sql(url: str) -> None:
    async def run() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
                    await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(metadata.sorted_tables):
                        await conn.execute(table.delete())
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    require_service("PostgreSQL", POSTGRES_URL, 5432, "SHOP_TEST_POSTGRES_URL")
    name = f"shop_test_{uuid.uuid4().hex[:12]}"
    admin = make_url(POSTGRES_URL)

    async def admin_sql(statement: str) -> None:
        engine = make_engine(admin.render_as_string(hide_password=False))
        try:
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url(_postgres_database: str) -> str:
    """A migrated PostgreSQL database of this test session, emptied before each test."""
    _clean_sql(_postgres_database)
    return _postgres_database


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
