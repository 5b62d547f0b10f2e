"""The clock's and the id generator's contracts (shop_testing.contracts.identity) over what we
ship: the system clock, the fixed clock of tests and demos, and the UUIDv7 generator."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_adapters.shared.system import FixedClock, SystemClock, UuidV7Generator
from shop_testing.contracts.identity import ClockContract, IdGeneratorContract


class TestSystemClock(ClockContract):
    @pytest.fixture
    def clock(self) -> SystemClock:
        return SystemClock()


class TestFixedClock(ClockContract):
    @pytest.fixture
    def clock(self) -> FixedClock:
        clock = FixedClock(dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC))
        clock.advance(days=40, microseconds=7)
        return clock


class TestUuidV7Generator(IdGeneratorContract):
    @pytest.fixture
    def ids(self) -> UuidV7Generator:
        return UuidV7Generator()

    @pytest.fixture
    def other_ids(self) -> UuidV7Generator:
        return UuidV7Generator()
