"""The base of a read side in SQL: reads of committed state outside any unit of work, and
counted pages.

A read side's hot statements are :class:`~shop_adapters.sql.driver.Prepared` and go through
:func:`read_records`: straight to the driver on a pooled connection in autocommit (one round
trip, no ``BEGIN``/``ROLLBACK`` around it and none of SQLAlchemy's execution path), or inside
the transaction of the unit of work the task is in (:func:`joined_link`), or on the one
connection of a read scope (:func:`read_scope`). Statements built per call go through
SQLAlchemy on a read-only connection (:func:`reader`)."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.driver import Link, Prepared
from shop_adapters.sql.engine import reader
from shop_adapters.sql.uow import joined_link
from shop_app.shared.paging import PageRequest


class _Scope:
    __slots__ = ("link", "pool", "read", "task")

    def __init__(self, engine: AsyncEngine) -> None:
        self.pool = engine.sync_engine.pool
        self.task = asyncio.current_task()
        self.link: Link | None = None
        self.read: dict[tuple[Any, ...], list[Any]] = {}
        """The rows of each statement read in the scope, by its parameters."""


def _key(statement: Prepared, params: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
    items = sorted((params or {}).items())
    key = (statement, *((k, tuple(v) if isinstance(v, list) else v) for k, v in items))
    try:
        hash(key)
    except TypeError:
        return None
    return key


_SCOPE: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("read_scope", default=None)


@contextlib.asynccontextmanager
async def read_scope(engine: AsyncEngine) -> AsyncIterator[None]:
    """Within the block, every read of this task on ``engine``'s database made through
    :func:`read_records` (and :meth:`SqlReads._first`) goes on one pooled connection, taken at
    the first read and given back at the end — for a burst of reads, such as a checkout's
    pricing, that would otherwise take and give back a connection each (decision 0047). Each
    read is still a statement of its own in autocommit; the same statement with the same
    parameters read again answers the rows it read first (as if both reads were made at the
    first one's moment: the member's level pricing and ordering both ask for is read once).
    The block must not wait for a second pooled connection (a read made another way, a unit of
    work): a burst of tasks each holding one and waiting for another would starve the pool.
    Tasks started inside share nothing: a read of theirs takes a connection of its own."""
    scope = _Scope(engine)
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        _SCOPE.reset(token)
        if scope.link is not None:
            await scope.link.give_back()


async def _scope_of(engine: AsyncEngine) -> tuple[_Scope, Link] | None:
    """The read scope this task is in on ``engine``'s database and its link (taken now if this
    is its first read), or None."""
    scope = _SCOPE.get()
    if scope is None or scope.pool is not engine.sync_engine.pool:
        return None
    if asyncio.current_task() is not scope.task:
        return None
    link = scope.link
    if link is not None and link.broken:  # dropped, and a fresh one taken for the next read
        scope.link = None
        await link.give_back()
        link = None
    if link is None:
        link = scope.link = await Link.taken(engine, autocommit=True)
    return scope, link


async def read_records(
    engine: AsyncEngine, statement: Prepared, params: Mapping[str, Any] | None = None
) -> list[Any]:
    """The rows ``statement`` selects, as named tuples (``row.id``): in the transaction of the
    unit of work this task is inside on ``engine``'s database, if any; else as a statement of
    its own (autocommit: each statement sees every commit before it, as in a ``READ
    COMMITTED`` transaction) on the connection of the read scope this task is in, or on a
    pooled connection of its own. A connection that broke under it is not pooled again."""
    joined = joined_link(engine)
    if joined is not None:
        return await joined.records(statement, params)
    scoped = await _scope_of(engine)
    if scoped is not None:
        scope, link = scoped
        key = _key(statement, params)
        if key is None:
            return await link.records(statement, params)
        found = scope.read.get(key)
        if found is None:
            found = scope.read[key] = await link.records(statement, params)
        return list(found)
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
        if link is None:
            scoped = await _scope_of(self._engine)
            link = None if scoped is None else scoped[1]
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
