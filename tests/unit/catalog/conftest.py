"""Fixtures for catalog tests: a message bus over a ``memory://`` runtime, and its read side."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_adapters.shared.system import FixedClock
from shop_app.catalog import catalog_command_handlers
from shop_app.catalog.ports import CatalogQueries
from shop_app.shared.messagebus import MessageBus
from shop_domain.catalog import CatalogPolicy
from shop_testing.harness import MemoryShop


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC))


@pytest.fixture
def policy() -> CatalogPolicy:
    return CatalogPolicy()


@pytest.fixture
def bus(shop: MemoryShop, policy: CatalogPolicy) -> MessageBus:
    return MessageBus(shop.uow, catalog_command_handlers(policy))


@pytest.fixture
def queries(shop: MemoryShop) -> CatalogQueries:
    return shop.runtime.get(CatalogQueries)
