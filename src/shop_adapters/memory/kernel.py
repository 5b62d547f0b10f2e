"""The in-memory database, unit of work and repository base."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import itertools
import pickle
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs

from shop_adapters.memory.audit import MemoryAuditLog
from shop_adapters.memory.jobs import MemoryJobQueue
from shop_app.shared.audit import AuditEntry
from shop_app.shared.errors import IdempotencyKeyInUse
from shop_app.shared.jobs import JobView
from shop_app.shared.ports import Clock, IdGenerator, OutboxMessage, StoredOutcome
from shop_app.shared.unit_of_work import UnitOfWork
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import ConcurrencyConflict, Conflict, NotFound

A = TypeVar("A", bound=Aggregate)


@attrs.define
class FixedClock:
    """A clock that says what it is told; ``advance`` moves it on."""

    current: dt.datetime = attrs.field(factory=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


@attrs.define
class OutboxRow:
    message: OutboxMessage
    position: int
    sent_at: dt.datetime | None = None


class MemoryDatabase:
    """Committed state shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.tables: defaultdict[str, dict[uuid.UUID, Aggregate]] = defaultdict(dict)
        self.outbox: list[OutboxRow] = []
        self.idempotency: dict[tuple[str, str], StoredOutcome] = {}
        self.audit_log: list[AuditEntry] = []
        """Append-only: units of work add entries on commit; nothing removes one."""
        self.jobs: dict[uuid.UUID, JobView] = {}
        self.job_leases: dict[uuid.UUID, dt.timedelta] = {}
        self.extras: dict[str, Any] = {}
        """Side tables of the contexts (read models, bulk rows), keyed by context."""
        self.lock = asyncio.Lock()
        self._positions = itertools.count(1)

    def next_position(self) -> int:
        """Monotonic outbox positions, unaffected by purging sent rows."""
        return next(self._positions)

    def rows(self, table: str) -> Iterator[Aggregate]:
        """Committed aggregates of a table (read-only use: queries)."""
        return iter(list(self.tables[table].values()))

    def unsent(self) -> list[OutboxMessage]:
        return [row.message for row in self.outbox if row.sent_at is None]


_NOT_STATE = ("_pending_events", "_sa_instance_state")
"""What is not the aggregate's state: its recorded events, and SQLAlchemy's instrumentation when
the classes are mapped (pickling that would pickle the whole instance, events included)."""


def _fingerprint(aggregate: Aggregate) -> bytes:
    state = {k: v for k, v in vars(aggregate).items() if k not in _NOT_STATE}
    return pickle.dumps(state)


class MemoryUnitOfWork(UnitOfWork):
    """A unit of work over a :class:`MemoryDatabase`.

    Repositories hand out deep copies; on commit every changed aggregate is checked against the
    committed version and written back as a copy, all under one lock, so the commit is atomic.
    """

    def __init__(self, db: MemoryDatabase, clock: Clock, ids: IdGenerator) -> None:
        super().__init__(clock, ids)
        self.db = db
        self._loaded: dict[int, bytes] = {}
        self._new: set[int] = set()
        self._removed: set[int] = set()
        self.idempotency = MemoryIdempotencyStore(self)
        self.audit = MemoryAuditLog(self)
        self.jobs = MemoryJobQueue(self)
        self._staged_outcomes: dict[tuple[str, str], StoredOutcome] = {}
        self._staged: list[tuple[Callable[[], None], Callable[[], None]]] = []

    async def _begin(self) -> None:
        self._loaded = {}
        self._new = set()
        self._removed = set()
        self._staged_outcomes = {}
        self._staged = []

    def stage(self, apply: Callable[[], None], check: Callable[[], None] = lambda: None) -> None:
        """Write something besides aggregates (a side table, a read model) on commit.

        Every ``check`` runs under the database lock before anything is written and may raise
        to refuse the commit; every ``apply`` then runs after the aggregates are written, so
        the whole commit stays atomic."""
        self._staged.append((apply, check))

    def loaded(self, aggregate: Aggregate) -> None:
        self._loaded[id(aggregate)] = _fingerprint(aggregate)
        self.track(aggregate)

    def added(self, aggregate: Aggregate) -> None:
        self._new.add(id(aggregate))
        self.track(aggregate)

    def removed(self, aggregate: Aggregate) -> None:
        """Delete ``aggregate`` on commit; it stays tracked so its recorded events still go out."""
        self._removed.add(id(aggregate))
        self.track(aggregate)

    async def _commit(self, outbox: Sequence[OutboxMessage]) -> None:
        async with self.db.lock:
            for key in self._staged_outcomes:
                if key in self.db.idempotency:
                    raise IdempotencyKeyInUse("another request with this key finished first")
            writes: list[tuple[str, Aggregate]] = []
            for aggregate in self.seen:
                table = type(aggregate).__name__
                stored = self.db.tables[table].get(aggregate.id)
                if id(aggregate) in self._removed:
                    if stored is not None and stored.version != aggregate.version:
                        raise ConcurrencyConflict(
                            f"{table} {aggregate.id} was changed by someone else",
                            details={"aggregate": table, "id": str(aggregate.id)},
                        )
                    writes.append((table, aggregate))
                    continue
                if id(aggregate) in self._new:
                    if stored is not None:
                        raise Conflict(
                            f"{table} {aggregate.id} already exists", code="persistence.duplicate"
                        )
                elif self._loaded.get(id(aggregate)) == _fingerprint(aggregate):
                    continue  # unchanged
                elif stored is None or stored.version != aggregate.version:
                    raise ConcurrencyConflict(
                        f"{table} {aggregate.id} was changed by someone else",
                        details={"aggregate": table, "id": str(aggregate.id)},
                    )
                writes.append((table, aggregate))
            for _, check in self._staged:
                check()
            for table, aggregate in writes:
                if id(aggregate) in self._removed:
                    self.db.tables[table].pop(aggregate.id, None)
                    continue
                aggregate.version += 1
                self.db.tables[table][aggregate.id] = _copy(aggregate)
            for apply, _ in self._staged:
                apply()
            self.db.idempotency.update(self._staged_outcomes)
            start = len(self.db.outbox)
            self.db.outbox.extend(OutboxRow(message, start + i) for i, message in enumerate(outbox))

    async def _rollback(self) -> None:
        self._staged_outcomes = {}
        self._staged = []
        self._removed = set()


def _copy(aggregate: A) -> A:
    clone = copy.deepcopy(aggregate)
    clone.__dict__.pop("_pending_events", None)
    return clone


class MemoryIdempotencyStore:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def get(self, scope: str, key: str) -> StoredOutcome | None:
        return self._uow._staged_outcomes.get((scope, key)) or self._uow.db.idempotency.get(
            (scope, key)
        )

    async def put(self, scope: str, key: str, outcome: StoredOutcome) -> None:
        self._uow._staged_outcomes[(scope, key)] = outcome


class MemoryRepository(Generic[A]):
    """Base of in-memory repositories for one aggregate type."""

    aggregate_type: type[A]
    not_found: Callable[[uuid.UUID], Exception] = staticmethod(
        lambda id_: NotFound(f"no such item: {id_}")
    )

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._identity_map: dict[uuid.UUID, A] = {}
        self._removed_ids: set[uuid.UUID] = set()

    @property
    def _table(self) -> dict[uuid.UUID, Aggregate]:
        return self._uow.db.tables[self.aggregate_type.__name__]

    def add(self, aggregate: A) -> None:
        self._identity_map[aggregate.id] = aggregate
        self._uow.added(aggregate)

    async def get(self, id_: uuid.UUID) -> A:
        found = await self.find(id_)
        if found is None:
            raise self.not_found(id_)
        return found

    async def get_many(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, A]:
        return {id_: await self.get(id_) for id_ in ids}

    def remove(self, aggregate: A) -> None:
        """Delete on commit; from now on this unit of work no longer finds it."""
        self._removed_ids.add(aggregate.id)
        self._uow.removed(aggregate)

    async def find(self, id_: uuid.UUID) -> A | None:
        if id_ in self._removed_ids:
            return None
        if id_ in self._identity_map:
            return self._identity_map[id_]
        stored = self._table.get(id_)
        if stored is None:
            return None
        aggregate: A = _copy(stored)  # type: ignore[assignment]
        self._identity_map[id_] = aggregate
        self._uow.loaded(aggregate)
        return aggregate

    async def find_where(self, predicate: Callable[[A], bool]) -> list[A]:
        """Committed aggregates matching ``predicate``, as tracked copies (small data only)."""
        ids = [a.id for a in self._table.values() if predicate(a)]  # type: ignore[arg-type]
        ids += [a.id for a in self._identity_map.values() if predicate(a) and a.id not in ids]
        found = [await self.find(i) for i in ids]
        return [a for a in found if a is not None and predicate(a)]


def oldest(items: Mapping[Any, dt.datetime], cutoff: dt.datetime, limit: int) -> list[Any]:
    """The keys of the ``limit`` oldest ``items`` (key → time) whose time is before ``cutoff``:
    what a bounded purge of a memory store removes."""
    old = sorted((at, i, key) for i, (key, at) in enumerate(items.items()) if at < cutoff)
    return [key for _, _, key in old[:limit]]
