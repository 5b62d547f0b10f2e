"""The base of a read side in SQL: read-only transactions on the engine, and counted pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.engine import reader
from shop_app.shared.paging import PageRequest


class SqlReads:
    """Queries over committed state only, in read-only transactions (which on SQLite never
    wait for a writer, see :func:`~shop_adapters.sql.engine.reader`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reader(engine)

    async def _page(
        self, count: Select[Any], rows: Select[Any], paging: PageRequest
    ) -> tuple[int, Sequence[Any]]:
        """The total that ``count`` counts, and the rows of the page asked for (no second
        query when the page lies beyond the total)."""
        async with self._engine.connect() as conn:
            total = int((await conn.execute(count)).scalar_one())
            found = (
                (await conn.execute(rows.offset(paging.offset).limit(paging.page_size))).all()
                if total > paging.offset
                else []
            )
        return total, found
