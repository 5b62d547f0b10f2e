"""Contract of retention (finding 8 of issue 9, ADR 0020): old rows go, young and still-needed
rows stay, each purge transaction is bounded, a second run purges nothing, and recent audit
entries still cannot be deleted by hand. The kernel's tables, and the coupons' staged segments,
purged by the rule the coupons' plug-in brings (ADR 0030).

The suites ask for ``backend``; a :class:`RetentionDriver` over it puts the rows in and counts
them. Ours, :class:`SqlRetentionDriver`, needs a :class:`SqlBackend`: for a backend of another
kind, override the ``driver`` fixture with a driver of your own."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import DBAPIError

from shop_adapters.sql.coupons.retention import SEGMENTS
from shop_app.shared.retention import (
    DEFAULT_RETENTION,
    Purger,
    Retained,
    RetentionPolicy,
)
from shop_domain.shared.errors import DomainError
from shop_testing.contracts.backend import Backend, SqlBackend
from shop_testing.contracts.kernel_retention_support import (
    NOW,
    RetentionDriver,
    SqlRetentionDriver,
)

DAY = dt.timedelta(days=1)
OLD = NOW - 400 * DAY
"""Older than every retention but the audit log's."""
BATCH = 3
REFUSED = (DBAPIError, DomainError)
"""What a statement a trigger refuses raises: the driver's error, or ours where the engine
translates it (SQLite reports a trigger's abort as a constraint violation)."""


def purger(driver: RetentionDriver, **policy: object) -> Purger:
    """The kernel's tables and the coupons' segments, as the shop's runtime purges them."""
    return Purger(
        driver.store,
        driver.backend.clock,
        RetentionPolicy(batch_size=BATCH, **policy),  # type: ignore[arg-type]
        driver.rules,
    )


class RecordingStore:
    """Wraps a store to record how many rows each call deleted."""

    def __init__(self, store: object) -> None:
        self._store = store
        self.calls: list[tuple[str, int]] = []

    async def purge(self, table: Retained, cutoff: dt.datetime, limit: int) -> int:
        deleted: int = await self._store.purge(table, cutoff, limit)  # type: ignore[attr-defined]
        self.calls.append((table, deleted))
        return deleted


class RetentionContract:
    """The retention store (``shop_app.shared.retention``) against a backend's bookkeeping
    tables. Subclasses provide the ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    @pytest.fixture
    def driver(self, backend: Backend) -> RetentionDriver:
        assert isinstance(backend, SqlBackend), "a backend not SQL's overrides ``driver``"
        return SqlRetentionDriver(backend)

    async def test_old_idempotency_keys_go_young_ones_stay(self, driver: RetentionDriver) -> None:
        for i in range(7):
            await driver.add_idempotency_key(f"old{i}", OLD)
        await driver.add_idempotency_key("young", NOW - 6 * DAY)  # inside the 7-day retention
        purged = await purger(driver).purge(only=Retained.IDEMPOTENCY_KEYS)
        assert purged == {Retained.IDEMPOTENCY_KEYS: 7}
        assert await driver.count(Retained.IDEMPOTENCY_KEYS) == 1

    async def test_purges_in_bounded_batches_and_a_second_run_purges_nothing(
        self, driver: RetentionDriver
    ) -> None:
        for i in range(7):
            await driver.add_idempotency_key(f"old{i}", OLD)
        recording = RecordingStore(driver.store)
        run = Purger(recording, driver.backend.clock, RetentionPolicy(batch_size=BATCH))
        assert (await run.purge(only=Retained.IDEMPOTENCY_KEYS))[Retained.IDEMPOTENCY_KEYS] == 7
        assert [n for _, n in recording.calls] == [3, 3, 1]
        recording.calls.clear()
        assert await run.purge() == dict.fromkeys(Retained, 0)
        assert all(n == 0 for _, n in recording.calls)

    async def test_max_batches_leaves_the_rest_for_the_next_run(
        self, driver: RetentionDriver
    ) -> None:
        for i in range(7):
            await driver.add_idempotency_key(f"old{i}", OLD)
        run = purger(driver)
        assert await run.purge(only=Retained.IDEMPOTENCY_KEYS, max_batches=1) == {
            Retained.IDEMPOTENCY_KEYS: 3
        }
        assert await driver.count(Retained.IDEMPOTENCY_KEYS) == 4

    async def test_limiter_rows_go_only_once_their_window_and_lock_out_ended(
        self, driver: RetentionDriver
    ) -> None:
        await driver.add_limiter_row("ended", OLD, locked=True)
        await driver.add_limiter_row("open", NOW - dt.timedelta(minutes=5), locked=False)
        # a lock-out of three days that began two days ago: the window is old, the lock is not
        await driver.add_limiter_row("locked", NOW - 2 * DAY, locked=True)
        assert await purger(driver).purge(only=Retained.LIMITER) == {Retained.LIMITER: 1}
        assert await driver.count(Retained.LIMITER) == 2
        assert await driver.limiter.blocked_until("test.retention", "locked", NOW) is not None

    async def test_expired_codes_go_live_ones_stay(self, driver: RetentionDriver) -> None:
        await driver.add_code("expired", NOW - 2 * DAY)
        await driver.add_code("live", NOW + dt.timedelta(minutes=5))
        assert await purger(driver).purge(only=Retained.ONE_TIME_CODES) == {
            Retained.ONE_TIME_CODES: 1
        }
        assert await driver.codes.get("test.retention", "live") is not None
        assert await driver.codes.get("test.retention", "expired") is None

    async def test_segments_go_when_old_and_their_job_is_over(
        self, driver: RetentionDriver
    ) -> None:
        running = await driver.add_segment(OLD, 4, "running")
        queued = await driver.add_segment(OLD, 4, "queued")
        await driver.add_segment(OLD, 5, "succeeded")
        await driver.add_segment(OLD, 2, None)  # its job never came
        young = await driver.add_segment(NOW - DAY, 4, None)  # still being staged, perhaps
        purged = await purger(driver).purge(only=SEGMENTS.table)
        # 7 members and the two segments' own rows, three at a time
        assert purged == {SEGMENTS.table: 9}
        assert await driver.count(SEGMENTS.table) == 12
        for kept in (running, queued, young):
            assert len(await driver.segments.read(kept, 0, 100)) == 4
        assert await purger(driver).purge(only=SEGMENTS.table) == {SEGMENTS.table: 0}

    async def test_sent_outbox_rows_go_unsent_ones_never(self, driver: RetentionDriver) -> None:
        for _ in range(4):
            await driver.add_outbox_row(OLD, OLD + DAY)
        await driver.add_outbox_row(OLD, None)  # never sent: kept however old
        await driver.add_outbox_row(NOW - DAY, NOW - DAY)
        assert await purger(driver).purge(only=Retained.OUTBOX) == {Retained.OUTBOX: 4}
        assert await driver.count(Retained.OUTBOX) == 2

    @pytest.mark.rule("SEC-2")
    async def test_audit_entries_older_than_the_retention_go(self, driver: RetentionDriver) -> None:
        for _ in range(4):
            await driver.add_audit_entry(NOW - 2000 * DAY)
        await driver.add_audit_entry(NOW - 1000 * DAY)
        await driver.add_audit_entry(NOW)
        assert await purger(driver).purge(only=Retained.AUDIT) == {Retained.AUDIT: 4}
        assert await driver.count(Retained.AUDIT) == 2
        assert await driver.store.audit_horizon() == NOW - DEFAULT_RETENTION[Retained.AUDIT]

    @pytest.mark.rule("SEC-2")
    async def test_the_audit_horizon_never_moves_back(self, driver: RetentionDriver) -> None:
        await purger(driver, retention={Retained.AUDIT: 100 * DAY}).purge(only=Retained.AUDIT)
        await driver.add_audit_entry(NOW - 200 * DAY)
        # a longer retention later keeps more, but does not move the horizon back
        assert await purger(driver).purge(only=Retained.AUDIT) == {Retained.AUDIT: 0}
        assert await driver.store.audit_horizon() == NOW - 100 * DAY
        assert await driver.count(Retained.AUDIT) == 1


class SqlRetentionContract(RetentionContract):
    """What only SQL backends hold: the inbox, and a database that anyone may send SQL to,
    whose own triggers guard the audit log and its horizon."""

    async def test_old_inbox_rows_go(self, driver: RetentionDriver) -> None:
        await driver.add_inbox_rows(OLD, 5)
        await driver.add_inbox_rows(NOW - 29 * DAY, 2)  # inside the 30-day retention
        assert await purger(driver).purge(only=Retained.INBOX) == {Retained.INBOX: 5}
        assert await driver.count(Retained.INBOX) == 2

    async def test_a_purged_segment_leaves_no_header(self, driver: RetentionDriver) -> None:
        await driver.add_segment(OLD, 3, "succeeded")
        await purger(driver).purge(only=SEGMENTS.table)
        assert await driver.segment_headers() == 0

    @pytest.mark.rule("SEC-2")
    async def test_recent_audit_entries_cannot_be_deleted_by_hand(
        self, driver: RetentionDriver
    ) -> None:
        old = await driver.add_audit_entry(NOW - 2000 * DAY)
        recent = await driver.add_audit_entry(NOW - 40 * DAY)
        with pytest.raises(REFUSED):
            await driver.delete_audit_entry_by_hand(old)  # the horizon has not passed it yet
        await purger(driver, retention={Retained.AUDIT: 60 * DAY}).purge(only=Retained.AUDIT)
        with pytest.raises(REFUSED):
            await driver.delete_audit_entry_by_hand(recent)
        assert await driver.count(Retained.AUDIT) == 1  # the recent one

    @pytest.mark.rule("SEC-2")
    async def test_the_horizon_cannot_be_moved_by_hand(self, driver: RetentionDriver) -> None:
        await purger(driver, retention={Retained.AUDIT: 100 * DAY}).purge(only=Retained.AUDIT)
        with pytest.raises(REFUSED):
            await driver.set_audit_horizon_by_hand(NOW - 200 * DAY)  # back
        with pytest.raises(REFUSED):
            await driver.set_audit_horizon_by_hand(NOW)  # onto recent history
        with pytest.raises(REFUSED):
            await driver.delete_audit_horizon_by_hand()
        assert await driver.store.audit_horizon() == NOW - 100 * DAY
