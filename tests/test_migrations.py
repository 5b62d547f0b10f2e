"""The schema comes only from Alembic migrations, and they match the models (no drift)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import inspect, select

from shop_adapters.sql.engine import check, make_engine
from shop_adapters.sql.kernel_tables import audit_log
from shop_adapters.sql.tables import metadata
from shop_app.shared.errors import PersistenceConflict


def _table_names(url: str) -> set[str]:
    async def run() -> set[str]:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_sqlite_schema_matches_models(sqlite_url: str) -> None:
    check(sqlite_url)  # raises on any drift between models and migrations
    assert set(metadata.tables) <= _table_names(sqlite_url)


def test_postgres_schema_matches_models(postgres_url: str) -> None:
    check(postgres_url)
    assert set(metadata.tables) <= _table_names(postgres_url)


def _audit_log_refuses_changes(url: str) -> None:
    """SEC-2: the migration makes ``audit_log`` append-only in the database itself."""

    async def run() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    audit_log.insert().values(
                        id=uuid.uuid4(),
                        at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                        actor_kind="operator",
                        actor="op-1",
                        action="create_brand",
                        target="",
                        outcome="done",
                        detail={},
                    )
                )
            for change in (audit_log.update().values(actor="someone else"), audit_log.delete()):
                with pytest.raises(PersistenceConflict) as refused:
                    async with engine.begin() as conn:
                        await conn.execute(change)
                assert "append-only" in str(refused.value.__cause__)
            async with engine.connect() as conn:
                rows = (await conn.execute(select(audit_log.c.actor))).scalars().all()
            assert rows == ["op-1"]
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.mark.rule("SEC-2")
def test_sqlite_audit_log_is_append_only(sqlite_url: str) -> None:
    _audit_log_refuses_changes(sqlite_url)


@pytest.mark.rule("SEC-2")
def test_postgres_audit_log_is_append_only(postgres_url: str) -> None:
    _audit_log_refuses_changes(postgres_url)
