"""The one-time codes' suite (GC-12's second factor for exports) on every backend, and the
codes' own settings and message."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from shop_adapters.shared.sms import MemorySmsSender
from shop_app.shared.otp import OneTimeCodes, OneTimeCodeStore
from shop_domain.shared.errors import InvalidValue
from shop_testing.contracts import Backend, OneTimeCodesContract, SqlBackend
from shop_testing.contracts.kernel_otp import OPERATOR, PHONE, PURPOSE, at


class TestMemoryOneTimeCodes(OneTimeCodesContract):
    @pytest.fixture
    def backend(self, memory_backend: Backend) -> Backend:
        return memory_backend


class TestSqliteOneTimeCodes(OneTimeCodesContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend


@pytest.mark.postgres
class TestPostgresOneTimeCodes(OneTimeCodesContract):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend


@pytest_asyncio.fixture
async def memory_store() -> AsyncIterator[OneTimeCodeStore]:
    backend = SqlBackend()
    yield backend.otp_store()
    await backend.close()


def test_the_settings_are_checked(memory_store: OneTimeCodeStore) -> None:
    store, sender = memory_store, MemorySmsSender()
    for bad in (
        {"ttl": dt.timedelta(0)},
        {"max_attempts": 0},
        {"resend_after": dt.timedelta(seconds=-1)},
        {"digits": 3},
        {"digits": 13},
    ):
        with pytest.raises(InvalidValue):
            OneTimeCodes(store, sender, **bad)


async def test_the_message_names_the_life_of_the_code(memory_store: OneTimeCodeStore) -> None:
    sender = MemorySmsSender()
    codes = OneTimeCodes(memory_store, sender, ttl=dt.timedelta(seconds=90), digits=8)
    await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
    assert re.fullmatch(
        r"Your shop verification code is \d{8}\. It expires in 90 seconds\.",
        sender.last_to(PHONE) or "",
    )
    another_operator = "0190a000-0000-7000-8000-000000000002"  # the first may not ask again yet
    await OneTimeCodes(memory_store, sender, ttl=dt.timedelta(minutes=1)).issue(
        PURPOSE, another_operator, PHONE, at(0)
    )
    assert (sender.last_to(PHONE) or "").endswith("It expires in 1 minute.")
