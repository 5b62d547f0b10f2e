"""What a running `shop` holds: the bus, the read side, the clock and the resources to close.

Built by :mod:`shop_adapters.bootstrap` from settings; handed to the HTTP app, the CLI and to
embedders. Only the bootstrap module knows about the container that builds it.

Kernel services every context uses: ``jobs`` and ``job_runner`` (background jobs; contexts add
handlers with ``runtime.job_runner.register(kind, handler)``, wired in
``bootstrap.register_job_handlers``), ``limiter`` (the attempt limiter) and ``audit`` (the read
side of the audit log). The runtime names no context: what a context plugged in hands out (its
read side, its services) is ``runtime.get(Key)`` — ``runtime.get(CouponServices)``. Build a
runtime with ``bootstrap`` (``memory://`` for tests).
``await runtime.start()`` runs the start step (the gift-card key check) before use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

import attrs

from shop_adapters.plugin import ContextPlugin
from shop_adapters.settings import Settings
from shop_adapters.shared.heap import freeze_start_heap
from shop_app.shared.audit import AuditQueries
from shop_app.shared.jobs import JobRunner, JobStore
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.notify import SmsSender
from shop_app.shared.ports import Clock, EventPublisher
from shop_app.shared.ratelimit import AttemptLimiter
from shop_app.shared.retention import Purger

T = TypeVar("T")


class Relay(Protocol):
    """Moves outbox rows to the publisher (see ``shop_adapters.messaging.relay``)."""

    async def run_once(self) -> int: ...

    async def run(self, stop: asyncio.Event, idle_interval: float = 1.0) -> None: ...


async def _always_ready() -> None:
    return None


@attrs.define(eq=False, kw_only=True)
class Runtime:
    settings: Settings
    bus: MessageBus
    clock: Clock
    jobs: JobStore
    limiter: AttemptLimiter
    publisher: EventPublisher | None = None
    relay: Relay | None = None
    check_ready: Callable[[], Awaitable[None]] = _always_ready
    """Raises if a dependency (the database) is not usable."""
    closers: list[Callable[[], Awaitable[None]]] = attrs.field(factory=list)
    _job_runner: JobRunner | None = attrs.field(default=None, alias="job_runner")
    audit: AuditQueries | None = None
    """The audit log's read side; ``None`` when the runtime was built without one."""
    services: Mapping[Any, Any] = attrs.field(factory=dict)
    """What the contexts plugged in hand out, by key (their read sides, their services): see
    :meth:`get`."""
    contexts: tuple[ContextPlugin, ...] = ()
    """The contexts plugged in (their HTTP controllers and commands are found through them)."""
    sms: SmsSender | None = None
    """Where one-time codes go (the development inbox file, or memory in tests)."""
    starters: list[Callable[[], Awaitable[None]]] = attrs.field(factory=list)
    """The start step's checks (the gift-card keys against the database); see :meth:`start`."""
    _started: bool = attrs.field(default=False, init=False)
    retention: Purger | None = None
    """Purges what the bookkeeping tables no longer need (``shop sweep``, the serve loop)."""

    def get(self, key: Callable[..., T]) -> T:
        """What a context handed out under ``key`` (``runtime.get(CouponQueries)``); a
        ``LookupError`` names it when no context plugged in offers it. ``key`` is a class; it is
        typed as a callable so that a protocol (``CatalogQueries``) is accepted as well, which
        ``type[T]`` refuses."""
        try:
            found: T = self.services[key]
        except KeyError:
            raise LookupError(f"no context plugged in offers {key!r}") from None
        return found

    @property
    def job_runner(self) -> JobRunner:
        """Runs ``jobs``; built on first use when the runtime was given none."""
        if self._job_runner is None:
            self._job_runner = JobRunner(self.jobs, self.clock)
        return self._job_runner

    async def start(self) -> None:
        """Check what must be checked before the shop serves anything: the gift-card keys
        against what the database holds (a missing or wrong key refuses the start; a first key
        file is made only for a database with no sealed secret). ``shop serve``, ``relay``,
        ``jobs run``, every command that seals or opens secrets and the HTTP app's start-up
        call it; embedders call ``await runtime.start()`` after ``bootstrap``. Runs once.
        The first start in a process then freezes the start-up heap (``gc_freeze``)."""
        if self._started:
            return
        for starter in self.starters:
            await starter()
        self._started = True
        if self.settings.gc_freeze:
            freeze_start_heap()

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()
        self.closers.clear()
