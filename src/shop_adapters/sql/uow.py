"""The SQL unit of work, the repository base and the idempotency store (ADR 0023).

A unit of work holds one pooled connection and one transaction for the length of its
``async with`` block. Its repositories load and save aggregates through the
:class:`~shop_adapters.sql.tracker.Tracker` (rows of plain attrs objects, snapshots, versioned
writes); the kernel's stores (idempotency, audit, jobs) write through the same transaction.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from shop_adapters.sql.audit import SqlAuditLog
from shop_adapters.sql.driver import Link, Prepared, inserter
from shop_adapters.sql.jobs import SqlJobQueue
from shop_adapters.sql.mapper import TableMap
from shop_adapters.sql.messaging_tables import idempotency_keys, new_outbox_rows, outbox
from shop_adapters.sql.tracker import Tracker
from shop_app.shared.errors import IdempotencyKeyInUse
from shop_app.shared.ports import Clock, IdGenerator, OutboxMessage, StoredOutcome
from shop_app.shared.unit_of_work import UnitOfWork
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import NotFound

A = TypeVar("A", bound=Aggregate)

_IDEMPOTENCY_GET = Prepared(
    select(
        idempotency_keys.c.fingerprint, idempotency_keys.c.result, idempotency_keys.c.created_at
    ).where(
        idempotency_keys.c.scope == bindparam("scope"), idempotency_keys.c.key == bindparam("key")
    )
)


def insert_ignoring_conflicts(dialect: str, table: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` on either backend (a row that would break a unique
    key is skipped, not an error)."""
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert_(table).on_conflict_do_nothing()


_IDEMPOTENCY_PUT = Prepared(lambda dialect: insert_ignoring_conflicts(dialect, idempotency_keys))


class SqlIdempotencyStore:
    def __init__(self, link: Link) -> None:
        self._link = link

    async def get(self, scope: str, key: str) -> StoredOutcome | None:
        rows = await self._link.fetch(_IDEMPOTENCY_GET, {"scope": scope, "key": key})
        if not rows:
            return None
        fingerprint, result, created_at = rows[0]
        return StoredOutcome(fingerprint, result, created_at)

    async def put(self, scope: str, key: str, outcome: StoredOutcome) -> None:
        inserted = await self._link.execute(
            _IDEMPOTENCY_PUT,
            {
                "scope": scope,
                "key": key,
                "fingerprint": outcome.fingerprint,
                "result": outcome.result,
                "created_at": outcome.created_at,
            },
        )
        if inserted == 0:
            raise IdempotencyKeyInUse("another request with this key finished first")


_ACTIVE: contextvars.ContextVar[SqlUnitOfWork | None] = contextvars.ContextVar(
    "active_sql_unit_of_work", default=None
)


def joined_link(engine: AsyncEngine) -> Link | None:
    """The transaction of the unit of work this task is inside on ``engine``'s database, if
    any: a read made while a unit of work holds its connection joins that transaction instead of
    taking a second connection from the pool — a burst of commands each holding one connection
    and waiting for another would starve the pool."""
    uow = _ACTIVE.get()
    if uow is None or uow._engine.sync_engine.pool is not engine.sync_engine.pool:
        return None
    return uow.link


class _MintedIds:
    """The unit of work's ids: every id it hands out is remembered (:meth:`SqlUnitOfWork.
    created_here`)."""

    __slots__ = ("_ids", "minted")

    def __init__(self, ids: IdGenerator) -> None:
        self._ids = ids
        self.minted: set[uuid.UUID] = set()

    def new_id(self) -> uuid.UUID:
        made = self._ids.new_id()
        self.minted.add(made)
        return made


class SqlUnitOfWork(UnitOfWork):
    """A unit of work over one connection. Subclasses build their repositories in
    :meth:`_repositories`, called at the start of every ``async with``."""

    link: Link
    tracker: Tracker

    def __init__(self, engine: AsyncEngine, clock: Clock, ids: IdGenerator) -> None:
        self._minted = _MintedIds(ids)
        super().__init__(clock, self._minted)
        self._engine = engine

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    def _repositories(self) -> None:
        """Create repositories bound to this unit's transaction."""

    def created_here(self, id_: uuid.UUID) -> bool:
        """Whether ``id_`` is the id of an aggregate this unit of work made: minted by its
        ``ids`` and added in this transaction. No committed row refers to such an id (nothing
        outside the transaction has seen it), so a read of the rows that would — an order's
        points, reservations or participations — finds only what this transaction wrote, and
        a repository that holds those in hand need not send it (decision 0048)."""
        return id_ in self._minted.minted and id_ in self.tracker.added_ids

    async def _begin(self) -> None:
        self._minted.minted.clear()
        self.link = await Link.taken(self._engine)  # the unit of work drives its transaction
        self._joined = _ACTIVE.set(self)
        self.tracker = Tracker(self.link, self.track)
        self.idempotency = SqlIdempotencyStore(self.link)
        self.audit = SqlAuditLog(self.link)
        self.jobs = SqlJobQueue(self.link, self.clock, self.ids)
        self._at_commit: list[tuple[Prepared, Sequence[Mapping[str, Any]]]] = []
        self._repositories()

    async def flush(self) -> None:
        """Write every change made so far now, rather than at commit."""
        await self.tracker.flush()

    def write_at_commit(self, statement: Prepared, rows: Sequence[Mapping[str, Any]]) -> None:
        """Send ``statement`` with each of ``rows`` at commit, with the last changes (in the
        same statement, on PostgreSQL: decision 0047) — for what nothing in the transaction
        reads back, as the projections' rows."""
        if rows:
            self._at_commit.append((statement, rows))

    async def _commit(self, messages: Sequence[OutboxMessage]) -> None:
        also = self._at_commit
        if messages:
            rows = new_outbox_rows(messages, self.clock.now())
            also.append((inserter(outbox, rows[0]), rows))
        await self.tracker.flush(also=also)
        await self.link.commit()

    async def _rollback(self) -> None:
        await self.link.rollback()

    async def _close(self) -> None:
        _ACTIVE.reset(self._joined)
        await self.link.give_back()


_OPENING: dict[str, Prepared] = {}
"""Per table, the insert that :meth:`SqlRepository._opened_once` skips on a conflict."""


class SqlRepository(Generic[A]):
    """Base of the SQL repositories of one mapped aggregate type."""

    table: ClassVar[TableMap]
    not_found: Callable[[uuid.UUID], Exception] = staticmethod(
        lambda id_: NotFound(f"no such item: {id_}")
    )

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow
        self._tracker = uow.tracker
        self._link = uow.link
        self._postgres = uow.link.postgres

    async def _flush(self) -> None:
        await self._tracker.flush()

    async def _load(
        self,
        statement: Prepared | Executable,
        params: Mapping[str, Any] | None = None,
        *,
        locked: bool = False,
        without: Collection[str] = (),
    ) -> list[A]:
        """The aggregates ``statement`` selects (``table.select_all`` columns), after writing
        this transaction's changes to them; ``locked`` reads refresh what is held already (the
        lock may have waited for someone else's commit); the children named in ``without``
        are not read (``Unread``)."""
        await self._tracker.flush(
            self.table, reads=statement if isinstance(statement, Prepared) else None
        )
        return await self._tracker.load(
            self.table, statement, params, refresh=locked, without=without
        )

    def add(self, aggregate: A) -> None:
        self._tracker.add(self.table, aggregate)

    async def _opened_once(self, locked: Prepared, params: Mapping[str, Any], empty: A) -> A:
        """The aggregate ``locked`` selects, locked — or ``empty`` written first when there is
        none. Two transactions opening the same one at once (a unique key, such as one per
        user) make one row: the second's insert is skipped and it waits for the first's."""
        found = await self._load(locked, params, locked=True)
        if not found:
            table = self.table
            insert = _OPENING.get(table.name)
            if insert is None:
                insert = _OPENING[table.name] = Prepared(
                    lambda dialect: insert_ignoring_conflicts(dialect, table.table)
                )
            row = {**table.params(table.dump(empty)), "version": 1}
            await self._link.execute(insert, row)
            found = await self._load(locked, params, locked=True)
        return found[0]

    def add_many(self, aggregates: Sequence[A]) -> None:
        """New aggregates in bulk: one multi-row ``INSERT`` at the next flush."""
        self._tracker.add_many(self.table, aggregates)

    async def get(self, id_: uuid.UUID) -> A:
        found = await self.find(id_)
        if found is None:
            raise self.not_found(id_)
        return found

    async def find(self, id_: uuid.UUID) -> A | None:
        held = self._tracker.get(self.table, id_)
        if held is not None:
            return held  # type: ignore[no-any-return]
        found = await self._tracker.load(self.table, self.table.by_id, {"id": id_})
        return found[0] if found else None

    async def get_many(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, A]:
        """The aggregates of ``ids`` — those held already, the others in one read — or raise
        ``not_found`` for the first one missing."""
        found: dict[uuid.UUID, A] = {}
        wanted = []
        for id_ in ids:
            held = self._tracker.get(self.table, id_)
            if held is None:
                wanted.append(id_)
            else:
                found[id_] = held
        if wanted:
            loaded = await self._tracker.load(self.table, self.table.by_ids, {"ids": wanted})
            found.update((aggregate.id, aggregate) for aggregate in loaded)
        for id_ in ids:
            if id_ not in found:
                raise self.not_found(id_)
        return found

    async def get_for_update(self, id_: uuid.UUID) -> A:
        found = await self._load(self.table.by_id_locked, {"id": id_}, locked=True)
        if not found:
            raise self.not_found(id_)
        return found[0]

    async def lock_many(self, ids: Collection[uuid.UUID]) -> list[A]:
        """The aggregates of ``ids`` that exist, locked in id order (no deadlocks)."""
        if not ids:
            return []
        return await self._load(self.table.by_ids_locked, {"ids": sorted(set(ids))}, locked=True)

    async def find_by(self, *criteria: Any) -> list[A]:
        return await self._load(self.table.select_all.where(*criteria))

    def remove(self, aggregate: A) -> None:
        """Delete at the next flush; it stays tracked, so its recorded events still go out."""
        self._tracker.remove(self.table, aggregate)
