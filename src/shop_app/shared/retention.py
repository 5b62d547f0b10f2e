"""Retention: the kernel's bookkeeping tables are purged, so none grows forever.

What is kept, and for how long
------------------------------
Each :class:`Retained` table keeps its rows for a retention period (:class:`RetentionPolicy`,
set from ``SHOP_RETENTION_*``); a row older than that *and no longer needed* is purged:

- ``idempotency_keys``: keys older than the retention (it must outlive any client's retry
  window, SEC-5: a retry after the key went would run the command again);
- ``rate_limits``: rows whose window *and* lock-out both ended before the cutoff (a longer
  retention than any limiter window, so an open window is never forgotten);
- ``one_time_codes``: codes that expired before the cutoff (used or not);
- ``coupon_segments``: staged segments older than the cutoff whose issuing job is not queued
  or running (a finished job's segment, or one whose job was never submitted);
- ``outbox``: rows *sent* before the cutoff (an unsent row is never purged);
- ``inbox``: message ids handled before the cutoff (it must outlive the broker's redelivery);
- ``audit_log``: entries older than the cutoff. The log stays append-only for everything
  younger: the purge first moves the database's audit horizon forward (never back), and the
  database refuses to delete an entry at or after the horizon (see ADR 0020).

How
---
:class:`Purger` asks the :class:`RetentionStore` to delete at most ``batch_size`` rows of one
table per call, each call one short transaction, and repeats until a call deletes fewer than
that: a purge never holds locks long or loads a table into memory, and a second run right
after the first deletes nothing. ``shop sweep`` and the ``shop serve`` loop run it.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Mapping
from typing import Final, Protocol

import attrs

from shop_app.shared.ports import Clock
from shop_domain.shared.errors import InvalidValue

log = logging.getLogger(__name__)

MAX_BATCH: Final = 50_000


class Retained(enum.StrEnum):
    """The purged tables (the values are the SQL tables' names)."""

    IDEMPOTENCY_KEYS = "idempotency_keys"
    LIMITER = "rate_limits"
    ONE_TIME_CODES = "one_time_codes"
    SEGMENTS = "coupon_segments"
    OUTBOX = "outbox"
    INBOX = "inbox"
    AUDIT = "audit_log"


DAY: Final = dt.timedelta(days=1)

DEFAULT_RETENTION: Final[Mapping[Retained, dt.timedelta]] = {
    Retained.IDEMPOTENCY_KEYS: 7 * DAY,
    Retained.LIMITER: 1 * DAY,
    Retained.ONE_TIME_CODES: 1 * DAY,
    Retained.SEGMENTS: 7 * DAY,
    Retained.OUTBOX: 7 * DAY,
    Retained.INBOX: 30 * DAY,
    Retained.AUDIT: 1826 * DAY,
}
"""The defaults, in days: see ADR 0020 for why each."""

MINIMUM_RETENTION: Final[Mapping[Retained, dt.timedelta]] = {
    Retained.IDEMPOTENCY_KEYS: 1 * DAY,
    Retained.LIMITER: 1 * DAY,
    Retained.ONE_TIME_CODES: 1 * DAY,
    Retained.SEGMENTS: 1 * DAY,
    Retained.OUTBOX: 1 * DAY,
    Retained.INBOX: 1 * DAY,
    Retained.AUDIT: 30 * DAY,
}
"""Shorter is refused: a day is longer than any client retry, limiter window, code life or
staging run; the audit log keeps at least a month of history (SEC-2)."""


class InvalidRetention(InvalidValue):
    """A retention shorter than its minimum, or a purge batch out of range."""

    code = "retention.invalid"


def _retentions(value: Mapping[Retained, dt.timedelta]) -> dict[Retained, dt.timedelta]:
    merged = {**DEFAULT_RETENTION, **value}
    for table, keep in merged.items():
        if keep < MINIMUM_RETENTION[table]:
            raise InvalidRetention(
                f"{table.value} is kept at least {MINIMUM_RETENTION[table].days} day(s)"
            )
    return merged


@attrs.frozen
class RetentionPolicy:
    """How long each table keeps its rows, and how many rows one transaction deletes."""

    retention: Mapping[Retained, dt.timedelta] = attrs.field(factory=dict, converter=_retentions)
    batch_size: int = attrs.field(default=5000)
    max_batches: int | None = None
    """Per table per run (the serve loop bounds its minute's work; ``shop sweep`` does not)."""

    @batch_size.validator
    def _check_batch(self, _attribute: attrs.Attribute[int], value: int) -> None:
        if not 1 <= value <= MAX_BATCH:
            raise InvalidRetention(f"a purge batch is 1 to {MAX_BATCH} rows")


class RetentionStore(Protocol):
    """Deletes rows that retention let go (an adapter per backend)."""

    async def purge(self, table: Retained, cutoff: dt.datetime, limit: int) -> int:
        """Delete at most ``limit`` rows of ``table`` older than ``cutoff`` that nothing needs
        any more (the rules in the module documentation), in one transaction; how many went."""
        ...


class Purger:
    """Runs the purge of every retained table in bounded batches."""

    def __init__(self, store: RetentionStore, clock: Clock, policy: RetentionPolicy) -> None:
        self._store = store
        self._clock = clock
        self._policy = policy

    @property
    def policy(self) -> RetentionPolicy:
        return self._policy

    async def purge(
        self, *, max_batches: int | None = None, only: Retained | None = None
    ) -> dict[Retained, int]:
        """Purge every table (or ``only`` one); the rows deleted per table.

        ``max_batches`` (default: the policy's) bounds the transactions per table of this
        run; what is left goes in the next run."""
        limit = self._policy.batch_size
        batches = self._policy.max_batches if max_batches is None else max_batches
        now = self._clock.now()
        purged: dict[Retained, int] = {}
        for table in Retained if only is None else (only,):
            cutoff = now - self._policy.retention[table]
            total = done = 0
            while batches is None or done < batches:
                deleted = await self._store.purge(table, cutoff, limit)
                total += deleted
                done += 1
                if deleted < limit:
                    break
            purged[table] = total
            if total:
                log.info("retention: purged %d row(s) of %s", total, table.value)
        return purged


__all__ = [
    "DEFAULT_RETENTION",
    "MINIMUM_RETENTION",
    "Purger",
    "Retained",
    "RetentionPolicy",
    "RetentionStore",
]
