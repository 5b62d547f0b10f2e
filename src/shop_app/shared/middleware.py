"""Bus middlewares: behaviour that many commands share, which a command type opts into.

A middleware wraps the handling of a command at one or both of two places:

- :meth:`Middleware.outside` runs around the whole attempt, before the command's unit of work is
  opened and after it is closed. Checks whose writes must outlive a failing command, or must not
  wait for the command's transaction, belong here (attempt limits and one-time codes write in
  short transactions of their own: on SQLite, a second write transaction opened while the unit of
  work holds the write lock would wait for it forever); so do refusals recorded in a unit of work
  of their own (audit) and commands answered without reaching their handler (batching sends a
  batch command instead; an idempotent retry answers the first outcome).
- :meth:`Middleware.inside` runs inside the command's unit of work, before the bus commits: what
  must commit exactly when the command does (the idempotency record, the audit entry of a done
  action).

A middleware chooses the command types it wraps with :meth:`Middleware.applies_to`; the bus asks
once per command type and keeps the chain it built. The order is the bus's (see
:class:`~shop_app.shared.messagebus.MessageBus`): the kernel's audit outermost, then the
contexts' middlewares in the order given, then idempotency, then the transaction.

How a command type opts in: the kernel's two (audit, SEC-2; idempotency, SEC-5) serve every
command, and a command type opts out of a part by a class attribute (``audit_when_done``,
``idempotent``; ``secret_fields`` keeps fields out of the audit log). The contexts' middlewares
serve only the command types registered with them, each with its own rule: a permission
(:class:`PermissionCheck`), a one-time code, attempt limits, batching.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from shop_app.shared.auth import Principal
from shop_app.shared.errors import PermissionRequired

if TYPE_CHECKING:
    from shop_app.shared.unit_of_work import UnitOfWork


class Dispatcher(Protocol):
    """What a middleware may ask of the bus it runs in."""

    async def handle(
        self,
        command: object,
        *,
        idempotency_key: str | None = None,
        idempotency_owner: str = "",
        actor: Principal | None = None,
    ) -> Any: ...

    def unit_of_work(self) -> UnitOfWork:
        """A fresh unit of work (for what is written apart from the command's own)."""
        ...


@attrs.define(eq=False)
class Call:
    """One command on its way through the bus, with who sends it and how."""

    message: Any
    bus: Dispatcher
    actor: Principal | None = None
    idempotency_key: str | None = None
    idempotency_owner: str = ""
    replayed: bool = False
    """Set by the middleware that answered with a stored outcome: the bus then commits nothing
    and runs no event handlers."""


Proceed = Callable[[Call], Awaitable[Any]]
"""The rest of the chain outside the transaction."""

ProceedInside = Callable[[Call, "UnitOfWork"], Awaitable[Any]]
"""The rest of the chain inside the transaction (ending with the handler)."""


class Middleware:
    """Base of bus middlewares: every hook passes the call on unchanged."""

    def applies_to(self, command_type: type) -> bool:
        """Whether commands of ``command_type`` pass through this middleware."""
        return True

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        return await proceed(call)

    async def inside(self, call: Call, uow: UnitOfWork, proceed: ProceedInside) -> Any:
        return await proceed(call, uow)


def overrides(middleware: Middleware, hook: str) -> bool:
    """Whether ``middleware`` has its own ``hook`` (the bus leaves pass-through hooks out)."""
    return getattr(type(middleware), hook) is not getattr(Middleware, hook)


# --- permissions ------------------------------------------------------------------------------


class PermissionCheck(Middleware):
    """The command types registered here are refused (``auth.permission_required``) unless
    their actor holds the permission registered with them — whatever the adapter checked before.
    Put it before the checks that spend something (a one-time code)."""

    def __init__(self, permissions: Mapping[type, str]) -> None:
        self._permissions = dict(permissions)

    def applies_to(self, command_type: type) -> bool:
        return command_type in self._permissions

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        permission = self._permissions[type(call.message)]
        if call.actor is None:
            raise PermissionRequired(
                f"this action needs the permission {permission!r}",
                details={"permission": permission},
            )
        call.actor.require(permission)
        return await proceed(call)


__all__ = [
    "Call",
    "Dispatcher",
    "Middleware",
    "PermissionCheck",
    "Proceed",
    "ProceedInside",
    "overrides",
]
