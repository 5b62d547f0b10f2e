"""The promotions' persistence suite on every backend, with the promotion tests' own kinds
beside every kind of ours."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st
from tests.contract.support import SERIALISED_WRITERS
from tests.unit.pricing.kind_strategies import own_kinds

from shop_testing.contracts import Backend
from shop_testing.contracts.pricing_persistence import PromotionPersistenceContract
from shop_testing.strategies.promotions import promotion_kinds


class _WithOurKinds(PromotionPersistenceContract):
    def kinds(self) -> st.SearchStrategy[Any]:
        return promotion_kinds() | own_kinds()


class TestSqlitePromotionPersistence(_WithOurKinds):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend

    async def test_stale_write_raises_concurrency_conflict(self, backend: Backend) -> None:
        pytest.skip(SERIALISED_WRITERS)


class TestMemoryPromotionPersistence(TestSqlitePromotionPersistence):
    """``memory://``: the same SQL on a SQLite database of its own (writers serialised alike)."""

    @pytest.fixture
    def backend(self, memory_backend: Backend) -> Backend:
        return memory_backend


@pytest.mark.postgres
class TestPostgresPromotionPersistence(_WithOurKinds):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend
