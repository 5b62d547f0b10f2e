"""Retention: the bookkeeping tables are purged, so none grows forever.

What is kept, and for how long
------------------------------
Each purged table has a :class:`RetentionRule`: how long it keeps its rows by default and at
least, and the ``SHOP_RETENTION_<SETTING>_DAYS`` variable that changes that
(:class:`RetentionPolicy`). A row older than its table's retention *and no longer needed* is
purged. The kernel's own tables are the :class:`Retained` ones (:data:`KERNEL_RULES`); a context
brings the rules of its own tables with the function that purges them
(``ContextPlugin.retention``, ADR 0030):

- ``idempotency_keys``: keys older than the retention (it must outlive any client's retry
  window, SEC-5: a retry after the key went would run the command again);
- ``rate_limits``: rows whose window *and* lock-out both ended before the cutoff (a longer
  retention than any limiter window, so an open window is never forgotten);
- ``one_time_codes``: codes that expired before the cutoff (used or not);
- ``outbox``: rows *sent* before the cutoff (an unsent row is never purged);
- ``inbox``: message ids handled before the cutoff (it must outlive the broker's redelivery);
- ``audit_log``: entries older than the cutoff. The log stays append-only for everything
  younger: the purge first moves the database's audit horizon forward (never back), and the
  database refuses to delete an entry at or after the horizon (see ADR 0020).

How
---
:class:`Purger` asks the :class:`RetentionStore` (the kernel's tables) or a context's purge
function (:data:`PurgeOldest`) to delete at most ``batch_size`` rows of one table per call, each
call one short transaction, and repeats until a call deletes fewer than that: a purge never
holds locks long or loads a table into memory, and a second run right after the first deletes
nothing. ``shop sweep`` and the ``shop serve`` loop run it.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Final, Protocol

import attrs

from shop_app.shared.ports import Clock
from shop_domain.shared.errors import InvalidValue

log = logging.getLogger(__name__)

MAX_BATCH: Final = 50_000
DAY: Final = dt.timedelta(days=1)


class Retained(enum.StrEnum):
    """The kernel's purged tables (the values are the SQL tables' names)."""

    IDEMPOTENCY_KEYS = "idempotency_keys"
    LIMITER = "rate_limits"
    ONE_TIME_CODES = "one_time_codes"
    OUTBOX = "outbox"
    INBOX = "inbox"
    AUDIT = "audit_log"


@attrs.frozen(kw_only=True)
class RetentionRule:
    """A purged table: ``table`` names it (in reports, and in :attr:`RetentionPolicy.retention`);
    ``SHOP_RETENTION_<setting>_DAYS`` sets its retention, ``default`` without it; shorter than
    ``minimum`` is refused."""

    table: str
    setting: str
    default: dt.timedelta
    minimum: dt.timedelta = DAY


KERNEL_RULES: Final[Mapping[Retained, RetentionRule]] = {
    Retained.IDEMPOTENCY_KEYS: RetentionRule(
        table=Retained.IDEMPOTENCY_KEYS.value, setting="IDEMPOTENCY", default=7 * DAY
    ),
    Retained.LIMITER: RetentionRule(table=Retained.LIMITER.value, setting="LIMITER", default=DAY),
    Retained.ONE_TIME_CODES: RetentionRule(
        table=Retained.ONE_TIME_CODES.value, setting="OTP", default=DAY
    ),
    Retained.OUTBOX: RetentionRule(table=Retained.OUTBOX.value, setting="OUTBOX", default=7 * DAY),
    Retained.INBOX: RetentionRule(table=Retained.INBOX.value, setting="INBOX", default=30 * DAY),
    Retained.AUDIT: RetentionRule(
        table=Retained.AUDIT.value, setting="AUDIT", default=1826 * DAY, minimum=30 * DAY
    ),
}
"""The kernel's tables: see ADR 0020 for why each default. A minimum of a day is longer than
any client retry, limiter window or code life; the audit log keeps at least a month of history
(SEC-2)."""

DEFAULT_RETENTION: Final[Mapping[Retained, dt.timedelta]] = {
    table: rule.default for table, rule in KERNEL_RULES.items()
}
MINIMUM_RETENTION: Final[Mapping[Retained, dt.timedelta]] = {
    table: rule.minimum for table, rule in KERNEL_RULES.items()
}


class InvalidRetention(InvalidValue):
    """A retention shorter than its minimum, or a purge batch out of range."""

    code = "retention.invalid"


def _checked(rule: RetentionRule, keep: dt.timedelta) -> dt.timedelta:
    if keep < rule.minimum:
        raise InvalidRetention(f"{rule.table} is kept at least {rule.minimum.days} day(s)")
    return keep


def _retentions(value: Mapping[str, dt.timedelta]) -> dict[str, dt.timedelta]:
    merged = {rule.table: rule.default for rule in KERNEL_RULES.values()}
    merged.update(value)
    for table, rule in KERNEL_RULES.items():
        _checked(rule, merged[table])
    return merged


@attrs.frozen
class RetentionPolicy:
    """How long each table keeps its rows, and how many rows one transaction deletes."""

    retention: Mapping[str, dt.timedelta] = attrs.field(factory=dict, converter=_retentions)
    """By table name: the kernel's (their defaults filled in), and any context's given here."""
    batch_size: int = attrs.field(default=5000)
    max_batches: int | None = None
    """Per table per run (the serve loop bounds its minute's work; ``shop sweep`` does not)."""
    by_setting: Mapping[str, dt.timedelta] = attrs.field(factory=dict)
    """What ``SHOP_RETENTION_<SETTING>_DAYS`` variables say, by ``SETTING``, for the rules of
    contexts (a table given in ``retention`` is kept as given there)."""

    @batch_size.validator
    def _check_batch(self, _attribute: attrs.Attribute[int], value: int) -> None:
        if not 1 <= value <= MAX_BATCH:
            raise InvalidRetention(f"a purge batch is 1 to {MAX_BATCH} rows")

    def keep(self, rule: RetentionRule) -> dt.timedelta:
        """How long ``rule``'s table keeps its rows; shorter than its minimum is refused."""
        given = self.retention.get(rule.table)
        return _checked(
            rule, self.by_setting.get(rule.setting, rule.default) if given is None else given
        )


class RetentionStore(Protocol):
    """Deletes rows of the kernel's tables that retention let go (an adapter per backend)."""

    async def purge(self, table: Retained, cutoff: dt.datetime, limit: int) -> int:
        """Delete at most ``limit`` rows of ``table`` older than ``cutoff`` that nothing needs
        any more (the rules in the module documentation), in one transaction; how many went."""
        ...


PurgeOldest = Callable[[dt.datetime, int], Awaitable[int]]
"""``purge(cutoff, limit)``: delete at most ``limit`` rows older than ``cutoff`` that nothing
needs any more, in one transaction; how many went (a context's table)."""


class Purger:
    """Runs the purge of every retained table in bounded batches: the kernel's, through
    ``store``, then each rule of ``rules`` (a context's table and its purge)."""

    def __init__(
        self,
        store: RetentionStore,
        clock: Clock,
        policy: RetentionPolicy,
        rules: Sequence[tuple[RetentionRule, PurgeOldest]] = (),
    ) -> None:
        self._clock = clock
        self._policy = policy
        kernel: list[tuple[RetentionRule, PurgeOldest]] = [
            (rule, functools.partial(store.purge, table)) for table, rule in KERNEL_RULES.items()
        ]
        self._tables: dict[str, tuple[dt.timedelta, PurgeOldest]] = {}
        for rule, purge in (*kernel, *rules):
            if rule.table in self._tables:
                raise ValueError(f"two retention rules purge {rule.table}")
            self._tables[rule.table] = (policy.keep(rule), purge)

    @property
    def policy(self) -> RetentionPolicy:
        return self._policy

    @property
    def tables(self) -> Mapping[str, dt.timedelta]:
        """Every purged table and its retention, in the order a purge goes through them."""
        return {table: keep for table, (keep, _purge) in self._tables.items()}

    async def purge(
        self, *, max_batches: int | None = None, only: str | None = None
    ) -> dict[str, int]:
        """Purge every table (or ``only`` one); the rows deleted per table.

        ``max_batches`` (default: the policy's) bounds the transactions per table of this
        run; what is left goes in the next run."""
        limit = self._policy.batch_size
        batches = self._policy.max_batches if max_batches is None else max_batches
        now = self._clock.now()
        purged: dict[str, int] = {}
        for table in self._tables if only is None else (only,):
            keep, purge_oldest = self._tables[table]
            cutoff = now - keep
            total = done = 0
            while batches is None or done < batches:
                deleted = await purge_oldest(cutoff, limit)
                total += deleted
                done += 1
                if deleted < limit:
                    break
            purged[table] = total
            if total:
                log.info("retention: purged %d row(s) of %s", total, table)
        return purged


__all__ = [
    "DEFAULT_RETENTION",
    "KERNEL_RULES",
    "MINIMUM_RETENTION",
    "PurgeOldest",
    "Purger",
    "Retained",
    "RetentionPolicy",
    "RetentionRule",
    "RetentionStore",
]
