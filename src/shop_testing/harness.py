"""``memory://`` runtimes for tests, wired by the composition root exactly as
``bootstrap(Settings(database_url="memory://"), contexts=...)`` wires them, plus what a test may
look into: the application's unit of work, the composition root's container and the engine of
the runtime's own SQLite database.

Tests change state through the bus and read it through the queries where they can; a test
that must see what was stored (a row count, the outbox) reads it with SQL from :attr:`engine`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import attrs
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.bootstrap import build_container, runtime_of
from shop_adapters.contexts import CONTEXTS
from shop_adapters.plugin import ContextPlugin
from shop_adapters.runtime import Runtime
from shop_adapters.settings import MEMORY_URL, Settings
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.messaging_tables import outbox
from shop_app.shared.messagebus import UnitOfWorkFactory
from shop_app.shared.ports import IdGenerator


@attrs.frozen
class StoredMessage:
    """An outbox row as a test reads it."""

    type: str
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any]
    sent_at: dt.datetime | None


@attrs.define
class MemoryShop:
    runtime: Runtime
    clock: FixedClock
    uow: Callable[[], Any]
    """The application's unit of work (every context's repositories, hence ``Any``): ``async
    with shop.uow() as uow`` reads committed aggregates."""
    engine: AsyncEngine
    container: Any = attrs.field(repr=False)
    """The composition root's container (tests resolve a port's adapter from it)."""

    def resolve(self, port: Any) -> Any:
        """The adapter the composition root put behind ``port`` for this runtime."""
        return self.container.resolve(port)

    async def outbox(self) -> list[StoredMessage]:
        """Every outbox row, oldest first."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(outbox).order_by(outbox.c.position))).all()
        return [
            StoredMessage(r.type, r.aggregate_type, r.aggregate_id, dict(r.payload), r.sent_at)
            for r in rows
        ]

    async def unsent(self) -> list[StoredMessage]:
        return [m for m in await self.outbox() if m.sent_at is None]

    async def count(self, table: Table) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())

    async def close(self) -> None:
        await self.runtime.close()


class CountingIds:
    """Deterministic, increasing UUIDs: two backends fed the same commands get the same ids."""

    def __init__(self, start: int = 1) -> None:
        self._next = start

    def new_id(self) -> uuid.UUID:
        value = uuid.UUID(int=(0x0190_0000_0000_7000_8000_0000_0000_0000 + self._next))
        self._next += 1
        return value


def memory_settings(**overrides: Any) -> Settings:
    """``memory://`` settings; SMS to memory unless told otherwise."""
    return Settings(**{"database_url": MEMORY_URL, "sms": "memory", **overrides})


def memory_shop(
    settings: Settings | None = None,
    *,
    clock: FixedClock | None = None,
    ids: IdGenerator | None = None,
    contexts: Sequence[ContextPlugin] = CONTEXTS,
) -> MemoryShop:
    """A new ``memory://`` runtime with its own database and ``contexts`` plugged in (yours
    beside ours: ``(*CONTEXTS, mine)``); close it (``await shop.close()``)."""
    settings = settings or memory_settings()
    if settings.database_url != MEMORY_URL:
        raise ValueError(f"a memory shop runs on {MEMORY_URL}, not {settings.database_url}")
    clock = clock or FixedClock()
    container = build_container(settings, clock=clock, ids=ids, contexts=tuple(contexts))
    return MemoryShop(
        runtime=runtime_of(container),
        clock=clock,
        uow=container.resolve(UnitOfWorkFactory),
        engine=container.resolve(AsyncEngine),
        container=container,
    )
