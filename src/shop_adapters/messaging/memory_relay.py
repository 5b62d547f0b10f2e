"""The relay of the in-memory database (:class:`~shop_adapters.memory.MemoryDatabase`), with the
same promises as :class:`~shop_adapters.messaging.relay.OutboxRelay`: in order, at least once,
failures recorded with a capped backoff.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import uuid
import weakref
from collections.abc import Callable

import attrs

from shop_adapters.memory.kernel import MemoryDatabase, OutboxRow
from shop_adapters.messaging.errors import describe_error
from shop_adapters.messaging.relay import (
    DEFAULT_BASE_BACKOFF,
    DEFAULT_MAX_BACKOFF,
    _Backoff,
    _RelayLoop,
)
from shop_app.shared.ports import Clock, EventPublisher

log = logging.getLogger("shop_adapters.messaging.relay")


@attrs.define
class RetryStatus:
    """What the memory relay remembers of a message that failed to go out."""

    attempts: int
    next_attempt_at: dt.datetime
    last_error: str


class _MemoryOutboxState:
    """Relay bookkeeping per :class:`MemoryDatabase`, shared by every relay over it (its
    ``OutboxRow`` has no room for attempts and backoff)."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.retries: dict[uuid.UUID, RetryStatus] = {}


_memory_states: weakref.WeakKeyDictionary[MemoryDatabase, _MemoryOutboxState] = (
    weakref.WeakKeyDictionary()
)


class MemoryOutboxRelay(_RelayLoop):
    """The relay for a :class:`MemoryDatabase`, with the same semantics as :class:`OutboxRelay`.

    Relays over one database take turns (a lock per database, distinct from the database's own
    lock, so that in-process subscribers can commit while a batch is being published).
    """

    def __init__(
        self,
        db: MemoryDatabase,
        publisher: EventPublisher,
        clock: Clock,
        batch_size: int = 100,
        max_backoff: dt.timedelta = DEFAULT_MAX_BACKOFF,
        *,
        base_backoff: dt.timedelta = DEFAULT_BASE_BACKOFF,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._db = db
        self._publisher = publisher
        self._clock = clock
        self.batch_size = batch_size
        self._backoff = _Backoff(base_backoff, max_backoff, rand)
        self._state = _memory_states.setdefault(db, _MemoryOutboxState())

    def retry_status(self, message_id: uuid.UUID) -> RetryStatus | None:
        return self._state.retries.get(message_id)

    def _is_due(self, row: OutboxRow, now: dt.datetime) -> bool:
        if row.sent_at is not None:
            return False
        retry = self._state.retries.get(row.message.id)
        return retry is None or retry.next_attempt_at <= now

    async def run_once(self) -> int:
        async with self._state.lock:
            now = self._clock.now()
            async with self._db.lock:
                # list order is commit order (rows are appended under the database lock)
                batch = [row for row in self._db.outbox if self._is_due(row, now)]
                batch = batch[: self.batch_size]
            if not batch:
                return 0
            try:
                await self._publisher.publish([row.message for row in batch])
            except Exception as exc:
                error = describe_error(exc)
                log.warning(
                    "outbox relay: publishing %d messages failed (%s); they will be retried",
                    len(batch),
                    error,
                )
                for row in batch:
                    previous = self._state.retries.get(row.message.id)
                    attempts = (previous.attempts if previous else 0) + 1
                    self._state.retries[row.message.id] = RetryStatus(
                        attempts, self._backoff.next_attempt(now, attempts), error
                    )
                return 0
            sent_at = self._clock.now()
            async with self._db.lock:
                for row in batch:
                    row.sent_at = sent_at
                    self._state.retries.pop(row.message.id, None)
            log.info("outbox relay: published %d messages", len(batch))
            return len(batch)
