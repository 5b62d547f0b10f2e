"""The base of a read side in SQL: reads of committed state outside any unit of work, and
counted pages.

A read side's hot statements are :class:`~shop_adapters.sql.driver.Prepared` and go through
:func:`read_records`: straight to the driver on a pooled connection in autocommit (one round
trip, no ``BEGIN``/``ROLLBACK`` around it and none of SQLAlchemy's execution path), or inside
the transaction of the unit of work the task is in (:func:`joined_link`). Statements built per
call go through SQLAlchemy on a read-only connection (:func:`reader`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.driver import Link, Prepared
from shop_adapters.sql.engine import reader
from shop_adapters.sql.uow import joined_link
from shop_app.shared.paging import PageRequest


async def read_records(
    engine: AsyncEngine, statement: Prepared, params: Mapping[str, Any] | None = None
) -> list[Any]:
    """The rows ``statement`` selects, as named tuples (``row.id``): in the transaction of the
    unit of work this task is inside on ``engine``'s database, if any; else as a statement of
    its own on a pooled connection (autocommit: each statement sees every commit before it, as
    in a ``READ COMMITTED`` transaction). A connection that broke under it is not pooled
    again."""
    joined = joined_link(engine)
    if joined is not None:
        return await joined.records(statement, params)
    link = await Link.taken(engine, autocommit=True)  # no generator around a hot read
    try:
        return await link.records(statement, params)
    finally:
        await link.give_back()


@contextlib.asynccontextmanager
async def autocommit_link(engine: AsyncEngine) -> AsyncIterator[Link]:
    """A :class:`Link` on a pooled connection in autocommit: each statement is a transaction
    of its own, sent straight to the driver. For reads, and for writes that are whole in one
    statement (an upsert). A connection that broke under it is not pooled again."""
    link = await Link.taken(engine, autocommit=True)
    try:
        yield link
    finally:
        await link.give_back()


class SqlReads:
    """Queries over committed state only: :func:`read_records` for prepared statements,
    read-only transactions for the others (which on SQLite never wait for a writer, see
    :func:`~shop_adapters.sql.engine.reader`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reader(engine)

    async def _records(
        self, statement: Prepared, params: Mapping[str, Any] | None = None
    ) -> list[Any]:
        return await read_records(self._engine, statement, params)

    async def _first(
        self, statement: Select[Any] | Prepared, params: Mapping[str, Any] | None = None
    ) -> Sequence[Any] | None:
        """The first row ``statement`` selects (a tuple), or None — read in the transaction of
        the unit of work this task is inside, if any (:func:`joined_link`), else on a
        connection of its own."""
        if isinstance(statement, Prepared):
            found = await read_records(self._engine, statement, params)
            return found[0] if found else None
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
