"""What a running `shop` holds: the bus, the read side, the clock and the resources to close.

Built by :mod:`shop_adapters.bootstrap` from settings; handed to the HTTP app, the CLI and to
embedders. Only the bootstrap module knows about the container that builds it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs

from shop_adapters.settings import Settings
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ports import Clock


@attrs.define(eq=False)
class Runtime:
    settings: Settings
    bus: MessageBus
    clock: Clock
    check_ready: Callable[[], Awaitable[None]]
    """Raises if a dependency (the database) is not usable."""
    closers: list[Callable[[], Awaitable[None]]] = attrs.field(factory=list)

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()
        self.closers.clear()
