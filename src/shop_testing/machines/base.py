"""The base of the kit's state machines: a hypothesis ``RuleBasedStateMachine`` that drives a
whole ``memory://`` runtime through its bus.

Hypothesis runs a machine's rules synchronously; the runtime is async. Each machine owns an
event loop of its own (never made the thread's current loop) and runs a coroutine to its end
with :meth:`ShopMachine.run`, so a rule reads like the test it is::

    @rule(user=users)
    def claim(self, user):
        self.run(self.shop.runtime.bus.handle(ClaimCoupon(...)))

A new runtime (with a database of its own) is opened for each run of the machine and closed at
its teardown. Subclasses choose the runtime with class attributes: ``contexts`` (ours, plus
yours: ``(*CONTEXTS, MINE)``) and :meth:`settings`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Coroutine, Sequence
from typing import Any, ClassVar, TypeVar

from hypothesis.stateful import RuleBasedStateMachine

from shop_adapters.contexts import CONTEXTS
from shop_adapters.plugin import ContextPlugin
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_app.shared.ports import IdGenerator
from shop_testing.harness import CountingIds, MemoryShop, memory_settings, memory_shop

T = TypeVar("T")

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
"""Where a machine's clock starts (a Sunday morning, UTC; 17:00 on a Beijing business day)."""


class ShopMachine(RuleBasedStateMachine):
    """A state machine over a fresh ``memory://`` runtime: ``self.shop`` (a
    :class:`~shop_testing.harness.MemoryShop`), ``self.clock`` and :meth:`run`."""

    contexts: ClassVar[Sequence[ContextPlugin]] = CONTEXTS
    """The contexts plugged into the machine's runtime."""
    start: ClassVar[dt.datetime] = START

    def __init__(self) -> None:
        super().__init__()
        self._loop = asyncio.new_event_loop()
        self.clock = FixedClock(self.start)
        self.shop: MemoryShop = memory_shop(
            self.settings(), clock=self.clock, ids=self.ids(), contexts=self.contexts
        )
        self.run(self.shop.runtime.start())

    def settings(self) -> Settings:
        """The runtime's settings (``memory://``, SMS kept in memory); override to change them."""
        return memory_settings()

    def ids(self) -> IdGenerator:
        """The runtime's ids: counted from 1 in each run (increasing, as UUIDv7 ids are), so
        that a run replayed while hypothesis shrinks it makes the same ids — and whatever
        depends on their order (a leftover unit of a split, the order of a listing) replays too.
        """
        return CountingIds()

    def run(self, step: Coroutine[Any, Any, T]) -> T:
        """Run ``step`` on the machine's loop to its end and return its result."""
        return self._loop.run_until_complete(step)

    def teardown(self) -> None:
        try:
            self.run(self.shop.close())
        finally:
            self._loop.close()


__all__ = ["START", "ShopMachine"]
