"""Persistence errors become ours in one place (issue 9, findings 3 and 5): wherever the flush or
the statement happens — an autoflush before the audit entry, a store on the engine, a connection
that cannot be made — the caller sees a domain error with a stable code, never a driver's."""

from __future__ import annotations

import asyncio
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import literal, select, update
from tests.concurrency.conftest import OPERATOR, definition

from shop_adapters.shared.system import FixedClock, UuidV7Generator
from shop_adapters.sql.coupons.tables import coupon_templates
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.engine import make_engine, reader
from shop_adapters.sql.jobs import SqlJobStore
from shop_adapters.sql.kernel_tables import audit_log
from shop_adapters.sql.reads import read_records
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.coupons import commands as c
from shop_app.coupons.handlers import coupon_command_handlers
from shop_app.coupons.policy import CouponPolicy
from shop_app.shared.audit import ERROR_KEY, REFUSED
from shop_app.shared.auth import Principal
from shop_app.shared.errors import PersistenceInvalidValue, StorageUnavailable
from shop_app.shared.messagebus import MessageBus
from shop_domain.shared.errors import ConcurrencyConflict

ACTOR = Principal(OPERATOR, "operator", frozenset({"*"}))


async def _activate_behind_its_back(command: c.ActivateTemplate, uow: Any) -> None:
    """Activate, while "someone else" bumps the row's version after it was read (a stale
    write), without writing it yet: the commit is what writes the change."""
    template = await uow.coupon_templates.get(command.template_id)
    template.activate(uow.clock.now())
    await uow.link.execute(
        update(coupon_templates)
        .where(coupon_templates.c.id == command.template_id)
        .values(version=coupon_templates.c.version + 1)
    )


@pytest.mark.rule("SEC-2")
@pytest.mark.rule("SEC-4")
async def test_a_stale_write_flushed_by_the_audit_entry_is_a_concurrency_conflict(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    try:
        ids = UuidV7Generator()
        clock = FixedClock()
        handlers = coupon_command_handlers(CouponPolicy())
        bus = MessageBus(lambda: SqlShopUnitOfWork(engine, clock, ids), handlers)
        template_id = await bus.handle(
            c.CreateTemplate(definition=definition(total=5), created_by=OPERATOR)
        )
        racing = MessageBus(
            lambda: SqlShopUnitOfWork(engine, clock, ids),
            {**handlers, c.ActivateTemplate: _activate_behind_its_back},
        )
        with pytest.raises(ConcurrencyConflict):
            await racing.handle(c.ActivateTemplate(template_id=template_id), actor=ACTOR)

        async with engine.connect() as conn:
            refused = (await conn.execute(select(audit_log.c.outcome, audit_log.c.detail))).one()
        assert refused.outcome == REFUSED
        assert refused.detail[ERROR_KEY] == ConcurrencyConflict.code
    finally:
        await engine.dispose()


async def test_an_integer_out_of_range_is_an_invalid_value_not_an_overflow(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    try:
        with pytest.raises(PersistenceInvalidValue) as raised:
            await SqlJobStore(engine).list(offset=2**64)
        assert raised.value.code == "persistence.invalid_value"
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_nul_byte_in_text_is_an_invalid_value_on_postgresql(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with pytest.raises(PersistenceInvalidValue):
            await SqlJobStore(engine).list(kind="a\x00b")
        with pytest.raises(PersistenceInvalidValue):
            await SqlJobStore(engine).list(offset=2**63)
    finally:
        await engine.dispose()


async def test_a_database_file_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    engine = make_engine(f"sqlite+aiosqlite:///{folder / 'shop.db'}")
    workers_before = set(_aiosqlite_workers())
    try:
        shutil.rmtree(folder)
        folder.write_text("not a folder")  # the path no longer leads to a database
        with pytest.raises(StorageUnavailable) as raised:
            await SqlJobStore(engine).get(uuid.uuid4())
        assert raised.value.details["retry_after_seconds"] >= 1
    finally:
        await engine.dispose()
        await _let_aiosqlite_workers_finish(workers_before)


def _aiosqlite_workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]


async def _let_aiosqlite_workers_finish(others: set[threading.Thread]) -> None:
    """aiosqlite stops the worker thread of a failed connect by queueing a stop whose answer it
    posts to this loop: wait for it here, or it finds the loop closed after the test. Only
    this test's workers: another test's open connection keeps its own worker (waiting 5 s for
    each of those made this test take 15 s in a full run)."""
    workers = [t for t in _aiosqlite_workers() if t not in others]
    await asyncio.to_thread(lambda: [worker.join(5) for worker in workers])


async def test_a_refused_postgresql_connection_is_unavailable() -> None:
    engine = make_engine("postgresql+asyncpg://shop@127.0.0.1:1/shop")
    try:
        with pytest.raises(StorageUnavailable):
            await SqlJobStore(engine).get(uuid.uuid4())
    finally:
        await engine.dispose()


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_read_or_a_unit_of_work_that_cannot_connect_is_storage_unavailable(
    backend: str, tmp_path: Path
) -> None:
    if backend == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/db/shop.db", pool_wait=1)
        shutil.rmtree(tmp_path / "db")
        (tmp_path / "db").write_text("a file where the database's folder was")
    else:  # nothing listens on port 1
        engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/shop", pool_wait=1)
    one = Prepared(select(literal(1).label("one")))
    before = set(threading.enumerate())
    try:
        with pytest.raises(StorageUnavailable):
            await read_records(reader(engine), one)
        with pytest.raises(StorageUnavailable):
            async with SqlShopUnitOfWork(engine, FixedClock(), UuidV7Generator()) as uow:
                await uow.link.fetch(one)
    finally:
        await engine.dispose()
        # aiosqlite stops the worker thread of a connection that failed to open without waiting
        # for it; let it finish while this test's event loop can still take its answer
        for _ in range(200):
            if not any(t.is_alive() for t in set(threading.enumerate()) - before):
                break
            await asyncio.sleep(0.01)
