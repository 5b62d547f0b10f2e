"""Attempt policies, the lock-out error, and ``uow.after_transaction``."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator

import pytest

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.kernel_tables import audit_log
from shop_app.shared.ratelimit import AttemptPolicy, locked_out
from shop_app.shared.unit_of_work import UnitOfWorkNotActive
from shop_domain.shared.errors import InvalidValue
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def test_a_policy_needs_a_positive_maximum_and_durations() -> None:
    AttemptPolicy(1, MINUTE, MINUTE)
    with pytest.raises(InvalidValue):
        AttemptPolicy(0, MINUTE, MINUTE)
    with pytest.raises(InvalidValue):
        AttemptPolicy(3, dt.timedelta(0), MINUTE)
    with pytest.raises(InvalidValue):
        AttemptPolicy(3, MINUTE, -MINUTE)


def test_the_lock_out_error_says_when_to_retry() -> None:
    error = locked_out(NOW + dt.timedelta(seconds=90.2), NOW)
    assert error.kind == "rate_limited"
    assert error.code == "rate_limited.too_many_attempts"
    assert error.details["retry_after_seconds"] == 91
    assert "91 seconds" in error.message
    assert locked_out(NOW, NOW, code="coupon.locked").code == "coupon.locked"
    assert locked_out(NOW, NOW).details["retry_after_seconds"] == 1


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    shop = memory_shop(clock=FixedClock(NOW))
    yield shop
    await shop.close()


@pytest.mark.parametrize("commit", [True, False], ids=["committed", "rolled-back"])
async def test_after_transaction_runs_once_the_transaction_ended(
    shop: MemoryShop, commit: bool
) -> None:
    seen: list[str] = []
    unit = shop.uow()

    async def first() -> None:  # reads the database: the transaction is over
        seen.append(f"first, audit log has {await shop.count(audit_log)}")

    async def second() -> None:
        seen.append("second")

    async with unit:
        unit.after_transaction(first)
        unit.after_transaction(second)
        await unit.jobs.enqueue("test.kind", {}, created_by="op")
        assert seen == []
        if commit:
            await unit.commit()
        assert seen == []
    assert seen == ["first, audit log has 0", "second"]
    assert await shop.runtime.jobs.count() == (1 if commit else 0)
    async with unit:  # a new block starts with no callbacks
        pass
    assert seen == ["first, audit log has 0", "second"]


async def test_after_transaction_callbacks_run_when_the_block_raises_and_errors_are_logged(
    shop: MemoryShop, caplog: pytest.LogCaptureFixture
) -> None:
    unit = shop.uow()
    seen: list[str] = []

    async def broken() -> None:
        raise ConnectionError("the limiter's database is away")

    async def fine() -> None:
        seen.append("ran")

    async def failing_command() -> None:
        async with unit:
            unit.after_transaction(broken)
            unit.after_transaction(fine)
            raise InvalidValue("wrong code", code="test.wrong_code")

    with caplog.at_level(logging.ERROR), pytest.raises(InvalidValue):
        await failing_command()
    assert seen == ["ran"]
    assert any("after-transaction callback failed" in r.getMessage() for r in caplog.records)


async def test_after_transaction_needs_an_open_unit_of_work(shop: MemoryShop) -> None:
    async def nothing() -> None:
        return None

    with pytest.raises(UnitOfWorkNotActive):
        shop.uow().after_transaction(nothing)
