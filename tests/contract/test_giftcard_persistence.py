"""The gift cards' persistence suite on every backend."""

from __future__ import annotations

import pytest
from tests.contract.support import SERIALISED_WRITERS

from shop_testing.contracts import (
    Backend,
    GiftCardPersistenceContract,
)


class TestSqliteGiftCardPersistence(GiftCardPersistenceContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend

    async def test_stale_write_raises_concurrency_conflict(self, backend: Backend) -> None:
        pytest.skip(SERIALISED_WRITERS)


class TestMemoryGiftCardPersistence(TestSqliteGiftCardPersistence):
    """``memory://``: the same SQL on a SQLite database of its own (writers serialised alike)."""

    @pytest.fixture
    def backend(self, memory_backend: Backend) -> Backend:
        return memory_backend


@pytest.mark.postgres
class TestPostgresGiftCardPersistence(GiftCardPersistenceContract):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend
