"""The audit log's suite on every backend."""

from __future__ import annotations

import pytest

from shop_testing.contracts import AuditLogContract, Backend


class TestMemoryAuditLog(AuditLogContract):
    @pytest.fixture
    def backend(self, memory_backend: Backend) -> Backend:
        return memory_backend


class TestSqliteAuditLog(AuditLogContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend


@pytest.mark.postgres
class TestPostgresAuditLog(AuditLogContract):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend
