"""The unit of work: one transaction, safe by default (rolled back unless committed).

Concrete units of work (SQL, memory) subclass :class:`UnitOfWork` and implement the four
``_``-prefixed hooks. The base does the bookkeeping every backend shares: it tracks the aggregates
the repositories handed out, turns their recorded events into outbox messages — each domain
event's integration event (:mod:`shop_app.shared.integration`) — written in the same transaction
as the aggregates (no dual writes), and keeps the committed domain events so the message bus can
run in-process handlers after the commit.

Besides repositories, every unit of work offers the kernel's transactional stores:
``idempotency`` (SEC-5), ``audit`` (SEC-2: entries commit with the action) and ``jobs`` (a job
enqueued here exists exactly when the unit commits); and :meth:`UnitOfWork.after_transaction`
for the few writes that must outlive a failing command (an attempt limiter's failure count).
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import ClassVar, Protocol, Self

from shop_app.shared.audit import AuditLog
from shop_app.shared.integration import REGISTRY, IntegrationRegistry, payload_of
from shop_app.shared.jobs import JobQueue
from shop_app.shared.ports import Clock, IdempotencyStore, IdGenerator, OutboxMessage
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import DomainError
from shop_domain.shared.events import DomainEvent

log = logging.getLogger(__name__)


class UnitOfWorkNotActive(DomainError):
    code = "uow.not_active"
    kind = "conflict"


class Projection(Protocol):
    """A read model kept up to date in the same transaction as the aggregates it follows
    (statistics, logs): it sees every event about to commit and writes through the unit of
    work, so it is exactly as current as the aggregates."""

    async def apply(self, events: Sequence[DomainEvent]) -> None: ...


class UnitOfWork(abc.ABC):
    idempotency: IdempotencyStore
    audit: AuditLog
    jobs: JobQueue

    def __init__(self, clock: Clock, ids: IdGenerator) -> None:
        self.clock = clock
        self.ids = ids
        self._seen: dict[int, Aggregate] = {}
        self._active = False
        self._committed = False
        self._after: list[Callable[[], Awaitable[object]]] = []
        self.committed_events: list[DomainEvent] = []

    # --- lifecycle ------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        if self._active:
            raise UnitOfWorkNotActive("this unit of work is already in use")
        self._seen = {}
        self._committed = False
        self._after = []
        self.committed_events = []
        await self._begin()
        self._active = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                await self._rollback()
        finally:
            self._active = False
            try:
                await self._close()
            finally:
                await self._run_after_transaction()

    def after_transaction(self, callback: Callable[[], Awaitable[object]]) -> None:
        """Run ``callback`` once this unit's transaction has ended, committed or rolled back,
        and its connection is released — in registration order, on leaving the block.

        For writes that must persist although the command fails, and may not share its
        transaction: ``uow.after_transaction(lambda: limiter.record_failure(...))``. (Writing
        them directly from a handler would, on SQLite, wait forever for the write lock the unit
        of work holds.) A failing callback is logged and does not change the command's outcome.
        """
        if not self._active:
            raise UnitOfWorkNotActive("after_transaction is used inside `async with uow:`")
        self._after.append(callback)

    async def _run_after_transaction(self) -> None:
        callbacks, self._after = self._after, []
        for callback in callbacks:
            try:
                await callback()
            except Exception:
                log.exception("an after-transaction callback failed: %r", callback)

    async def commit(self) -> None:
        if not self._active or self._committed:
            raise UnitOfWorkNotActive("commit outside an open unit of work")
        events: list[tuple[Aggregate, DomainEvent]] = []
        for aggregate in self._seen.values():
            events.extend((aggregate, event) for event in aggregate.pending_events)
        for projection in self.projections():
            await projection.apply([event for _, event in events])
        outgoing = (self._to_message(aggregate, event) for aggregate, event in events)
        messages = [message for message in outgoing if message is not None]
        await self._commit(messages)
        for aggregate in self._seen.values():
            aggregate.pull_events()
        self._committed = True
        self.committed_events = [event for _, event in events]

    async def rollback(self) -> None:
        """Abandon the transaction explicitly (leaving the block does the same)."""
        if self._active and not self._committed:
            await self._rollback()
            self._committed = True  # nothing left to roll back on exit

    def projections(self) -> Sequence[Projection]:
        """The in-transaction read models; contexts that keep some override this."""
        return ()

    # --- for repositories -----------------------------------------------------------------
    def track(self, aggregate: Aggregate) -> None:
        if not self._active:
            raise UnitOfWorkNotActive("repositories are used inside `async with uow:`")
        self._seen[id(aggregate)] = aggregate

    @property
    def seen(self) -> Sequence[Aggregate]:
        return tuple(self._seen.values())

    # --- outbox ---------------------------------------------------------------------------
    integration: ClassVar[IntegrationRegistry] = REGISTRY
    """Where domain events find their integration events (a test may give its own)."""

    def _to_message(self, aggregate: Aggregate, event: DomainEvent) -> OutboxMessage | None:
        """The outbox message of ``event``: its integration event (type, version, explicit
        payload) about the aggregate's stable name; ``None`` for an internal event."""
        published = self.integration.to_integration(event)
        if published is None:
            return None
        return OutboxMessage(
            id=self.ids.new_id(),
            type=published.type,
            version=published.version,
            payload=payload_of(published),
            occurred_at=event.occurred_at,
            aggregate_type=self.integration.aggregate_name(aggregate),
            aggregate_id=str(aggregate.id),
        )

    # --- backend hooks --------------------------------------------------------------------
    @abc.abstractmethod
    async def _begin(self) -> None: ...

    @abc.abstractmethod
    async def _commit(self, outbox: Sequence[OutboxMessage]) -> None:
        """Write pending changes and ``outbox`` atomically, then commit."""

    @abc.abstractmethod
    async def _rollback(self) -> None: ...

    async def _close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; called once per ``async with``."""
