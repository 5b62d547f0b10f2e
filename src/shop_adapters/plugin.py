"""A bounded context as a plug-in of the kernel (ADR 0030).

The kernel — the composition root, the unit of work, the HTTP app, the command line, the
schema — names no context. It reads the one list :data:`shop_adapters.contexts.CONTEXTS`, and
each context brings a :class:`ContextPlugin` that says what it adds:

- ``tables``: the modules that put its tables on the shared ``metadata`` (Alembic, ``memory://``);
- ``settings``: its settings section, an attrs class with ``from_env(environ)``
  (:meth:`shop_adapters.settings.Settings.section`);
- ``retention``: the rules of its tables that the retention purge keeps short (ADR 0020), each
  with what purges it (:class:`RetainedTable`);
- ``wire``: its registrations — policies, read sides, stores, services — made through a
  :class:`Wiring`, so no context imports the container;
- ``handlers``, ``middlewares``: its command handlers and bus middlewares;
- ``repositories``, ``projections``: what the unit of work offers (``uow.coupons``) and the
  read models it keeps in the same transaction;
- ``jobs``, ``starters``: its background-job kinds and its start-up checks;
- ``services``: the keys the runtime hands out (``runtime.get(CouponQueries)``);
- ``http``, ``cli``: where its controllers and its commands are (``"module:NAME"``, imported
  only by the adapter that serves them, so the HTTP app and the command line stay apart).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import attrs
from sqlalchemy.ext.asyncio import AsyncEngine

# imported for real, not only for type checkers: the runtime holds plug-ins, and tools that read
# a runtime's annotations (Litestar's dependency injection, through msgspec) resolve them
from shop_adapters.settings import Settings
from shop_app.shared.jobs import JobHandler
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.middleware import Middleware
from shop_app.shared.ports import Clock, IdGenerator
from shop_app.shared.retention import PurgeOldest, RetentionRule
from shop_app.shared.unit_of_work import Projection


class Wiring(Protocol):
    """What a context's wiring functions get from the composition root."""

    settings: Settings
    clock: Clock
    ids: IdGenerator
    engine: AsyncEngine

    def resolve(self, key: Any) -> Any:
        """What is registered under ``key`` (a port, a policy, a service)."""
        ...

    def add(self, key: Any, value: Any) -> None:
        """Register ``value`` under ``key``."""
        ...

    def add_lazy(self, key: Any, build: Callable[[], Any]) -> None:
        """Register what ``build`` makes, made once, on first use (it may resolve others)."""
        ...


def _nothing(_wiring: Wiring) -> None:
    return None


def _no_map(_wiring: Wiring) -> Mapping[Any, Any]:
    return {}


def _no_list(_wiring: Wiring) -> Sequence[Any]:
    return ()


@attrs.frozen(kw_only=True)
class RetainedTable:
    """A table of a context that ``shop sweep`` and the serve loop purge with the kernel's
    (ADR 0020): its ``rule`` (name, ``SHOP_RETENTION_<SETTING>_DAYS``, default and minimum) and
    ``purge``, which makes from the wiring the function that deletes a bounded batch of its rows
    older than a cutoff, in one transaction."""

    rule: RetentionRule
    purge: Callable[[Wiring], PurgeOldest]


@attrs.frozen(kw_only=True)
class ContextPlugin:
    name: str
    tables: tuple[str, ...]
    settings: type | None = None
    retention: Sequence[RetainedTable] = ()
    wire: Callable[[Wiring], None] = _nothing
    handlers: Callable[[Wiring], Mapping[type, CommandHandler]] = _no_map
    middlewares: Callable[[Wiring], Sequence[Middleware]] = _no_list
    repositories: Mapping[str, Callable[[Any], Any]] = attrs.field(factory=dict)
    projections: Sequence[Callable[[Any], Projection]] = ()
    jobs: Callable[[Wiring], Mapping[str, JobHandler]] = _no_map
    starters: Callable[[Wiring], Sequence[Callable[[], Awaitable[None]]]] = _no_list
    services: Sequence[Any] = ()
    http: str = ""
    cli: str = ""

    def read_settings(self, settings: Settings) -> None:
        """Read the context's settings section and its tables' retention now, so that a bad
        value stops the start with :class:`~shop_adapters.settings.InvalidSetting` naming the
        variable."""
        if self.settings is not None:
            settings.section(self.settings)
        for table in self.retention:
            settings.retention_of(table.rule)

    def import_tables(self) -> None:
        for module in self.tables:
            importlib.import_module(module)

    def controllers(self) -> Sequence[Any]:
        """The context's HTTP controllers (none when it serves no HTTP)."""
        return tuple(load(self.http)) if self.http else ()

    def commands(self) -> Any:
        """The context's share of the command line (``None`` when it has none)."""
        return load(self.cli) if self.cli else None


def load(reference: str) -> Any:
    """The object a ``"package.module:NAME"`` reference names."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


__all__ = ["ContextPlugin", "RetainedTable", "Wiring", "load"]
