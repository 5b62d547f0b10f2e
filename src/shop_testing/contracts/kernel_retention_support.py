"""Drivers of the retention suites: how to put rows of a given age into a backend's bookkeeping
tables (the kernel's, and the coupons' staged segments, whose rule the coupons' plug-in brings),
and count them; the retention suites' ``driver`` fixture makes one over their ``backend``.

Rows go in through the ports where one exists (the limiter, the code store, the segment store,
the job store, ``uow.audit``), else as the driver knows how. A driver of your own subclasses
:class:`RetentionDriver`; the methods that raise ``NotImplementedError`` here are needed by
``SqlRetentionContract`` only."""

from __future__ import annotations

import abc
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.coupons.retention import SEGMENTS, SqlSegmentPurge
from shop_adapters.sql.coupons.segments import (
    SqlSegmentStore,
    coupon_segment_members,
    coupon_segments,
)
from shop_adapters.sql.kernel_tables import audit_log, rate_limits
from shop_adapters.sql.messaging_tables import idempotency_keys, inbox, outbox
from shop_adapters.sql.otp import one_time_codes
from shop_adapters.sql.retention import SqlRetentionStore, audit_horizon
from shop_app.coupons.segments import ISSUE_SEGMENT, SegmentStore
from shop_app.shared.audit import AuditEntry
from shop_app.shared.otp import OneTimeCodeStore, StoredCode
from shop_app.shared.ratelimit import AttemptPolicy
from shop_app.shared.retention import PurgeOldest, Retained, RetentionRule
from shop_testing.contracts.backend import Backend, SqlBackend

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
"""The backends' clock: the real time, since the database's audit horizon trigger compares
with its own clock."""

LOCK = AttemptPolicy(max_failures=1, window=dt.timedelta(minutes=15), lockout=dt.timedelta(days=3))


class RetentionDriver(abc.ABC):
    """Puts rows of a given age into one backend and counts them; sets its clock to
    :data:`NOW`. The limiter, the code store and the job store are the backend's own."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        backend.clock.current = NOW
        self.limiter = backend.limiter()
        self.codes: OneTimeCodeStore = backend.otp_store()

    @property
    @abc.abstractmethod
    def store(self) -> Any:
        """The retention store under test (``purge(table, cutoff, limit)``,
        ``audit_horizon()``)."""

    @property
    @abc.abstractmethod
    def segments(self) -> SegmentStore: ...

    @abc.abstractmethod
    async def add_idempotency_key(self, key: str, created_at: dt.datetime) -> None: ...

    @abc.abstractmethod
    async def add_outbox_row(
        self, created_at: dt.datetime, sent_at: dt.datetime | None
    ) -> None: ...

    @property
    @abc.abstractmethod
    def rules(self) -> list[tuple[RetentionRule, PurgeOldest]]:
        """The contexts' retention rules with their purges (the coupons' segments)."""

    @abc.abstractmethod
    async def count(self, table: str) -> int:
        """How many rows ``table`` (a :class:`Retained` name, or a context's rule's) holds."""

    # --- what only SQL backends hold (``SqlRetentionContract``) ------------------------------

    async def add_inbox_rows(self, handled_at: dt.datetime, n: int) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not provide add_inbox_rows()")

    async def segment_headers(self) -> int:
        """How many staged segments have a header row."""
        raise NotImplementedError(f"{type(self).__name__} does not provide segment_headers()")

    async def delete_audit_entry_by_hand(self, entry_id: uuid.UUID) -> None:
        """Delete one audit entry as a statement sent past the application would."""
        raise NotImplementedError(
            f"{type(self).__name__} does not provide delete_audit_entry_by_hand()"
        )

    async def set_audit_horizon_by_hand(self, purged_before: dt.datetime) -> None:
        """Move the audit horizon as a statement sent past the application would."""
        raise NotImplementedError(
            f"{type(self).__name__} does not provide set_audit_horizon_by_hand()"
        )

    async def delete_audit_horizon_by_hand(self) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} does not provide delete_audit_horizon_by_hand()"
        )

    async def add_limiter_row(self, subject: str, at: dt.datetime, *, locked: bool) -> None:
        """A failure at ``at``: with ``locked``, it locks the subject out for three days."""
        policy = LOCK if locked else AttemptPolicy(3, LOCK.window, LOCK.lockout)
        await self.limiter.record_failure("test.retention", subject, at, policy)

    async def add_code(self, subject: str, expires_at: dt.datetime) -> None:
        code = StoredCode(
            purpose="test.retention",
            subject=subject,
            salt=b"s" * 16,
            code_hash=b"h" * 32,
            phone_masked="138****0000",
            issued_at=expires_at - dt.timedelta(minutes=5),
            expires_at=expires_at,
        )
        await self.codes.put(code, resend_after=dt.timedelta(seconds=60))

    async def add_segment(self, staged_at: dt.datetime, users: int, job: str | None) -> uuid.UUID:
        """A staged segment of ``users`` users; ``job``: ``queued``, ``running``, ``succeeded``
        or ``None`` (its job was never submitted)."""
        self.backend.clock.current = staged_at
        segment_id = uuid.uuid4()
        try:
            for first in range(1, users + 1, 1000):
                chunk = [uuid.uuid4() for _ in range(min(1000, users - first + 1))]
                await self.segments.append(segment_id, first, chunk)
        finally:
            self.backend.clock.current = NOW
        if job is not None:
            jobs = self.backend.jobs()
            job_id = await jobs.create(
                ISSUE_SEGMENT, {"segment_id": str(segment_id)}, users, "test", staged_at
            )
            if job != "queued":
                await jobs.start(job_id, "w1", NOW, dt.timedelta(minutes=5))
            if job == "succeeded":
                await jobs.succeed(job_id, {}, NOW, worker="w1")
        return segment_id

    async def add_audit_entry(self, at: dt.datetime) -> uuid.UUID:
        entry = AuditEntry(
            id=uuid.uuid4(),
            at=at,
            actor_kind="operator",
            actor="op",
            action="test.retention",
            target="t",
            outcome="done",
            detail={},
        )
        async with self.backend.uow() as uow:
            await uow.audit.append(entry)
            await uow.commit()
        return entry.id


SQL_TABLES: dict[str, Any] = {
    Retained.IDEMPOTENCY_KEYS: idempotency_keys,
    Retained.LIMITER: rate_limits,
    Retained.ONE_TIME_CODES: one_time_codes,
    SEGMENTS.table: coupon_segment_members,
    Retained.OUTBOX: outbox,
    Retained.INBOX: inbox,
    Retained.AUDIT: audit_log,
}


class SqlRetentionDriver(RetentionDriver):
    """The driver of :class:`SqlBackend`: our tables, written directly where no port writes."""

    backend: SqlBackend

    def __init__(self, backend: SqlBackend) -> None:
        super().__init__(backend)
        self.engine: AsyncEngine = backend.engine
        self._segments = SqlSegmentStore(self.engine, backend.clock)
        self._store = SqlRetentionStore(self.engine)
        self._rules: list[tuple[RetentionRule, PurgeOldest]] = [
            (SEGMENTS, SqlSegmentPurge(self.engine).purge)
        ]

    @property
    def store(self) -> SqlRetentionStore:
        return self._store

    @property
    def rules(self) -> list[tuple[RetentionRule, PurgeOldest]]:
        return self._rules

    @property
    def segments(self) -> SqlSegmentStore:
        return self._segments

    async def _insert(self, table: Any, rows: list[dict[str, Any]]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(insert(table), rows)

    async def add_idempotency_key(self, key: str, created_at: dt.datetime) -> None:
        await self._insert(
            idempotency_keys,
            [{"scope": "test", "key": key, "fingerprint": "f" * 64, "created_at": created_at}],
        )

    async def add_outbox_row(self, created_at: dt.datetime, sent_at: dt.datetime | None) -> None:
        row = {
            "id": uuid.uuid4(),
            "type": "test.happened",
            "aggregate_type": "Test",
            "aggregate_id": "1",
            "payload": {},
            "occurred_at": created_at,
            "created_at": created_at,
            "next_attempt_at": created_at,
            "sent_at": sent_at,
        }
        await self._insert(outbox, [row])

    async def add_inbox_rows(self, handled_at: dt.datetime, n: int) -> None:
        rows = [
            {"consumer": "test", "message_id": uuid.uuid4(), "handled_at": handled_at}
            for _ in range(n)
        ]
        await self._insert(inbox, rows)

    async def count(self, table: str) -> int:
        async with self.engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(SQL_TABLES[table]))).scalar()
                or 0
            )

    async def segment_headers(self) -> int:
        async with self.engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(coupon_segments))).scalar()
                or 0
            )

    async def delete_audit_entry_by_hand(self, entry_id: uuid.UUID) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(audit_log).where(audit_log.c.id == entry_id))

    async def set_audit_horizon_by_hand(self, purged_before: dt.datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(audit_horizon).values(purged_before=purged_before))

    async def delete_audit_horizon_by_hand(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(audit_horizon))
