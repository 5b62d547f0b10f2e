"""The coupons' query suite: SQLite is its own reference; PostgreSQL answers as the ``memory://``
reference does."""

from __future__ import annotations

import pytest

from shop_testing.contracts import Backend, CouponQueriesContract


class TestSqliteCouponQueries(CouponQueriesContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend

    @pytest.fixture
    def reference(self) -> Backend | None:
        return None  # SQLite is the reference itself


@pytest.mark.postgres
class TestPostgresCouponQueries(CouponQueriesContract):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend
