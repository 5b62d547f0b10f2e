"""What a contract suite runs against: a :class:`Backend`, the adapters behind the ports over one
store, and :class:`SqlBackend`, ours over a SQL database.

A suite is a base class whose tests ask for one fixture, ``backend`` (the key ring's suite asks
for a database ``url`` instead). To check your adapter, subclass :class:`SqlBackend` and
override the one method that returns the adapter of the port you replace; every other port
keeps ours, over the same database. Then subclass the suite and give it the fixture::

    from collections.abc import AsyncIterator

    import pytest

    from shop_testing.contracts import Backend, GiftCardStoreContract, SqlBackend


    class MyBackend(SqlBackend):
        def card_store(self) -> MyCardStore:
            return MyCardStore(self.engine)


    class TestMyCardStore(GiftCardStoreContract):
        @pytest.fixture
        async def backend(self) -> AsyncIterator[Backend]:
            backend = MyBackend()  # memory://: a SQLite database of its own
            yield backend
            await backend.close()

``MyBackend(url)`` runs on the database at ``url`` instead (``sqlite+aiosqlite://`` or
``postgresql+asyncpg://``), which you migrate first (``shop_adapters.sql.engine.upgrade``) and
empty before each test. Under pytest-asyncio's strict mode, make the fixture a
``pytest_asyncio.fixture``; the suites' own tests are marked for it already.

A backend of your own from scratch subclasses :class:`Backend`: it gives :meth:`Backend.uow`
and what the suites you run ask for — each method says which; the rest raise
``NotImplementedError`` naming themselves. Whatever differs between backends (how to read the
outbox, how to write past the application to prove the store's own guards) is a method here,
never a branch in a test.
"""

from __future__ import annotations

import abc
import datetime as dt
import uuid
from typing import Any, Literal

import attrs
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
from shop_adapters.sql.loyalty.queries import SqlPointsQueries
from shop_adapters.sql.memory import EphemeralSqlite
from shop_adapters.sql.otp import SqlOneTimeCodeStore
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
from shop_app.loyalty.earning import earning_command_handlers
from shop_app.loyalty.handlers import points_command_handlers
from shop_app.loyalty.ports import FlatMultipliers
from shop_app.loyalty.queries import PointsQueries
from shop_app.shared.audit import AuditQueries
from shop_app.shared.jobs import JobStore
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.otp import OneTimeCodeStore
from shop_app.shared.ports import IdGenerator
from shop_app.shared.ratelimit import AttemptLimiter
from shop_domain.catalog import CatalogPolicy
from shop_domain.loyalty.programme import Programme
from shop_testing.contracts import sql_by_hand as by_hand

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
"""Where every backend's clock starts."""

TEST_KEY_ID = "k1"

GiftCardLedger = Literal["operations", "activations"]
"""The gift cards' two append-only ledgers: operations (GC-10) and activations (GC-9)."""
LedgerChange = Literal["update", "delete"]


def fixed_secret_box() -> AesGcmSecretBox:
    """The gift cards' secret box of the contract suites: one fixed (all-zero) test key."""
    return AesGcmSecretBox({TEST_KEY_ID: bytes(32)}, TEST_KEY_ID)


@attrs.frozen
class OutboxEntry:
    """A message of the outbox, as a suite compares it."""

    type: str
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any]


@attrs.frozen
class StoredCard:
    """Where a gift card was stored: its id, its batch and its number."""

    id: uuid.UUID
    batch_id: uuid.UUID
    number: str


class Backend(abc.ABC):
    """The adapters behind the ports, over one store, and the clock, ids and secret box they
    share.

    :attr:`clock` starts at :data:`T0` and tests move it; :attr:`ids` may be replaced by a test
    (the query suites set :class:`CountingIds`), so build each adapter from the current value.
    A method returning an adapter returns one over the same state each time it is called.
    """

    name: str = "backend"
    """What the backend is, for messages (``memory``, ``sqlite``, ``postgresql``…)."""

    def __init__(self, ids: IdGenerator | None = None) -> None:
        self.clock = FixedClock(T0)
        self.ids: IdGenerator = ids or UuidV7Generator()
        self.secret_box = fixed_secret_box()

    @abc.abstractmethod
    def uow(self) -> Any:
        """A fresh unit of work with every context's repositories (every suite but the
        limiter's and the one-time codes')."""

    async def close(self) -> None:  # noqa: B027 - nothing to release unless a backend says so
        """Release what the backend holds (connections, a ``memory://`` database)."""

    def _missing(self, method: str) -> NotImplementedError:
        return NotImplementedError(f"{type(self).__name__} does not provide {method}()")

    # --- the ports --------------------------------------------------------------------------

    def catalog_queries(self) -> CatalogQueries:
        """The catalog's read side (``CatalogQueriesContract``)."""
        raise self._missing("catalog_queries")

    def coupon_queries(self) -> CouponQueries:
        """The coupons' read side (``CouponQueriesContract``, ``CouponPersistenceContract``)."""
        raise self._missing("coupon_queries")

    def code_store(self) -> CodeStore:
        """Bulk one-time coupon codes (the coupon suites)."""
        raise self._missing("code_store")

    def giftcard_queries(self) -> GiftCardQueries:
        """The gift cards' read side (``GiftCardQueriesContract``,
        ``GiftCardPersistenceContract``)."""
        raise self._missing("giftcard_queries")

    def card_store(self) -> CardStore:
        """Bulk card storage outside any unit of work (the gift-card suites)."""
        raise self._missing("card_store")

    def export_source(self) -> ExportSource:
        """The cards an export reads (``GiftCardStoreContract``,
        ``GiftCardPersistenceContract``)."""
        raise self._missing("export_source")

    def points_queries(self) -> PointsQueries:
        """The points accounts' read side (``PointsPersistenceContract``)."""
        raise self._missing("points_queries")

    def jobs(self) -> JobStore:
        """The job store over the database ``uow.jobs`` writes to (``JobStoreContract``, the
        limiter's and retention's suites)."""
        raise self._missing("jobs")

    def limiter(self) -> AttemptLimiter:
        """The attempt limiter (``AttemptLimiterContract``, ``RetentionContract``)."""
        raise self._missing("limiter")

    def audit(self) -> AuditQueries:
        """The read side of the audit log ``uow.audit`` writes (``AuditLogContract``)."""
        raise self._missing("audit")

    def otp_store(self) -> OneTimeCodeStore:
        """Where one-time codes are kept (``OneTimeCodesContract``, ``RetentionContract``)."""
        raise self._missing("otp_store")

    # --- what the store holds, read past the ports ------------------------------------------

    async def outbox(self) -> list[OutboxEntry]:
        """Every message of the outbox, oldest first (the persistence suites)."""
        raise self._missing("outbox")

    async def stored_one_time_codes(self) -> list[dict[str, Any]]:
        """Every stored one-time code as the store keeps it, field by field, to prove no code
        is kept in clear (``OneTimeCodesContract``). The fields ``salt`` and ``code_hash``
        are expected; ``purpose`` and ``subject`` are the caller's own keys."""
        raise self._missing("stored_one_time_codes")

    async def stored_cards(self) -> list[StoredCard]:
        """Every gift card stored, by number (``GiftCardStoreContract``)."""
        raise self._missing("stored_cards")

    async def giftcard_operation_actions(self) -> list[str]:
        """The action of every entry of the operation ledger, in the order written
        (``GiftCardStoreGuardsContract``)."""
        raise self._missing("giftcard_operation_actions")

    # --- writes past the application, which the store's own guards must refuse -----------------

    async def set_card_balance_by_hand(self, card_id: uuid.UUID, balance_minor: int) -> None:
        """Set a card's balance as a statement sent past the application would; a balance
        below zero or above the face value raises ``PersistenceConflict``
        (``GiftCardStoreGuardsContract``)."""
        raise self._missing("set_card_balance_by_hand")

    async def add_activation_by_hand(
        self, batch_id: uuid.UUID, card_id: uuid.UUID, number: str, at: dt.datetime
    ) -> None:
        """Add an entry to the activation ledger past the application (adding is allowed)."""
        raise self._missing("add_activation_by_hand")

    async def change_ledger_by_hand(self, ledger: GiftCardLedger, change: LedgerChange) -> None:
        """Update every entry's actor, or delete every entry, of one gift-card ledger past the
        application; the ledger is append-only, so this raises ``PersistenceConflict`` whose
        cause says ``append-only`` (``GiftCardStoreGuardsContract``)."""
        raise self._missing("change_ledger_by_hand")

    async def change_points_history_by_hand(self, change: LedgerChange) -> None:
        """Update every points entry's actor, or delete every entry, past the application; the
        history is append-only, so this raises ``PersistenceConflict`` whose cause says
        ``append-only`` (``PointsPersistenceContract``)."""
        raise self._missing("change_points_history_by_hand")

    # --- buses over the unit of work --------------------------------------------------------

    def bus(self, policy: CatalogPolicy | None = None) -> MessageBus:
        """A bus with the catalog's handlers."""
        return MessageBus(self.uow, catalog_command_handlers(policy or CatalogPolicy()))

    def coupon_bus(self, policy: CouponPolicy | None = None) -> MessageBus:
        return MessageBus(self.uow, coupon_command_handlers(policy or CouponPolicy()))

    def giftcard_bus(self, policy: GiftCardPolicy | None = None) -> MessageBus:
        """A bus with the gift-card handlers, sealing with :attr:`secret_box`."""
        return MessageBus(
            self.uow, giftcard_command_handlers(policy or GiftCardPolicy(), self.secret_box)
        )

    def points_bus(self, programme: Programme | None = None) -> MessageBus:
        """A bus with the points accounts' handlers, earning's included (the default programme
        unless given; every member's multiplier 1)."""
        programme = programme or Programme()
        return MessageBus(
            self.uow,
            {
                **points_command_handlers(programme),
                **earning_command_handlers(programme, FlatMultipliers()),
            },
        )


class SqlBackend(Backend):
    """Our SQL adapters for every port, over the database at ``url`` (migrated, empty), or
    without one over a ``memory://`` database of its own. :attr:`engine` is the database's
    engine, for the adapter a subclass puts behind a port."""

    def __init__(self, url: str | None = None, ids: IdGenerator | None = None) -> None:
        super().__init__(ids)
        self._memory = EphemeralSqlite() if url is None else None
        self.engine: AsyncEngine = self._memory.engine if self._memory else make_engine(url or "")
        self.name = "memory" if self._memory else self.engine.dialect.name

    async def close(self) -> None:
        if self._memory is not None:
            await self._memory.close()
        else:
            await self.engine.dispose()

    def uow(self) -> SqlShopUnitOfWork:
        return SqlShopUnitOfWork(self.engine, self.clock, self.ids)

    def catalog_queries(self) -> CatalogQueries:
        return SqlCatalogQueries(self.engine)

    def coupon_queries(self) -> CouponQueries:
        return SqlCouponQueries(self.engine)

    def code_store(self) -> CodeStore:
        return SqlCodeStore(self.engine)

    def giftcard_queries(self) -> GiftCardQueries:
        return SqlGiftCardQueries(self.engine)

    def card_store(self) -> CardStore:
        return SqlCardStore(self.engine)

    def export_source(self) -> ExportSource:
        return SqlExportSource(self.engine)

    def points_queries(self) -> PointsQueries:
        return SqlPointsQueries(self.engine)

    def jobs(self) -> JobStore:
        return SqlJobStore(self.engine, self.ids)

    def limiter(self) -> AttemptLimiter:
        return SqlAttemptLimiter(self.engine)

    def audit(self) -> AuditQueries:
        return SqlAuditQueries(self.engine)

    def otp_store(self) -> OneTimeCodeStore:
        return SqlOneTimeCodeStore(self.engine)

    async def outbox(self) -> list[OutboxEntry]:
        rows = await by_hand.outbox(self.engine)
        return [
            OutboxEntry(r.type, r.aggregate_type, r.aggregate_id, dict(r.payload)) for r in rows
        ]

    async def stored_one_time_codes(self) -> list[dict[str, Any]]:
        return await by_hand.one_time_codes(self.engine)

    async def stored_cards(self) -> list[StoredCard]:
        return [StoredCard(r.id, r.batch_id, r.number) for r in await by_hand.cards(self.engine)]

    async def giftcard_operation_actions(self) -> list[str]:
        return await by_hand.operation_actions(self.engine)

    async def set_card_balance_by_hand(self, card_id: uuid.UUID, balance_minor: int) -> None:
        await by_hand.set_card_balance(self.engine, card_id, balance_minor)

    async def add_activation_by_hand(
        self, batch_id: uuid.UUID, card_id: uuid.UUID, number: str, at: dt.datetime
    ) -> None:
        await by_hand.add_activation(self.engine, self.ids.new_id(), batch_id, card_id, number, at)

    async def change_ledger_by_hand(self, ledger: GiftCardLedger, change: LedgerChange) -> None:
        await by_hand.change_ledger(self.engine, ledger, change)

    async def change_points_history_by_hand(self, change: LedgerChange) -> None:
        await by_hand.change_ledger(self.engine, "points", change)
