"""The message bus: runs a command's handler in a unit of work, then the events' handlers.

Conventions:

- A command handler is ``async (command, uow) -> result``. It does its work inside the unit of
  work it is given and does **not** commit: the bus commits, after recording the outcome for the
  idempotency key in the same transaction (SEC-5).
- After the commit, each committed domain event is handed to its in-process handlers, each in a
  unit of work of its own. A failing event handler is logged and does not undo the command: the
  outbox carries every event to the broker regardless, where durable reactions belong.
- ``handle(command, actor=principal)``: when the actor is an operator, the action is audited
  (SEC-2, see :mod:`shop_app.shared.audit`): a ``done`` entry in the command's own transaction,
  or a ``refused`` entry in a unit of work of its own when a domain error stopped it. An
  idempotent replay writes no second entry.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from shop_app.shared import codec
from shop_app.shared.audit import DONE, REFUSED, action_name, audit_entry, is_audited
from shop_app.shared.auth import Principal
from shop_app.shared.errors import (
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    StorageUnavailable,
)
from shop_app.shared.ports import StoredOutcome
from shop_app.shared.unit_of_work import UnitOfWork
from shop_domain.shared.errors import DomainError
from shop_domain.shared.events import DomainEvent

log = logging.getLogger(__name__)

UoW = TypeVar("UoW", bound=UnitOfWork, contravariant=True)

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
    ) -> None:
        self._uow_factory = uow_factory
        self._command_handlers = dict(command_handlers)
        self._event_handlers = {k: list(v) for k, v in (event_handlers or {}).items()}

    def subscribe(self, event_type: type[DomainEvent], handler: EventHandler) -> None:
        self._event_handlers.setdefault(event_type, []).append(handler)

    def handles(self, command_type: type) -> bool:
        return command_type in self._command_handlers

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
        handler = self._command_handlers.get(type(command))
        if handler is None:
            raise NoHandler(f"no handler for {type(command).__name__}")
        auditor = actor if is_audited(actor) else None
        try:
            replayed, result, events = await self._run(
                handler, command, idempotency_key, idempotency_owner, auditor
            )
        except DomainError as exc:
            # a refusal is audited; a database that cannot be reached refused nothing (and
            # could not record it either)
            if auditor is not None and not isinstance(exc, StorageUnavailable):
                await self.audit_refusal(command, auditor, exc)
            raise
        if not replayed:
            await self.dispatch(events)
        return result

    async def _run(
        self,
        handler: CommandHandler,
        command: object,
        idempotency_key: str | None,
        idempotency_owner: str,
        auditor: Principal | None,
    ) -> tuple[bool, Any, Sequence[DomainEvent]]:
        """One attempt: ``(replayed, result, committed events)``."""
        scope = f"{type(command).__qualname__}:{idempotency_owner}"
        digest = codec.fingerprint(command) if idempotency_key else ""
        uow = self._uow_factory()
        try:
            async with uow:
                if idempotency_key:
                    stored = await uow.idempotency.get(scope, idempotency_key)
                    if stored is not None:
                        return True, self._replay(stored, digest), ()
                result = await handler(command, uow)
                if idempotency_key:
                    encoded = codec.encode(result)
                    outcome = StoredOutcome(digest, encoded, uow.clock.now())
                    await uow.idempotency.put(scope, idempotency_key, outcome)
                    # answer exactly what a retry will get back
                    result = codec.decode(encoded)
                if auditor is not None:
                    entry = audit_entry(
                        command,
                        auditor,
                        outcome=DONE,
                        entry_id=uow.ids.new_id(),
                        at=uow.clock.now(),
                    )
                    await uow.audit.append(entry)
                await uow.commit()
        except IdempotencyKeyInUse:
            # a concurrent attempt with the same key committed first: answer with its outcome
            async with self._uow_factory() as again:
                stored = await again.idempotency.get(scope, idempotency_key or "")
            if stored is None:  # pragma: no cover - the winner's row is committed by now
                raise
            return True, self._replay(stored, digest), ()
        return False, result, uow.committed_events

    async def audit_refusal(self, command: object, actor: Principal, error: DomainError) -> None:
        """Record a refused operator action in a unit of work of its own; services that refuse
        an action before it reaches the bus (a missing permission, a wrong one-time code) call
        it too. A failure to write it is logged and does not hide the refusal itself."""
        try:
            async with self._uow_factory() as uow:
                entry = audit_entry(
                    command,
                    actor,
                    outcome=REFUSED,
                    entry_id=uow.ids.new_id(),
                    at=uow.clock.now(),
                    error_code=error.code,
                )
                await uow.audit.append(entry)
                await uow.commit()
        except Exception:
            log.exception("could not audit the refused action %s", action_name(command))

    @staticmethod
    def _replay(stored: StoredOutcome, digest: str) -> Any:
        if stored.fingerprint != digest:
            raise IdempotencyKeyReused(
                "this idempotency key was already used for a different request"
            )
        return codec.decode(stored.result)

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
