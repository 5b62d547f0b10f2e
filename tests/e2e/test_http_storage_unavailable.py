"""A lost database answers 503 ``storage.unavailable`` with ``Retry-After``, never a 500, and
``/health/ready`` says not ready while ``/health/live`` stays up; once the database is back, the
same app serves again (its pool recovers) — issue 9, finding 5.

PostgreSQL is reached through a TCP relay the test controls, so that "the server went away"
(port closed, every connection cut) and "it came back" happen between two requests of one app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shop_adapters.bootstrap import bootstrap
from shop_adapters.http import create_app, mint_token
from shop_adapters.http.catalog import CATALOG_CONTROLLERS
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.sql.engine import make_engine
from shop_app.shared.errors import StorageUnavailable

UNAVAILABLE = StorageUnavailable.code


class TcpRelay:
    """Forwards a local port to PostgreSQL from a thread of its own (the test client blocks the
    test's event loop while the app starts). ``stop`` closes the port and cuts every connection
    (the server is gone); ``start`` opens the same port again (it is back)."""

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.port = 0

    def _call(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(10)

    def start(self) -> None:
        self._call(self._start())

    def stop(self) -> None:
        self._call(self._stop())

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
        self._writers.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=url,
        jwt_secret="storage-unavailable-test-secret-0123456789",
        sections=[
            GiftCardSettings(
                key_file=str(tmp_path / "giftcard.keys"), export_dir=str(tmp_path / "exports")
            )
        ],
        sms="memory",
        migrate_on_start=False,
    )


def _operator(settings: Settings) -> dict[str, str]:
    token = mint_token(settings, "ops", "operator", ("jobs.read", "catalog.write"))
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def _client(runtime: Runtime) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(runtime, CATALOG_CONTROLLERS)
    try:
        async with AsyncTestClient(app) as client:
            yield client
    finally:
        await runtime.close()


async def _serves(client: AsyncTestClient[Any], headers: dict[str, str], name: str) -> None:
    assert (await client.get("/health/ready")).status_code == 200
    assert (await client.get("/jobs", headers=headers)).status_code == 200
    created = await client.post("/admin/catalog/brands", json={"name": name}, headers=headers)
    assert created.status_code == 201, created.text
    assert (await client.get("/catalog/products")).status_code == 200


def _is_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["code"] == UNAVAILABLE
    assert int(response.headers["retry-after"]) >= 1


async def _is_down(client: AsyncTestClient[Any], headers: dict[str, str]) -> None:
    _is_unavailable(await client.get("/jobs", headers=headers))
    _is_unavailable(await client.get("/catalog/products"))
    _is_unavailable(
        await client.post("/admin/catalog/brands", json={"name": "Lost"}, headers=headers)
    )
    ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["code"] == "health.not_ready"
    assert (await client.get("/health/live")).status_code == 200


@pytest.mark.postgres
@pytest.mark.rule("SEC-4")
async def test_postgresql_gone_then_back_is_503_then_served(
    postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    relay = TcpRelay(make_url(postgres_url).port or 5432)
    relay.start()
    url = make_url(postgres_url).set(port=relay.port).render_as_string(hide_password=False)
    settings = _settings(url, tmp_path)
    headers = _operator(settings)
    try:
        async with _client(bootstrap(settings)) as client:
            await _serves(client, headers, "Before")
            relay.stop()  # the port is closed and every open connection is cut
            with caplog.at_level(logging.WARNING):
                await _is_down(client, headers)
            # a lost database is a warning per request, never a traceback (nor a refusal to
            # audit: an operator's command was not refused, it could not run)
            assert not [r for r in caplog.records if r.exc_info], [
                r.getMessage() for r in caplog.records if r.exc_info
            ]
            relay.start()
            await _serves(client, headers, "After")
        relay.stop()
    finally:
        relay.close()


@pytest.mark.postgres
@pytest.mark.rule("SEC-4")
async def test_terminated_backends_are_503_and_the_pool_recovers(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = _settings(postgres_url, tmp_path)
    headers = _operator(settings)
    admin = make_engine(postgres_url, pool_size=1)
    try:
        async with _client(bootstrap(settings)) as client:
            await _serves(client, headers, "Before")
            async with admin.connect() as conn:
                killed = await conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                assert any(row[0] for row in killed)
            # the pooled connections are dead: the first use of one answers 503, not 500
            _is_unavailable(await client.get("/jobs", headers=headers))
            await _serves(client, headers, "After")
    finally:
        await admin.dispose()


@pytest.mark.rule("SEC-4")
async def test_an_unreachable_sqlite_file_is_503_then_served_when_back(
    sqlite_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "shop.db"
    shutil.copyfile(make_url(sqlite_url).database or "", database)
    settings = _settings(f"sqlite+aiosqlite:///{database}", tmp_path)
    headers = _operator(settings)
    runtime = bootstrap(settings)
    async with _client(runtime) as client:
        await _serves(client, headers, "Before")
        moved = tmp_path / "moved"
        folder.rename(moved)
        folder.write_text("the disk holding the database is gone")
        await runtime.close()  # drop the open connections, as a restart or a recycle would
        await _is_down(client, headers)
        folder.unlink()
        moved.rename(folder)
        await _serves(client, headers, "After")
