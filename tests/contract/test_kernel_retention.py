"""The retention suite on every backend (finding 8 of issue 9, ADR 0020), and the retention
policy's own checks."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_app.shared.retention import DEFAULT_RETENTION, Retained, RetentionPolicy
from shop_domain.shared.errors import InvalidValue
from shop_testing.contracts import Backend, SqlRetentionContract

DAY = dt.timedelta(days=1)


class TestMemoryRetention(SqlRetentionContract):
    @pytest.fixture
    def backend(self, memory_backend: Backend) -> Backend:
        return memory_backend


class TestSqliteRetention(SqlRetentionContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend


@pytest.mark.postgres
class TestPostgresRetention(SqlRetentionContract):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend


def test_retention_below_the_minimum_is_refused() -> None:
    with pytest.raises(InvalidValue) as err:
        RetentionPolicy({Retained.AUDIT: 10 * DAY})
    assert err.value.code == "retention.invalid"
    with pytest.raises(InvalidValue):
        RetentionPolicy(batch_size=0)


def test_settings_read_the_retention_from_the_environment() -> None:
    from shop_adapters.settings import Settings

    settings = Settings.from_env({"SHOP_RETENTION_INBOX_DAYS": "45", "SHOP_RETENTION_BATCH": "100"})
    assert settings.retention.retention[Retained.INBOX] == 45 * DAY
    assert settings.retention.retention[Retained.AUDIT] == DEFAULT_RETENTION[Retained.AUDIT]
    assert settings.retention.batch_size == 100
    with pytest.raises(InvalidValue) as err:
        Settings.from_env({"SHOP_RETENTION_AUDIT_DAYS": "3"})
    assert err.value.code == "settings.invalid"
