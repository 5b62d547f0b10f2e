"""The composition root: the one place that decides which adapter stands behind which port.

``bootstrap(settings)`` builds a ``punq.Container`` from settings and returns the
:class:`~shop_adapters.runtime.Runtime` that the HTTP app, the CLI and embedders use. Nothing
else in the code base imports punq (an import contract checks it).

- a ``sqlite+aiosqlite://`` URL (the default, ``./var/shop.db``) or a ``postgresql+asyncpg://``
  URL uses SQLAlchemy;
- ``SHOP_DATABASE_URL=memory://`` (tests, embedding) is the same SQL adapters on an in-memory
  SQLite database that lives as long as the runtime (:mod:`shop_adapters.sql.memory`);
- ``SHOP_BROKER=memory`` (default) publishes outbox rows to in-process subscribers;
  ``SHOP_BROKER=rabbitmq`` to RabbitMQ.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import punq
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.files.xlsx import ProtectedXlsxWriter
from shop_adapters.messaging import InMemoryPublisher, OutboxRelay, RabbitMQPublisher
from shop_adapters.runtime import Relay, Runtime
from shop_adapters.settings import MEMORY_URL, Settings
from shop_adapters.shared.keyring import deferred_box, key_source, open_keys
from shop_adapters.shared.sms import FileSmsSender, MemorySmsSender
from shop_adapters.shared.system import SystemClock, UuidV7Generator
from shop_adapters.sql.audit import SqlAuditQueries
from shop_adapters.sql.catalog.queries import SqlCatalogQueries
from shop_adapters.sql.coupons.codes import SqlCodeStore
from shop_adapters.sql.coupons.queries import SqlCouponQueries
from shop_adapters.sql.coupons.segments import SqlSegmentStore
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.giftcards.keys import SqlKeyCheckStore
from shop_adapters.sql.giftcards.queries import SqlGiftCardQueries
from shop_adapters.sql.giftcards.store import SqlCardStore, SqlExportSource
from shop_adapters.sql.jobs import SqlJobStore
from shop_adapters.sql.memory import EphemeralSqlite
from shop_adapters.sql.otp import SqlOneTimeCodeStore
from shop_adapters.sql.ratelimit import SqlAttemptLimiter
from shop_adapters.sql.retention import SqlRetentionStore
from shop_adapters.sql.uow import session_factory
from shop_adapters.sql.uow_app import SqlShopUnitOfWork, start_mappers
from shop_app.catalog.handlers import catalog_command_handlers
from shop_app.catalog.ports import CatalogQueries
from shop_app.coupons.claiming import ClaimBatcher
from shop_app.coupons.codegen import GENERATE_CODES, CodeGenerator
from shop_app.coupons.handlers import coupon_command_handlers
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CodeStore
from shop_app.coupons.queries import CouponQueries
from shop_app.coupons.segments import ISSUE_SEGMENT, SegmentIssuer, SegmentStore
from shop_app.coupons.services import CodeRedeemer, CouponServices
from shop_app.giftcards.activation import CardActivator
from shop_app.giftcards.exports import CardExporter
from shop_app.giftcards.generation import CardGenerator
from shop_app.giftcards.handlers import EXPORT_CARDS, GENERATE_CARDS, giftcard_command_handlers
from shop_app.giftcards.keyring import KeyCheckStore
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import CardStore, ExportSource
from shop_app.giftcards.queries import GiftCardQueries
from shop_app.giftcards.reseal import (
    DEFAULT_RESEAL_CHUNK,
    RESEAL_CARDS,
    CardResealer,
    ResealSource,
)
from shop_app.giftcards.secrets import SecretBox
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared.audit import AuditQueries
from shop_app.shared.jobs import JobRunner, JobStore
from shop_app.shared.messagebus import CommandHandler, MessageBus, UnitOfWorkFactory
from shop_app.shared.notify import SmsSender
from shop_app.shared.otp import OneTimeCodes, OneTimeCodeStore
from shop_app.shared.ports import Clock, EventPublisher, IdGenerator
from shop_app.shared.ratelimit import AttemptLimiter
from shop_app.shared.retention import Purger, RetentionStore
from shop_domain.catalog.model import CatalogPolicy


def command_handlers(
    policy: CatalogPolicy,
    coupon_policy: CouponPolicy,
    giftcard_policy: GiftCardPolicy,
    box: SecretBox,
) -> dict[type, CommandHandler]:
    """Every context's command handlers, in one registry."""
    return {
        **catalog_command_handlers(policy),
        **coupon_command_handlers(coupon_policy),
        **giftcard_command_handlers(giftcard_policy, box),
    }


def register_job_handlers(runner: JobRunner, container: punq.Container) -> None:
    """Every context's background-job handlers, in one place, resolving what they need from
    ``container``."""
    coupons: CouponServices = container.resolve(CouponServices)
    runner.register(GENERATE_CODES, coupons.generator.run_job)
    runner.register(ISSUE_SEGMENT, coupons.segments.run_job)
    giftcards: GiftCardServices = container.resolve(GiftCardServices)
    runner.register(GENERATE_CARDS, giftcards.generator.run_job)
    runner.register(EXPORT_CARDS, giftcards.exporter.run_job)
    uow_factory: Any = container.resolve(UnitOfWorkFactory)  # has every context's repositories
    chunk = min(container.resolve(Settings).giftcard_chunk, DEFAULT_RESEAL_CHUNK)
    resealer = CardResealer(
        uow_factory, container.resolve(ResealSource), container.resolve(SecretBox), chunk=chunk
    )
    runner.register(RESEAL_CARDS, resealer.run_job)


def coupon_policy(settings: Settings) -> CouponPolicy:
    return CouponPolicy(
        timezone=zoneinfo.ZoneInfo(settings.coupon_timezone),
        code_attempts=settings.coupon_code_attempts,
    )


def _coupon_services(container: punq.Container) -> CouponServices:
    bus: MessageBus = container.resolve(MessageBus)
    clock: Clock = container.resolve(Clock)
    policy: CouponPolicy = container.resolve(CouponPolicy)
    uow_factory: UnitOfWorkFactory = container.resolve(UnitOfWorkFactory)
    return CouponServices(
        queries=container.resolve(CouponQueries),
        claims=ClaimBatcher(bus, max_batch=container.resolve(Settings).coupon_claim_batch),
        redeemer=CodeRedeemer(bus, container.resolve(AttemptLimiter), clock, policy),
        generator=CodeGenerator(
            uow_factory,  # type: ignore[arg-type]  # the application's unit of work has them all
            container.resolve(CodeStore),
            clock,
            policy,
        ),
        segments=SegmentIssuer(bus, container.resolve(SegmentStore), policy),
        policy=policy,
    )


def giftcard_policy(settings: Settings) -> GiftCardPolicy:
    return GiftCardPolicy(
        card_chunk=settings.giftcard_chunk,
        activation_attempts=settings.giftcard_activation_attempts,
        admin_phone=settings.admin_phone,
    )


def _sms_sender(settings: Settings) -> SmsSender:
    if settings.sms == "memory":
        return MemorySmsSender()
    return FileSmsSender(Path(settings.sms_file))


def _giftcard_services(container: punq.Container) -> GiftCardServices:
    bus: MessageBus = container.resolve(MessageBus)
    clock: Clock = container.resolve(Clock)
    policy: GiftCardPolicy = container.resolve(GiftCardPolicy)
    box: SecretBox = container.resolve(SecretBox)
    settings: Settings = container.resolve(Settings)
    uow_factory: Any = container.resolve(UnitOfWorkFactory)  # has every context's repositories
    queries: GiftCardQueries = container.resolve(GiftCardQueries)
    return GiftCardServices(
        queries=queries,
        activator=CardActivator(bus, container.resolve(AttemptLimiter), clock, policy),
        generator=CardGenerator(uow_factory, container.resolve(CardStore), box, bus, clock, policy),
        exporter=CardExporter(
            bus=bus,
            uow_factory=uow_factory,
            queries=queries,
            codes=OneTimeCodes(container.resolve(OneTimeCodeStore), container.resolve(SmsSender)),
            source=container.resolve(ExportSource),
            box=box,
            sheets=ProtectedXlsxWriter,
            directory=Path(settings.export_dir),
            clock=clock,
            policy=policy,
        ),
        policy=policy,
    )


def _publisher(settings: Settings) -> EventPublisher:
    if settings.broker == "rabbitmq":
        return RabbitMQPublisher(settings.rabbitmq_url, exchange=settings.rabbitmq_exchange)
    return InMemoryPublisher()


def _engine(
    container: punq.Container, settings: Settings
) -> tuple[AsyncEngine, Callable[[], Awaitable[None]]]:
    """The engine for ``settings.database_url`` and what closes it: ``memory://`` is a SQLite
    database of this runtime's own, deleted when it closes (ADR 0028)."""
    if settings.database_url == MEMORY_URL:
        database = EphemeralSqlite()
        container.register(EphemeralSqlite, instance=database)
        return database.engine, database.close
    engine = make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        pre_ping=settings.database_pre_ping,
    )
    return engine, engine.dispose


def _register_sql(
    container: punq.Container, settings: Settings, clock: Clock, ids: IdGenerator
) -> None:
    start_mappers()
    engine, close = _engine(container, settings)
    sessions = session_factory(engine)
    container.register(AsyncEngine, instance=engine)
    container.register(UnitOfWorkFactory, instance=lambda: SqlShopUnitOfWork(sessions, clock, ids))
    container.register(CatalogQueries, instance=SqlCatalogQueries(engine))
    container.register(JobStore, instance=SqlJobStore(engine, ids))
    container.register(AttemptLimiter, instance=SqlAttemptLimiter(engine))
    container.register(AuditQueries, instance=SqlAuditQueries(engine))
    container.register(CouponQueries, instance=SqlCouponQueries(engine))
    container.register(CodeStore, instance=SqlCodeStore(engine))
    container.register(SegmentStore, instance=SqlSegmentStore(engine, clock))
    container.register(GiftCardQueries, instance=SqlGiftCardQueries(engine))
    container.register(CardStore, instance=SqlCardStore(engine))
    container.register(ExportSource, instance=SqlExportSource(engine))
    container.register(OneTimeCodeStore, instance=SqlOneTimeCodeStore(engine))
    keychecks = SqlKeyCheckStore(engine)
    container.register(KeyCheckStore, instance=keychecks)
    container.register(ResealSource, instance=keychecks)
    container.register(RetentionStore, instance=SqlRetentionStore(engine))

    async def ready() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    container.register("check_ready", instance=ready)
    container.register("closers", instance=[close])

    container.register(
        Relay,
        factory=lambda: OutboxRelay(
            engine,
            container.resolve(EventPublisher),
            clock,
            batch_size=settings.relay_batch_size,
        ),
        scope=punq.Scope.singleton,
    )


def build_container(
    settings: Settings, *, clock: Clock | None = None, ids: IdGenerator | None = None
) -> punq.Container:
    clock = clock or SystemClock()
    ids = ids or UuidV7Generator()
    container = punq.Container()
    container.register(Settings, instance=settings)
    container.register(Clock, instance=clock)
    container.register(IdGenerator, instance=ids)
    container.register(
        CatalogPolicy, instance=CatalogPolicy(max_category_depth=settings.max_category_depth)
    )
    container.register(CouponPolicy, instance=coupon_policy(settings))
    container.register(GiftCardPolicy, instance=giftcard_policy(settings))
    keys = key_source(settings)
    box = deferred_box(settings, keys)  # opened by the start step, after the database is read
    container.register(SecretBox, instance=box)
    container.register(
        "starters", instance=[lambda: open_keys(box, keys, container.resolve(KeyCheckStore))]
    )
    container.register(SmsSender, instance=_sms_sender(settings))
    container.register(EventPublisher, instance=_publisher(settings))
    _register_sql(container, settings, clock, ids)

    # punq injects constructor arguments of classes only, so factories resolve explicitly
    container.register(
        MessageBus,
        factory=lambda: MessageBus(
            container.resolve(UnitOfWorkFactory),
            command_handlers(
                container.resolve(CatalogPolicy),
                container.resolve(CouponPolicy),
                container.resolve(GiftCardPolicy),
                container.resolve(SecretBox),
            ),
        ),
        scope=punq.Scope.singleton,
    )
    container.register(
        CouponServices, factory=lambda: _coupon_services(container), scope=punq.Scope.singleton
    )
    container.register(
        GiftCardServices, factory=lambda: _giftcard_services(container), scope=punq.Scope.singleton
    )

    def job_runner() -> JobRunner:
        runner = JobRunner(
            container.resolve(JobStore),
            clock,
            lease=dt.timedelta(seconds=settings.jobs_lease_seconds),
        )
        register_job_handlers(runner, container)
        return runner

    container.register(JobRunner, factory=job_runner, scope=punq.Scope.singleton)
    container.register(
        Purger,
        factory=lambda: Purger(container.resolve(RetentionStore), clock, settings.retention),
        scope=punq.Scope.singleton,
    )
    return container


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
) -> Runtime:
    """Wire a running `shop` from ``settings`` (default: the ``SHOP_*`` environment)."""
    settings = settings or Settings.from_env()
    return runtime_of(build_container(settings, clock=clock, ids=ids))


def runtime_of(container: punq.Container) -> Runtime:
    """The runtime that ``container`` (from :func:`build_container`) wires; what
    :func:`bootstrap` returns. Tests that look into the container build it this way."""
    settings: Settings = container.resolve(Settings)
    publisher: EventPublisher = container.resolve(EventPublisher)
    closers: list[Any] = [*container.resolve("closers"), publisher.close]
    return Runtime(
        settings=settings,
        bus=container.resolve(MessageBus),
        clock=container.resolve(Clock),
        catalog=container.resolve(CatalogQueries),
        publisher=publisher,
        relay=container.resolve(Relay),
        check_ready=container.resolve("check_ready"),
        closers=closers,
        jobs=container.resolve(JobStore),
        job_runner=container.resolve(JobRunner),
        limiter=container.resolve(AttemptLimiter),
        audit=container.resolve(AuditQueries),
        coupons=container.resolve(CouponServices),
        giftcards=container.resolve(GiftCardServices),
        sms=container.resolve(SmsSender),
        retention=container.resolve(Purger),
        starters=container.resolve("starters"),
    )
