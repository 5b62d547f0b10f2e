"""Operator audit (SEC-2) as a bus middleware.

A command handled with ``actor=`` an operator appends one audit entry
(:class:`~shop_app.shared.audit.AuditEntry`):

- ``done`` inside the command's own transaction, so the entry exists exactly when the action
  committed — unless the command type says ``audit_when_done: ClassVar[bool] = False`` (a request
  that changes nothing the shop keeps, such as sending a one-time code: its refusals are still
  audited);
- ``refused`` in a unit of work of its own when a :class:`DomainError` stopped the command — in
  its handler or in any middleware after this one (a missing permission, a wrong one-time code,
  a reused idempotency key) — with the error's ``code``. A database that cannot be reached
  refused nothing (and could not record it either): ``storage.unavailable`` is not audited.

An idempotent replay writes nothing: the first attempt's entry stands. Customers' and the
system's commands are not audited. The bus puts this middleware outermost, so every refusal of
the chain is seen.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from shop_app.shared.audit import DONE, REFUSED, action_name, audit_entry, is_audited
from shop_app.shared.auth import Principal
from shop_app.shared.errors import StorageUnavailable
from shop_app.shared.middleware import Call, Dispatcher, Middleware, Proceed, ProceedInside
from shop_domain.shared.errors import DomainError

if TYPE_CHECKING:
    from shop_app.shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def audits_when_done(command_type: type) -> bool:
    """``False`` for a command type that declares ``audit_when_done = False``."""
    return getattr(command_type, "audit_when_done", True) is not False


async def audit_refusal(
    bus: Dispatcher, command: object, actor: Principal, error: DomainError
) -> None:
    """Record a refused operator action in a unit of work of its own. A failure to write it is
    logged and does not hide the refusal itself."""
    try:
        async with bus.unit_of_work() as uow:
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


class Auditing(Middleware):
    """SEC-2 for every command an operator sends (see the module documentation)."""

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        actor = call.actor
        if actor is None or not is_audited(actor):
            return await proceed(call)
        try:
            return await proceed(call)
        except DomainError as exc:
            if not isinstance(exc, StorageUnavailable):
                await audit_refusal(call.bus, call.message, actor, exc)
            raise

    async def inside(self, call: Call, uow: UnitOfWork, proceed: ProceedInside) -> Any:
        result = await proceed(call, uow)
        actor = call.actor
        if (
            actor is not None
            and not call.replayed
            and is_audited(actor)
            and audits_when_done(type(call.message))
        ):
            entry = audit_entry(
                call.message, actor, outcome=DONE, entry_id=uow.ids.new_id(), at=uow.clock.now()
            )
            await uow.audit.append(entry)
        return result


__all__ = ["Auditing", "audit_refusal", "audits_when_done"]
