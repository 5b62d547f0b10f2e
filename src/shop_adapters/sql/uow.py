"""The SQLAlchemy unit of work, repository base and idempotency store."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import any_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.interfaces import ORMOption
from sqlalchemy.sql import ColumnElement, Select

from shop_adapters.sql.audit import SqlAuditLog
from shop_adapters.sql.errors import TranslatingSession
from shop_adapters.sql.jobs import SqlJobQueue
from shop_adapters.sql.messaging_tables import idempotency_keys, new_outbox_rows, outbox
from shop_app.shared.errors import IdempotencyKeyInUse
from shop_app.shared.ports import Clock, IdGenerator, OutboxMessage, StoredOutcome
from shop_app.shared.unit_of_work import UnitOfWork
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import NotFound

A = TypeVar("A", bound=Aggregate)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose flushes (explicit, automatic before a query, or the commit's) raise our
    errors rather than SQLAlchemy's (:mod:`shop_adapters.sql.errors`)."""
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=True, sync_session_class=TranslatingSession
    )


def _insert_ignoring_conflicts(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


class SqlIdempotencyStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, scope: str, key: str) -> StoredOutcome | None:
        row = (
            await self._session.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
                )
            )
        ).one_or_none()
        if row is None:
            return None
        return StoredOutcome(row.fingerprint, row.result, row.created_at)

    async def put(self, scope: str, key: str, outcome: StoredOutcome) -> None:
        statement = _insert_ignoring_conflicts(self._session, idempotency_keys).values(
            scope=scope,
            key=key,
            fingerprint=outcome.fingerprint,
            result=outcome.result,
            created_at=outcome.created_at,
        )
        result = await self._session.execute(statement)
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise IdempotencyKeyInUse("another request with this key finished first")


class SqlUnitOfWork(UnitOfWork):
    """A unit of work over one ``AsyncSession``. Subclasses build their repositories in
    :meth:`_repositories`, called at the start of every ``async with``."""

    session: AsyncSession

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        super().__init__(clock, ids)
        self._sessions = sessions

    def _repositories(self) -> None:
        """Create repositories bound to ``self.session``."""

    async def _begin(self) -> None:
        self.session = self._sessions()
        self.idempotency = SqlIdempotencyStore(self.session)
        self.audit = SqlAuditLog(self.session)
        self.jobs = SqlJobQueue(self.session, self.clock, self.ids)
        self._repositories()

    async def _commit(self, messages: Sequence[OutboxMessage]) -> None:
        now = self.clock.now()
        if messages:
            await self.session.execute(outbox.insert(), new_outbox_rows(messages, now))
        await self.session.commit()

    async def _rollback(self) -> None:
        # detach first: a rollback would expire everything loaded, and aggregates read in a
        # block that did not commit must stay readable afterwards (as with the memory adapter)
        self.session.expunge_all()
        await self.session.rollback()

    async def _close(self) -> None:
        await self.session.close()


async def flush(session: AsyncSession) -> None:
    """Write pending changes (raising our errors, as every flush of our sessions does)."""
    await session.flush()


class SqlRepository(Generic[A]):
    """Base of SQL repositories for one mapped aggregate type."""

    aggregate_type: type[A]
    load_options: ClassVar[Sequence[ORMOption]] = ()
    not_found: Callable[[uuid.UUID], Exception] = staticmethod(
        lambda id_: NotFound(f"no such item: {id_}")
    )

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow
        self.session = uow.session
        self._postgres = self.session.get_bind().dialect.name == "postgresql"

    async def _flush(self) -> None:
        await flush(self.session)

    def _among(self, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
        """``column IN values``; on PostgreSQL ``= ANY(array)``, one parameter however many
        values there are."""
        if self._postgres:
            return column == any_(  # type: ignore[no-any-return]
                bindparam(None, list(values), type_=ARRAY(column.type))
            )
        return column.in_(list(values))  # type: ignore[no-any-return]

    async def _select(self, statement: Select[Any], *, locked: bool = False) -> list[A]:
        """The aggregates ``statement`` selects, tracked; ``locked`` statements refresh what
        the session holds already (the lock may have waited for someone else's commit)."""
        await self._flush()
        if locked:
            statement = statement.execution_options(populate_existing=True)
        found = list((await self.session.scalars(statement)).all())
        for aggregate in found:
            self._uow.track(aggregate)
        return found

    def add(self, aggregate: A) -> None:
        self.session.add(aggregate)
        self._uow.track(aggregate)

    async def get(self, id_: uuid.UUID) -> A:
        found = await self.find(id_)
        if found is None:
            raise self.not_found(id_)
        return found

    async def find(self, id_: uuid.UUID) -> A | None:
        found = await self.session.get(self.aggregate_type, id_, options=self.load_options)
        if found is not None:
            self._uow.track(found)
        return found

    async def find_by(self, *criteria: Any) -> list[A]:
        statement = select(self.aggregate_type).where(*criteria).options(*self.load_options)
        found = list((await self.session.scalars(statement)).all())
        for aggregate in found:
            self._uow.track(aggregate)
        return found

    def remove(self, aggregate: A) -> None:
        """Delete on flush (children go by their ``delete-orphan`` cascade, so load them first)."""
        self._uow.track(aggregate)
        self.session.sync_session.delete(aggregate)
