"""Fixtures of the unit tests: a ``memory://`` shop on a clock the test moves (a module or a
context's ``conftest.py`` sets its own ``clock`` where it needs another moment)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.memory_support import MemoryShop, memory_shop

from shop_adapters.shared.system import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def shop(clock: FixedClock) -> AsyncIterator[MemoryShop]:
    shop = memory_shop(clock=clock)
    yield shop
    await shop.close()
