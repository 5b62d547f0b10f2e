"""The PostgreSQL server the benchmarks make their databases on, and its admin statements.

``SHOP_BENCH_POSTGRES_URL`` (default: the local server's ``postgres`` database) is where each
benchmark creates a fresh database for its run and drops it after.
"""

from __future__ import annotations

import os

from sqlalchemy import text

from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.shared.crypto import new_key_spec
from shop_adapters.sql.engine import make_engine

ADMIN_URL = os.environ.get(
    "SHOP_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


async def admin_sql(statement: str) -> None:
    """Run ``statement`` outside a transaction (``CREATE DATABASE``, ``DROP DATABASE``…)."""
    engine = make_engine(ADMIN_URL)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def run_keys() -> GiftCardSettings:
    """Gift-card keys for one run, held in memory: a benchmark leaves no key file behind."""
    return GiftCardSettings(keys=new_key_spec())
