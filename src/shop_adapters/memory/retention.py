"""The in-memory retention store: the same purges as :mod:`shop_adapters.sql.retention`, over
a :class:`MemoryDatabase` and the memory limiter and code store (the rules are in
:mod:`shop_app.shared.retention`).

The memory runtime has no inbox (consumers with a :class:`MemoryInbox` keep it themselves), so
its inbox purge deletes nothing. The audit log keeps a horizon like the SQL one: the purge moves
it forward only, and nothing removes an entry at or after it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from shop_adapters.memory.coupons import coupon_tables
from shop_adapters.memory.kernel import MemoryDatabase
from shop_adapters.memory.kernel import oldest as _oldest
from shop_adapters.memory.otp import MemoryOneTimeCodeStore
from shop_adapters.memory.ratelimit import MemoryAttemptLimiter
from shop_app.coupons.segments import ISSUE_SEGMENT
from shop_app.shared.retention import Retained, RetentionStore

HORIZON = "audit_horizon"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

Purge = Callable[[dt.datetime, int], Coroutine[Any, Any, int]]


class MemoryRetentionStore(RetentionStore):
    def __init__(
        self,
        db: MemoryDatabase,
        limiter: MemoryAttemptLimiter,
        codes: MemoryOneTimeCodeStore,
    ) -> None:
        self._db = db
        self._limiter = limiter
        self._codes = codes
        self._purges: dict[Retained, Purge] = {
            Retained.IDEMPOTENCY_KEYS: self._idempotency_keys,
            Retained.LIMITER: self._limiter_rows,
            Retained.ONE_TIME_CODES: self._one_time_codes,
            Retained.SEGMENTS: self._segments,
            Retained.OUTBOX: self._outbox,
            Retained.INBOX: self._inbox,
            Retained.AUDIT: self._audit,
        }

    async def purge(self, table: Retained, cutoff: dt.datetime, limit: int) -> int:
        return await self._purges[table](cutoff, limit)

    async def audit_horizon(self) -> dt.datetime:
        horizon: dt.datetime = self._db.extras.get(HORIZON, EPOCH)
        return horizon

    async def _idempotency_keys(self, cutoff: dt.datetime, limit: int) -> int:
        async with self._db.lock:
            stored = self._db.idempotency
            old = _oldest({k: v.created_at for k, v in stored.items()}, cutoff, limit)
            for key in old:
                del stored[key]
        return len(old)

    async def _limiter_rows(self, cutoff: dt.datetime, limit: int) -> int:
        return await self._limiter.purge_ended(cutoff, limit)

    async def _one_time_codes(self, cutoff: dt.datetime, limit: int) -> int:
        return await self._codes.purge_expired(cutoff, limit)

    async def _outbox(self, cutoff: dt.datetime, limit: int) -> int:
        async with self._db.lock:
            sent = {row.position: row.sent_at for row in self._db.outbox if row.sent_at is not None}
            old = set(_oldest(sent, cutoff, limit))
            self._db.outbox[:] = [row for row in self._db.outbox if row.position not in old]
        return len(old)

    async def _inbox(self, cutoff: dt.datetime, limit: int) -> int:
        return 0

    async def _audit(self, cutoff: dt.datetime, limit: int) -> int:
        async with self._db.lock:
            horizon = max(self._db.extras.get(HORIZON, EPOCH), cutoff)
            self._db.extras[HORIZON] = horizon
            log = self._db.audit_log
            old = set(_oldest({e.id: e.at for e in log}, min(cutoff, horizon), limit))
            log[:] = [entry for entry in log if entry.id not in old]
        return len(old)

    async def _segments(self, cutoff: dt.datetime, limit: int) -> int:
        tables = coupon_tables(self._db)
        busy = {
            str(job.params.get("segment_id"))
            for job in self._db.jobs.values()
            if job.kind == ISSUE_SEGMENT and not job.finished
        }
        deleted = 0
        for segment_id in _oldest(tables.segment_staged, cutoff, len(tables.segment_staged)):
            if str(segment_id) in busy:
                continue
            deleted += self._drop_part(
                tables.segments, tables.segment_staged, segment_id, limit - deleted
            )
            if deleted >= limit:
                break
        return deleted

    @staticmethod
    def _drop_part(
        segments: dict[uuid.UUID, list[uuid.UUID]],
        staged: dict[uuid.UUID, dt.datetime],
        segment_id: uuid.UUID,
        budget: int,
    ) -> int:
        """Delete up to ``budget`` members of a segment, and the segment once it is empty."""
        members = segments.get(segment_id, [])
        gone = min(budget, len(members))
        del members[:gone]
        if gone < budget:
            segments.pop(segment_id, None)
            staged.pop(segment_id, None)
            return gone + 1
        return gone
