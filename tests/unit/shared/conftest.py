"""Fixtures of the shared kernel's unit tests (the shop and its clock: tests/unit/conftest.py)."""

from __future__ import annotations

import pytest

from shop_app.shared.jobs import JobStore
from shop_testing.harness import MemoryShop


@pytest.fixture
def store(shop: MemoryShop) -> JobStore:
    return shop.runtime.jobs
