"""The gift-card key ring suite (GC-11) on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import pytest

from shop_testing.contracts import KeyChecksContract


class TestKeyRingOnSqlite(KeyChecksContract):
    @pytest.fixture
    def url(self, sqlite_url: str) -> str:
        return sqlite_url


class TestKeyRingOnPostgres(KeyChecksContract):
    @pytest.fixture
    def url(self, postgres_url: str) -> str:
        return postgres_url
