"""The schema comes only from Alembic migrations, and they match the models (no drift)."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from shop_adapters.sql.engine import check, make_engine
from shop_adapters.sql.tables import metadata


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
