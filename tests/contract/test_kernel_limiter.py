"""The attempt limiter's suite on every backend; on PostgreSQL, with many concurrent
transactions too."""

from __future__ import annotations

import pytest

from shop_testing.contracts import (
    AttemptLimiterConcurrencyContract,
    AttemptLimiterContract,
    Backend,
)


class TestMemoryAttemptLimiter(AttemptLimiterContract):
    @pytest.fixture
    def backend(self, memory_backend: Backend) -> Backend:
        return memory_backend


class TestSqliteAttemptLimiter(AttemptLimiterContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend


@pytest.mark.postgres
class TestPostgresAttemptLimiter(AttemptLimiterContract, AttemptLimiterConcurrencyContract):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend
