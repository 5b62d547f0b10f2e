"""Fixtures of the shared kernel's unit tests: a ``memory://`` shop on a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.memory_support import MemoryShop, memory_shop

from shop_adapters.shared.system import FixedClock
from shop_app.shared.jobs import JobStore


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def shop(clock: FixedClock) -> AsyncIterator[MemoryShop]:
    shop = memory_shop(clock=clock)
    yield shop
    await shop.close()


@pytest.fixture
def store(shop: MemoryShop) -> JobStore:
    return shop.runtime.jobs
