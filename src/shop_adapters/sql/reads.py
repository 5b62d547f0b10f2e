"""The base of a read side in SQL: read-only transactions on the engine, and counted pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.engine import reader
from shop_adapters.sql.uow import joined_link
from shop_app.shared.paging import PageRequest


class SqlReads:
    """Queries over committed state only, in read-only transactions (which on SQLite never
    wait for a writer, see :func:`~shop_adapters.sql.engine.reader`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reader(engine)

    async def _first(self, statement: Select[Any]) -> Sequence[Any] | None:
        """The first row ``statement`` selects (a tuple), or None — read in the transaction of
        the unit of work this task is inside, if any (:func:`joined_link`), else on a
        read-only connection of its own."""
        link = joined_link(self._engine)
        if link is not None:
            rows = await link.fetch(statement)
            return tuple(rows[0]) if rows else None
        async with self._engine.connect() as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else tuple(row)

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
