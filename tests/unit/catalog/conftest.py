"""Fixtures for catalog tests: a message bus over the in-memory adapters, and its read side."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_adapters.memory.catalog import MemoryCatalogQueries
from shop_adapters.memory.kernel import FixedClock, MemoryDatabase
from shop_adapters.memory.uow import InMemoryUnitOfWork
from shop_adapters.shared.system import UuidV7Generator
from shop_app.catalog import catalog_command_handlers
from shop_app.shared.messagebus import MessageBus
from shop_domain.catalog import CatalogPolicy


@pytest.fixture
def db() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC))


@pytest.fixture
def policy() -> CatalogPolicy:
    return CatalogPolicy()


@pytest.fixture
def bus(db: MemoryDatabase, clock: FixedClock, policy: CatalogPolicy) -> MessageBus:
    ids = UuidV7Generator()
    return MessageBus(lambda: InMemoryUnitOfWork(db, clock, ids), catalog_command_handlers(policy))


@pytest.fixture
def queries(db: MemoryDatabase) -> MemoryCatalogQueries:
    return MemoryCatalogQueries(db)
