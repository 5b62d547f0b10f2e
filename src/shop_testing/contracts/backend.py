"""The backends the contract suites run against, behind one small interface.

A suite is a base class whose tests use only the ``backend`` fixture; each subclass provides
that fixture for one backend (a SQLite file, PostgreSQL, and for some suites ``memory://``: the
same SQL adapters on an in-memory SQLite database). Whatever differs between backends (how to
read the outbox, what to dispose of) lives here, never in a test body.
"""

from __future__ import annotations

import abc
import datetime as dt
import uuid
from typing import Any

import attrs
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.shared.crypto import AesGcmSecretBox
from shop_adapters.shared.system import FixedClock, UuidV7Generator
from shop_adapters.sql.audit import SqlAuditQueries
from shop_adapters.sql.catalog.queries import SqlCatalogQueries
from shop_adapters.sql.coupons.codes import SqlCodeStore
from shop_adapters.sql.coupons.queries import SqlCouponQueries
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.giftcards.queries import SqlGiftCardQueries
from shop_adapters.sql.giftcards.store import SqlCardStore, SqlExportSource
from shop_adapters.sql.jobs import SqlJobStore
from shop_adapters.sql.memory import EphemeralSqlite
from shop_adapters.sql.messaging_tables import outbox
from shop_adapters.sql.ratelimit import SqlAttemptLimiter
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.catalog import catalog_command_handlers
from shop_app.catalog.ports import CatalogQueries
from shop_app.coupons.handlers import coupon_command_handlers
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CodeStore
from shop_app.coupons.queries import CouponQueries
from shop_app.giftcards.handlers import giftcard_command_handlers
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import CardStore, ExportSource
from shop_app.giftcards.queries import GiftCardQueries
from shop_app.shared.audit import AuditQueries
from shop_app.shared.jobs import JobStore
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ports import IdGenerator
from shop_app.shared.ratelimit import AttemptLimiter
from shop_domain.catalog import CatalogPolicy

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)

TEST_KEY_ID = "k1"


def fixed_secret_box() -> AesGcmSecretBox:
    """The gift cards' secret box of the contract suites: one fixed (all-zero) test key."""
    return AesGcmSecretBox({TEST_KEY_ID: bytes(32)}, TEST_KEY_ID)


class CountingIds:
    """Deterministic, increasing UUIDs: two backends fed the same commands get the same ids."""

    def __init__(self, start: int = 1) -> None:
        self._next = start

    def new_id(self) -> uuid.UUID:
        value = uuid.UUID(int=(0x0190_0000_0000_7000_8000_0000_0000_0000 + self._next))
        self._next += 1
        return value


@attrs.frozen
class OutboxEntry:
    type: str
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any]


class Backend(abc.ABC):
    name: str

    def __init__(self, ids: IdGenerator | None = None) -> None:
        self.clock = FixedClock(T0)
        self.ids: IdGenerator = ids or UuidV7Generator()
        self.secret_box = fixed_secret_box()

    @abc.abstractmethod
    def uow(self) -> Any:
        """A fresh unit of work with every context's repositories."""

    @abc.abstractmethod
    def queries(self) -> CatalogQueries: ...

    @abc.abstractmethod
    def jobs(self) -> JobStore:
        """The job store over this backend's database (the one ``uow.jobs`` writes to)."""

    @abc.abstractmethod
    def limiter(self) -> AttemptLimiter:
        """The attempt limiter; every call returns one over the same state."""

    @abc.abstractmethod
    def audit(self) -> AuditQueries:
        """The read side of the audit log that ``uow.audit`` writes."""

    @abc.abstractmethod
    def coupon_queries(self) -> CouponQueries: ...

    @abc.abstractmethod
    def code_store(self) -> CodeStore: ...

    @abc.abstractmethod
    def giftcard_queries(self) -> GiftCardQueries: ...

    @abc.abstractmethod
    def card_store(self) -> CardStore:
        """Bulk card storage over this backend's database (outside any unit of work)."""

    @abc.abstractmethod
    def export_source(self) -> ExportSource: ...

    @abc.abstractmethod
    async def outbox(self) -> list[OutboxEntry]:
        """Every outbox row written so far, in order."""

    async def close(self) -> None:  # noqa: B027 - optional
        pass

    def bus(self, policy: CatalogPolicy | None = None) -> MessageBus:
        return MessageBus(self.uow, catalog_command_handlers(policy or CatalogPolicy()))

    def coupon_bus(self, policy: CouponPolicy | None = None) -> MessageBus:
        return MessageBus(self.uow, coupon_command_handlers(policy or CouponPolicy()))

    def giftcard_bus(self, policy: GiftCardPolicy | None = None) -> MessageBus:
        """A bus with the gift-card handlers, sealing with :attr:`secret_box`."""
        return MessageBus(
            self.uow, giftcard_command_handlers(policy or GiftCardPolicy(), self.secret_box)
        )


class SqlBackend(Backend):
    def __init__(self, url: str | None = None, ids: IdGenerator | None = None) -> None:
        """The database at ``url``; without one, a ``memory://`` database of its own."""
        super().__init__(ids)
        self._memory = EphemeralSqlite() if url is None else None
        self.engine: AsyncEngine = self._memory.engine if self._memory else make_engine(url or "")
        self.name = "memory" if self._memory else self.engine.dialect.name

    def uow(self) -> SqlShopUnitOfWork:
        return SqlShopUnitOfWork(self.engine, self.clock, self.ids)

    def queries(self) -> SqlCatalogQueries:
        return SqlCatalogQueries(self.engine)

    def coupon_queries(self) -> SqlCouponQueries:
        return SqlCouponQueries(self.engine)

    def code_store(self) -> SqlCodeStore:
        return SqlCodeStore(self.engine)

    def giftcard_queries(self) -> SqlGiftCardQueries:
        return SqlGiftCardQueries(self.engine)

    def card_store(self) -> SqlCardStore:
        return SqlCardStore(self.engine)

    def export_source(self) -> SqlExportSource:
        return SqlExportSource(self.engine)

    def jobs(self) -> SqlJobStore:
        return SqlJobStore(self.engine, self.ids)

    def limiter(self) -> SqlAttemptLimiter:
        return SqlAttemptLimiter(self.engine)

    def audit(self) -> SqlAuditQueries:
        return SqlAuditQueries(self.engine)

    async def outbox(self) -> list[OutboxEntry]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(outbox).order_by(outbox.c.position))).all()
        return [
            OutboxEntry(r.type, r.aggregate_type, r.aggregate_id, dict(r.payload)) for r in rows
        ]

    async def close(self) -> None:
        if self._memory is not None:
            await self._memory.close()
        else:
            await self.engine.dispose()
