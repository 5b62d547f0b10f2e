"""A request that waits past ``SHOP_DATABASE_POOL_WAIT`` for a connection is answered 503
``storage.busy`` with ``Retry-After`` within that bound — not a time-out, not a 500 (issue 10,
item 2) — and the service serves again once the connection is free.

The pool has one connection. A command takes it and then waits inside the database (the write
lock of SQLite, or a table lock on PostgreSQL, held by the test from outside the app); the next
request (a read the lock does not stop) asks for a connection and gets none in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shop_adapters.bootstrap import bootstrap
from shop_adapters.http import create_app, mint_token
from shop_adapters.http.catalog import CATALOG_CONTROLLERS
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.settings import Settings
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.errors import RETRY_BUSY_SECONDS
from shop_app.shared.errors import StorageBusy

WAIT = 0.5


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=url,
        database_pool_size=1,
        database_pool_wait=WAIT,
        jwt_secret="storage-busy-test-secret-0123456789abcdef",
        sections=[
            GiftCardSettings(
                key_file=str(tmp_path / "giftcard.keys"), export_dir=str(tmp_path / "exports")
            )
        ],
        sms="memory",
        migrate_on_start=False,
    )


@contextlib.asynccontextmanager
async def _sqlite_write_lock(url: str) -> AsyncIterator[None]:
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextlib.asynccontextmanager
async def _postgres_table_lock(url: str) -> AsyncIterator[None]:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            # the command's writes at commit wait; reads of the catalog do not
            await conn.execute(text("LOCK TABLE outbox, audit_log IN SHARE MODE"))
            yield
    finally:
        await engine.dispose()


async def _busy_once_the_command_holds_the_connection(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> Any:
    """Ask until an answer is 503 (the command has the connection by then); returns it with
    how long it took. The jobs list reads through the pool (a public catalog read kept by the
    service would need no connection)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        started = time.monotonic()
        response = await asyncio.wait_for(client.get("/jobs", headers=headers), 10)
        if response.status_code == 503:
            return response, time.monotonic() - started
        assert response.status_code == 200, response.text
        await asyncio.sleep(0.05)
    raise AssertionError("the pool's connection was never taken")


async def _check(url: str, tmp_path: Path, lock: Any) -> None:
    settings = _settings(url, tmp_path)
    operator = mint_token(settings, "ops", "operator", ("catalog.write", "jobs.read"))
    headers = {"Authorization": f"Bearer {operator}"}
    runtime = bootstrap(settings)
    app = create_app(runtime, CATALOG_CONTROLLERS, owns_runtime=True)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # an ASGI app
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://shop") as client,
    ):
        async with lock(url):
            command = asyncio.create_task(
                client.post(
                    "/admin/catalog/brands",
                    json={"name": "Waits for the lock"},
                    headers=headers,
                )
            )
            busy, waited = await _busy_once_the_command_holds_the_connection(client, headers)
        assert (await command).status_code == 201
        assert WAIT * 0.9 <= waited < WAIT + 2.0
        assert busy.headers["retry-after"] == str(RETRY_BUSY_SECONDS)
        assert busy.headers["content-type"].startswith("application/problem+json")
        assert busy.json()["code"] == StorageBusy.code
        # the connection is free again: served
        served = await client.get("/catalog/brands")
        assert served.status_code == 200
        assert [brand["name"] for brand in served.json()] == ["Waits for the lock"]


@pytest.mark.rule("SEC-4")
async def test_sqlite_a_request_with_no_connection_in_time_is_503_busy(
    sqlite_url: str, tmp_path: Path
) -> None:
    await _check(sqlite_url, tmp_path, _sqlite_write_lock)


@pytest.mark.postgres
@pytest.mark.rule("SEC-4")
async def test_postgresql_a_request_with_no_connection_in_time_is_503_busy(
    postgres_url: str, tmp_path: Path
) -> None:
    await _check(postgres_url, tmp_path, _postgres_table_lock)
