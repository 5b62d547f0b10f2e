"""The message bus: the one door into the application.

Every use case is a command sent with :meth:`MessageBus.handle`; reads are the contexts' query
ports (decision 0027). The bus runs a command through the middlewares its type opts into (see
:mod:`shop_app.shared.middleware`), then its handler in a unit of work, commits, and hands the
committed domain events to their in-process handlers.

Conventions:

- A command handler is ``async (command, uow) -> result``. It does its work inside the unit of
  work it is given and does **not** commit: the bus commits, after the middlewares inside the
  transaction wrote what must commit with the command (the idempotency record, SEC-5; the audit
  entry, SEC-2).
- After the commit, each committed domain event is handed to its in-process handlers, each in a
  unit of work of its own. A failing event handler is logged and does not undo the command: the
  outbox carries every event to the broker regardless, where durable reactions belong.
- ``handle(command, actor=principal, idempotency_key=..., idempotency_owner=...)``: who sends
  the command and how to recognise its retries. The middlewares decide what follows from them.

The chain, outermost first: :class:`~shop_app.shared.auditing.Auditing` (SEC-2), the contexts'
middlewares given to the bus (permissions, one-time codes, attempt limits, batching — each for
the command types registered with it), :class:`~shop_app.shared.idempotency.Idempotency`
(SEC-5); then the unit of work, inside which the same middlewares' ``inside`` hooks run around
the handler. The kernel's two are always there; a bus is given only the contexts' ones.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from shop_app.shared.auditing import Auditing
from shop_app.shared.auth import Principal
from shop_app.shared.idempotency import Idempotency
from shop_app.shared.middleware import (
    Call,
    Middleware,
    Proceed,
    ProceedInside,
    overrides,
)
from shop_app.shared.unit_of_work import UnitOfWork
from shop_domain.shared.errors import DomainError
from shop_domain.shared.events import DomainEvent

log = logging.getLogger(__name__)

CommandHandler = Callable[[Any, Any], Awaitable[Any]]
EventHandler = Callable[[Any, Any], Awaitable[None]]


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class NoHandler(DomainError):
    code = "bus.no_handler"
    kind = "invalid"


class MessageBus:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        command_handlers: Mapping[type, CommandHandler],
        event_handlers: Mapping[type[DomainEvent], Sequence[EventHandler]] | None = None,
        *,
        middlewares: Sequence[Middleware] = (),
    ) -> None:
        """``middlewares``: the contexts' ones, in order; the kernel's wrap them (see the
        module documentation)."""
        self._uow_factory = uow_factory
        self._command_handlers = dict(command_handlers)
        self._event_handlers = {k: list(v) for k, v in (event_handlers or {}).items()}
        self._middlewares: tuple[Middleware, ...] = (Auditing(), *middlewares, Idempotency())
        self._chains: dict[type, Proceed] = {}

    @property
    def middlewares(self) -> tuple[Middleware, ...]:
        """Every middleware of this bus, outermost first."""
        return self._middlewares

    def subscribe(self, event_type: type[DomainEvent], handler: EventHandler) -> None:
        self._event_handlers.setdefault(event_type, []).append(handler)

    def handles(self, command_type: type) -> bool:
        return command_type in self._command_handlers

    def unit_of_work(self) -> UnitOfWork:
        return self._uow_factory()

    async def run_within(self, command: object, uow: UnitOfWork) -> Any:
        """Run ``command``'s handler as one step of another command, inside that command's unit
        of work: no middleware, no commit of its own — it commits or rolls back with the caller
        (a checkout holding stock, coupons, points and cards all or nothing, decision 0043)."""
        handler = self._command_handlers.get(type(command))
        if handler is None:
            raise NoHandler(f"no handler for {type(command).__name__}")
        return await handler(command, uow)

    async def handle(
        self,
        command: object,
        *,
        idempotency_key: str | None = None,
        idempotency_owner: str = "",
        actor: Principal | None = None,
    ) -> Any:
        """Run ``command``. With an idempotency key, a retry returns the first outcome and does
        the work once; the same key with a different command is refused. ``actor`` is who asks:
        an operator's actions are audited (SEC-2)."""
        chain = self._chains.get(type(command)) or self._chain(type(command))
        return await chain(
            Call(
                message=command,
                bus=self,
                actor=actor,
                idempotency_key=idempotency_key,
                idempotency_owner=idempotency_owner,
            )
        )

    def _chain(self, command_type: type) -> Proceed:
        """The middlewares ``command_type`` passes through, around its handler (built once)."""
        handler = self._command_handlers.get(command_type)
        if handler is None:
            raise NoHandler(f"no handler for {command_type.__name__}")
        chosen = [m for m in self._middlewares if m.applies_to(command_type)]

        async def run_handler(call: Call, uow: UnitOfWork) -> Any:
            return await handler(call.message, uow)

        inner: ProceedInside = run_handler
        for middleware in reversed(chosen):
            if overrides(middleware, "inside"):
                inner = functools.partial(middleware.inside, proceed=inner)
        chain: Proceed = functools.partial(self._transaction, inner=inner)
        for middleware in reversed(chosen):
            if overrides(middleware, "outside"):
                chain = functools.partial(middleware.outside, proceed=chain)
        self._chains[command_type] = chain
        return chain

    async def _transaction(self, call: Call, inner: ProceedInside) -> Any:
        """One attempt in a unit of work: commit unless a middleware answered a replay, then
        run the event handlers of what committed."""
        uow = self._uow_factory()
        async with uow:
            result = await inner(call, uow)
            if call.replayed:
                return result  # nothing was done: roll back, dispatch nothing
            await uow.commit()
        await self.dispatch(uow.committed_events)
        return result

    async def dispatch(self, events: Sequence[DomainEvent]) -> None:
        """Run in-process handlers for ``events`` and for the events those handlers record."""
        queue = list(events)
        while queue:
            event = queue.pop(0)
            for handler in self._event_handlers.get(type(event), ()):
                uow = self._uow_factory()
                try:
                    async with uow:
                        await handler(event, uow)
                        await uow.commit()
                except Exception:
                    log.exception("event handler %r failed for %s", handler, event.event_type)
                    continue
                queue.extend(uow.committed_events)
