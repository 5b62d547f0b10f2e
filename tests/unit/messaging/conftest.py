"""Fixtures of the messaging unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.unit.messaging.support import T0

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.engine import make_engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
async def sqlite_engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(sqlite_url)
    yield engine
    await engine.dispose()
