"""Tables of a test's own on the session's PostgreSQL database, for tests of the SQL kernel
that need no context's tables."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.engine import make_engine


@contextlib.asynccontextmanager
async def scratch_tables(url: str, meta: MetaData) -> AsyncIterator[AsyncEngine]:
    """An engine on ``url`` with ``meta``'s tables made afresh, dropped at the end."""
    made = make_engine(url)
    async with made.begin() as conn:
        await conn.run_sync(meta.drop_all)
        await conn.run_sync(meta.create_all)
    try:
        yield made
    finally:
        async with made.begin() as conn:
            await conn.run_sync(meta.drop_all)
        await made.dispose()
