"""The composition root: the one place that decides which adapter stands behind which port.

``bootstrap(settings)`` builds a ``punq.Container`` from settings and returns the
:class:`~shop_adapters.runtime.Runtime` that the HTTP app, the CLI and embedders use. Nothing
else in the code base imports punq (an import contract checks it).

The kernel's services are wired here; every context plugs its own in through
:data:`shop_adapters.contexts.CONTEXTS` (:class:`~shop_adapters.plugin.ContextPlugin`, ADR 0030):
its settings section, registrations, command handlers, bus middlewares, repositories, job kinds,
start-up checks and the retention rules of its tables.

- a ``sqlite+aiosqlite://`` URL (the default, ``./var/shop.db``) or a ``postgresql+asyncpg://``
  URL uses SQLAlchemy;
- ``SHOP_DATABASE_URL=memory://`` (tests, embedding) is the same SQL adapters on an in-memory
  SQLite database that lives as long as the runtime (:mod:`shop_adapters.sql.memory`);
- ``SHOP_BROKER=memory`` (default) publishes outbox rows to in-process subscribers;
  ``SHOP_BROKER=rabbitmq`` to RabbitMQ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import punq
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.contexts import CONTEXTS
from shop_adapters.messaging import InMemoryPublisher, OutboxRelay, RabbitMQPublisher
from shop_adapters.plugin import ContextPlugin
from shop_adapters.runtime import Relay, Runtime
from shop_adapters.settings import MEMORY_URL, Settings
from shop_adapters.shared.sms import FileSmsSender, MemorySmsSender
from shop_adapters.shared.system import SystemClock, UuidV7Generator
from shop_adapters.sql.audit import SqlAuditQueries
from shop_adapters.sql.engine import make_engine, reader
from shop_adapters.sql.jobs import SqlJobStore
from shop_adapters.sql.memory import EphemeralSqlite
from shop_adapters.sql.otp import SqlOneTimeCodeStore
from shop_adapters.sql.ratelimit import SqlAttemptLimiter
from shop_adapters.sql.retention import SqlRetentionStore
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.shared.audit import AuditQueries
from shop_app.shared.jobs import JobRunner, JobStore
from shop_app.shared.messagebus import CommandHandler, MessageBus, UnitOfWorkFactory
from shop_app.shared.notify import SmsSender
from shop_app.shared.otp import OneTimeCodes, OneTimeCodeStore
from shop_app.shared.ports import Clock, EventPublisher, IdGenerator
from shop_app.shared.ratelimit import AttemptLimiter
from shop_app.shared.retention import Purger, RetentionStore


@attrs.define(eq=False)
class _Wiring:
    """The :class:`~shop_adapters.plugin.Wiring` a context gets: the container, behind a
    narrow door (no context imports punq)."""

    settings: Settings
    clock: Clock
    ids: IdGenerator
    engine: AsyncEngine
    container: punq.Container

    def resolve(self, key: Any) -> Any:
        return self.container.resolve(key)

    def add(self, key: Any, value: Any) -> None:
        self.container.register(key, instance=value)

    def add_lazy(self, key: Any, build: Callable[[], Any]) -> None:
        self.container.register(key, factory=build, scope=punq.Scope.singleton)


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
        pool_wait=settings.database_pool_wait,
        pre_ping=settings.database_pre_ping,
    )
    return engine, engine.dispose


def _sms_sender(settings: Settings) -> SmsSender:
    if settings.sms == "memory":
        return MemorySmsSender()
    return FileSmsSender(Path(settings.sms_file))


def _publisher(settings: Settings) -> EventPublisher:
    if settings.broker == "rabbitmq":
        return RabbitMQPublisher(settings.rabbitmq_url, exchange=settings.rabbitmq_exchange)
    return InMemoryPublisher()


def _register_kernel(wiring: _Wiring, contexts: Sequence[ContextPlugin]) -> None:
    container, settings, clock, ids, engine = (
        wiring.container,
        wiring.settings,
        wiring.clock,
        wiring.ids,
        wiring.engine,
    )
    container.register(Settings, instance=settings)
    container.register(Clock, instance=clock)
    container.register(IdGenerator, instance=ids)
    container.register(AsyncEngine, instance=engine)
    container.register(SmsSender, instance=_sms_sender(settings))
    container.register(EventPublisher, instance=_publisher(settings))
    container.register(
        UnitOfWorkFactory, instance=lambda: SqlShopUnitOfWork(engine, clock, ids, contexts)
    )
    container.register(JobStore, instance=SqlJobStore(engine, ids))
    container.register(AttemptLimiter, instance=SqlAttemptLimiter(engine))
    container.register(AuditQueries, instance=SqlAuditQueries(engine))
    otp_store = SqlOneTimeCodeStore(engine)
    container.register(OneTimeCodeStore, instance=otp_store)
    container.register(OneTimeCodes, instance=OneTimeCodes(otp_store, container.resolve(SmsSender)))
    container.register(RetentionStore, instance=SqlRetentionStore(engine))
    container.register(
        Relay,
        factory=lambda: OutboxRelay(
            engine, container.resolve(EventPublisher), clock, batch_size=settings.relay_batch_size
        ),
        scope=punq.Scope.singleton,
    )


def _bus(wiring: _Wiring, contexts: Sequence[ContextPlugin]) -> MessageBus:
    handlers: dict[type, CommandHandler] = {}
    for context in contexts:
        for command, handler in context.handlers(wiring).items():
            if command in handlers:
                raise ValueError(f"two contexts handle {command.__name__} ({context.name})")
            handlers[command] = handler
    return MessageBus(
        wiring.resolve(UnitOfWorkFactory),
        handlers,
        middlewares=[m for context in contexts for m in context.middlewares(wiring)],
    )


def _job_runner(wiring: _Wiring, contexts: Sequence[ContextPlugin]) -> JobRunner:
    runner = JobRunner(
        wiring.resolve(JobStore),
        wiring.clock,
        lease=dt.timedelta(seconds=wiring.settings.jobs_lease_seconds),
    )
    for context in contexts:
        for kind, handler in context.jobs(wiring).items():
            runner.register(kind, handler)
    return runner


def build_container(
    settings: Settings,
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    contexts: Sequence[ContextPlugin] = CONTEXTS,
) -> punq.Container:
    for context in contexts:  # a bad section or retention is refused before anything opens
        context.read_settings(settings)
    container = punq.Container()
    engine, close_engine = _engine(container, settings)
    wiring = _Wiring(settings, clock or SystemClock(), ids or UuidV7Generator(), engine, container)
    _register_kernel(wiring, contexts)

    async def ready() -> None:
        async with reader(engine).connect() as connection:  # no write lock taken on SQLite
            await connection.execute(text("SELECT 1"))

    container.register("check_ready", instance=ready)
    container.register("closers", instance=[close_engine])
    container.register("contexts", instance=tuple(contexts))
    for context in contexts:
        context.wire(wiring)
    # punq injects constructor arguments of classes only, so factories resolve explicitly
    container.register(
        MessageBus, factory=lambda: _bus(wiring, contexts), scope=punq.Scope.singleton
    )
    container.register(
        JobRunner, factory=lambda: _job_runner(wiring, contexts), scope=punq.Scope.singleton
    )
    container.register(
        Purger,
        factory=lambda: Purger(
            container.resolve(RetentionStore),
            wiring.clock,
            settings.retention,
            [(t.rule, t.purge(wiring)) for context in contexts for t in context.retention],
        ),
        scope=punq.Scope.singleton,
    )
    container.register(
        "starters",
        factory=lambda: [s for context in contexts for s in context.starters(wiring)],
        scope=punq.Scope.singleton,
    )
    return container


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    contexts: Sequence[ContextPlugin] = CONTEXTS,
) -> Runtime:
    """Wire a running `shop` from ``settings`` (default: the ``SHOP_*`` environment) with
    ``contexts`` plugged in (default: every context of :data:`~shop_adapters.contexts.CONTEXTS`;
    an embedder may add its own)."""
    settings = settings or Settings.from_env()
    return runtime_of(build_container(settings, clock=clock, ids=ids, contexts=tuple(contexts)))


def runtime_of(container: punq.Container) -> Runtime:
    """The runtime that ``container`` (from :func:`build_container`) wires; what
    :func:`bootstrap` returns. Tests that look into the container build it this way."""
    contexts: tuple[ContextPlugin, ...] = container.resolve("contexts")
    publisher: EventPublisher = container.resolve(EventPublisher)
    closers: list[Any] = [*container.resolve("closers"), publisher.close]
    bus = container.resolve(MessageBus)  # before the services, which may send through it
    return Runtime(
        settings=container.resolve(Settings),
        bus=bus,
        clock=container.resolve(Clock),
        publisher=publisher,
        relay=container.resolve(Relay),
        check_ready=container.resolve("check_ready"),
        closers=closers,
        jobs=container.resolve(JobStore),
        job_runner=container.resolve(JobRunner),
        limiter=container.resolve(AttemptLimiter),
        audit=container.resolve(AuditQueries),
        sms=container.resolve(SmsSender),
        retention=container.resolve(Purger),
        starters=container.resolve("starters"),
        services={key: container.resolve(key) for c in contexts for key in c.services},
        contexts=contexts,
    )
