"""The points accounts' persistence suite on every backend."""

from __future__ import annotations

import pytest

from shop_testing.contracts import Backend, PointsEarningContract, PointsPersistenceContract


class TestSqlitePointsPersistence(PointsPersistenceContract, PointsEarningContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend


class TestMemoryPointsPersistence(TestSqlitePointsPersistence):
    @pytest.fixture
    def backend(self, memory_backend: Backend) -> Backend:
        return memory_backend


@pytest.mark.postgres
class TestPostgresPointsPersistence(PointsPersistenceContract, PointsEarningContract):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend
