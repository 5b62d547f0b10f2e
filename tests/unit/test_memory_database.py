"""``memory://`` (ADR 0028): a SQLite database of the runtime's own, migrated like any other, run
by the SQL adapters, gone when the runtime is; reads never wait for a writer, writers queue
without blocking the event loop, and every runtime shares one cache of compiled statements."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql import memory
from shop_adapters.sql.catalog.tables import brands
from shop_adapters.sql.errors import PersistenceConflict
from shop_adapters.sql.kernel_tables import audit_log
from shop_adapters.sql.memory import EphemeralSqlite
from shop_adapters.sql.messaging_tables import idempotency_keys
from shop_app.catalog.commands import CreateBrand
from shop_app.shared.errors import StorageUnavailable
from shop_testing.harness import memory_shop


def _key(key: str) -> Any:
    return insert(idempotency_keys).values(
        scope="s", key=key, fingerprint="f", created_at=dt.datetime.now(dt.UTC)
    )


def _files(path: Path) -> list[Path]:
    return [p for p in path.parent.glob(path.name + "*") if p.exists()]


async def _schema(engine: AsyncEngine) -> list[tuple[str, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        )
        return [(r.type, r.name, r.sql) for r in rows]


async def test_each_runtime_has_a_database_of_its_own_that_goes_when_it_closes() -> None:
    first, second = memory_shop(), memory_shop()
    try:
        await first.runtime.bus.handle(CreateBrand(name="Acme"))
        assert await first.count(brands) == 1
        assert await second.count(brands) == 0
        path = first.resolve(EphemeralSqlite).path
        assert path.exists()
    finally:
        await first.close()
        await second.close()
    assert _files(path) == []  # the database, its WAL and shared-memory files


async def test_a_database_nobody_closed_goes_with_its_runtime() -> None:
    database = EphemeralSqlite()
    async with database.engine.begin() as conn:
        await conn.execute(_key("k"))
    await database.engine.dispose()
    path = database.path
    assert _files(path)
    del database
    gc.collect()
    assert _files(path) == []


async def test_the_schema_is_what_the_migrations_make(sqlite_url: str) -> None:
    """Tables, indexes and the migrations' triggers: a copy of a migrated database."""
    from shop_adapters.sql.engine import make_engine

    migrated = make_engine(sqlite_url)
    database = EphemeralSqlite()
    try:
        assert await _schema(database.engine) == await _schema(migrated)
        async with database.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        async with database.engine.begin() as conn:
            await conn.execute(
                insert(audit_log).values(
                    id=uuid.uuid4(),
                    at=dt.datetime.now(dt.UTC),
                    actor_kind="operator",
                    actor="op-1",
                    action="create_brand",
                    target="",
                    outcome="done",
                    detail={},
                )
            )
        with pytest.raises(PersistenceConflict):  # SEC-2: the trigger refuses, as on a file
            async with database.engine.begin() as conn:
                await conn.execute(audit_log.delete())
    finally:
        await database.close()
        await migrated.dispose()


async def test_a_read_does_not_wait_for_a_unit_of_work_that_writes() -> None:
    """The application reads inside its units of work (the attempt limiter, the job store):
    with WAL the read runs beside the write transaction, in the same task."""
    shop = memory_shop()
    try:
        async with shop.uow() as uow:
            job_id = await uow.jobs.enqueue("test.kind", {}, created_by="op")
            async with asyncio.timeout(2):
                assert await shop.runtime.jobs.get(job_id) is None  # not committed yet
                assert await shop.runtime.limiter.blocked_until("s", "u", shop.clock.now()) is None
            await uow.commit()
        assert await shop.runtime.jobs.get(job_id) is not None
    finally:
        await shop.close()


async def test_a_writer_waits_for_another_without_blocking_the_loop() -> None:
    database = EphemeralSqlite()
    ticks: list[float] = []
    released = 0.0

    async def tick() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.005)

    async def second_writer() -> float:
        async with database.engine.begin() as conn:  # BEGIN IMMEDIATE waits for the first
            await conn.execute(_key("2"))
        return time.monotonic()

    ticker = asyncio.create_task(tick())
    try:
        async with database.engine.begin() as conn:
            await conn.execute(_key("1"))
            waiting = asyncio.create_task(second_writer())
            started = time.monotonic()
            await asyncio.sleep(0.1)
            assert not waiting.done()
            released = time.monotonic()
        assert await asyncio.wait_for(waiting, 5) >= released
        assert len([t for t in ticks if started <= t <= released]) >= 5  # the loop kept going
        async with database.engine.connect() as conn:
            keys = (await conn.execute(select(idempotency_keys.c.key))).scalars().all()
        assert sorted(keys) == ["1", "2"]
    finally:
        ticker.cancel()
        await database.close()


async def test_a_lock_held_past_the_busy_timeout_is_storage_unavailable() -> None:
    database = EphemeralSqlite(busy_timeout=0.05)
    try:
        async with database.engine.begin() as conn:
            await conn.execute(_key("1"))
            with pytest.raises(StorageUnavailable):
                async with database.engine.begin() as other:
                    await other.execute(text("SELECT 1"))
    finally:
        await database.close()


async def test_runtimes_share_compiled_statements() -> None:
    first, second = EphemeralSqlite(), EphemeralSqlite()
    statement = select(brands.c.id).where(brands.c.name == "shared-cache-probe")
    try:
        assert first.engine.dialect == second.engine.dialect
        async with first.engine.connect() as conn:
            await conn.execute(statement)
        async with second.engine.connect() as conn:
            result = await conn.execute(statement)
            assert result.context.cache_hit == result.context.dialect.CACHE_HIT
    finally:
        await first.close()
        await second.close()


@pytest.mark.skipif(os.name != "posix", reason="the probe of a process id is POSIX")
def test_the_folders_of_killed_processes_are_removed() -> None:
    """A process killed before its exit handlers leaves its folder; the next one removes it,
    and leaves alone those of live processes (its own included)."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True
    )
    dead_pid = int(gone.stdout)
    root = Path(tempfile.gettempdir())
    abandoned = Path(tempfile.mkdtemp(prefix=f"shop-memory-{dead_pid}-", dir=root))
    (abandoned / "x.db").write_bytes(b"left behind")
    alive = Path(tempfile.mkdtemp(prefix=f"shop-memory-{os.getpid()}-", dir=root))
    try:
        memory._remove_abandoned_folders()
        assert not abandoned.exists()
        assert alive.exists()
    finally:
        for folder in (abandoned, alive):
            if folder.exists():
                for file in folder.iterdir():
                    file.unlink()
                folder.rmdir()
