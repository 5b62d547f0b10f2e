"""Leftovers of the hand-written memory adapters, kept only for the memory outbox relay and its
tests until they go (ADR 0028). ``FixedClock`` lives in :mod:`shop_adapters.shared.system`."""

from shop_adapters.memory.kernel import MemoryDatabase, OutboxRow
from shop_adapters.shared.system import FixedClock

__all__ = ["FixedClock", "MemoryDatabase", "OutboxRow"]
