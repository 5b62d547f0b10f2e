"""What a running `shop` holds: the bus, the read side, the clock and the resources to close.

Built by :mod:`shop_adapters.bootstrap` from settings; handed to the HTTP app, the CLI and to
embedders. Only the bootstrap module knows about the container that builds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

import attrs

from shop_adapters.settings import Settings
from shop_app.catalog.ports import CatalogQueries
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ports import Clock, EventPublisher


class Relay(Protocol):
    """Moves outbox rows to the publisher (see ``shop_adapters.messaging.relay``)."""

    async def run_once(self) -> int: ...

    async def run(self, stop: asyncio.Event, idle_interval: float = 1.0) -> None: ...


async def _always_ready() -> None:
    return None


@attrs.define(eq=False)
class Runtime:
    settings: Settings
    bus: MessageBus
    clock: Clock
    catalog: CatalogQueries | None = None
    publisher: EventPublisher | None = None
    relay: Relay | None = None
    check_ready: Callable[[], Awaitable[None]] = _always_ready
    """Raises if a dependency (the database) is not usable."""
    closers: list[Callable[[], Awaitable[None]]] = attrs.field(factory=list)

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()
        self.closers.clear()
