"""The gift cards' card store and export source, and the database's own guards, on every
backend; PostgreSQL, whose sellers run side by side, also skips the cards another holds."""

from __future__ import annotations

import pytest

from shop_testing.contracts import (
    Backend,
    GiftCardStoreConcurrencyContract,
    GiftCardStoreContract,
    GiftCardStoreGuardsContract,
)


class TestMemoryGiftCardStore(GiftCardStoreContract, GiftCardStoreGuardsContract):
    @pytest.fixture
    def backend(self, memory_backend: Backend) -> Backend:
        return memory_backend


class TestSqliteGiftCardStore(GiftCardStoreContract, GiftCardStoreGuardsContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend


@pytest.mark.postgres
class TestPostgresGiftCardStore(
    GiftCardStoreContract, GiftCardStoreGuardsContract, GiftCardStoreConcurrencyContract
):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend
