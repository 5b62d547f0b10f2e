"""Alembic environment: async engines, our metadata, batch mode on SQLite."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or os.environ.get(
    "SHOP_DATABASE_URL", "sqlite+aiosqlite:///./var/shop.db"
)


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
        compare_server_default=True,
        **kwargs,
    )


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    _configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
