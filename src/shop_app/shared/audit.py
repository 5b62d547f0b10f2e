"""The audit log (SEC-2): every operator action lands in an append-only log.

The message bus writes it: a command handled with ``actor=`` an operator appends one entry —
``done`` in the command's own transaction (so it exists exactly when the action committed), or
``refused`` in a transaction of its own when a :class:`DomainError` stopped the command (with
the error's ``code``; never its message, which may quote what was typed). An idempotent replay
writes nothing: the first attempt's entry stands. A command that crashes with an unexpected
exception changed nothing and is logged by its adapter, not here.

What an entry holds (see :func:`audit_entry`): ``action`` is the command class in snake case
(``ChangeSkuPrice`` → ``change_sku_price``), ``target`` the first UUID among its fields (``""``
if none), ``detail`` its fields encoded with :mod:`shop_app.shared.codec` — **minus** the fields
a command names in ``secret_fields`` (SEC-3)::

    @attrs.frozen
    class ActivateCard:
        secret_fields: ClassVar[tuple[str, ...]] = ("secret",)
        card_id: uuid.UUID
        secret: str

Nested attrs values honour their own ``secret_fields`` too.
"""

from __future__ import annotations

import builtins
import datetime as dt
import decimal
import enum
import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any, Final, Literal, Protocol

import attrs

from shop_app.shared import codec
from shop_app.shared.auth import Principal
from shop_domain.shared.money import Money

log = logging.getLogger(__name__)

AuditOutcome = Literal["done", "refused"]
DONE: Final = "done"
REFUSED: Final = "refused"
ERROR_KEY: Final = "$error"
"""The key of ``detail`` that holds the error code of a ``refused`` entry (no field can have
this name, so it never hides one)."""


@attrs.frozen
class AuditEntry:
    id: uuid.UUID
    at: dt.datetime
    actor_kind: str
    actor: str
    action: str
    target: str
    outcome: str
    """``done`` or ``refused``."""
    detail: Mapping[str, Any]


class AuditLog(Protocol):
    """``uow.audit``: append entries in the unit of work's transaction. Append-only: there is
    no way to change or remove an entry."""

    async def append(self, entry: AuditEntry) -> None: ...


class AuditQueries(Protocol):
    """The read side of the audit log, newest first."""

    async def list(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> builtins.list[AuditEntry]: ...

    async def count(
        self, *, actor: str | None = None, action: str | None = None, target: str | None = None
    ) -> int: ...


# --- from a command to an entry ---------------------------------------------------------------

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def action_name(command: object) -> str:
    """``ChangeSkuPrice`` → ``change_sku_price``; ``SetSKUPrice`` → ``set_sku_price``."""
    return _BOUNDARY.sub("_", type(command).__name__).lower()


def secret_fields(value: object) -> frozenset[str]:
    names = getattr(type(value), "secret_fields", ())
    return frozenset(names) if isinstance(names, tuple | list | frozenset | set) else frozenset()


def _fields(value: object) -> list[tuple[str, Any]]:
    cls = type(value)
    if not attrs.has(cls):
        return []
    hidden = secret_fields(value)
    return [
        (field.name, getattr(value, field.name))
        for field in attrs.fields(cls)
        if field.name not in hidden
    ]


def audit_target(command: object) -> str:
    """The first UUID among the command's fields (its subject, by our field-order habit)."""
    for _name, value in _fields(command):
        if isinstance(value, uuid.UUID):
            return str(value)
    return ""


def _plain(value: Any) -> Any:
    """A value the codec can encode: secrets of nested attrs values left out, anything odd
    turned into text rather than failing the command it describes."""
    if value is None or isinstance(
        value, bool | int | str | uuid.UUID | decimal.Decimal | dt.datetime | Money
    ):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return str(value)
    if attrs.has(type(value)):
        return {name: _plain(inner) for name, inner in _fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def audit_detail(command: object) -> dict[str, Any]:
    """The command's fields but its ``secret_fields``, each encoded with the codec."""
    return {name: codec.encode(_plain(value)) for name, value in _fields(command)}


def audit_entry(
    command: object,
    actor: Principal,
    *,
    outcome: AuditOutcome,
    entry_id: uuid.UUID,
    at: dt.datetime,
    error_code: str | None = None,
) -> AuditEntry:
    detail = audit_detail(command)
    if error_code is not None:
        detail[ERROR_KEY] = error_code
    return AuditEntry(
        id=entry_id,
        at=at,
        actor_kind=actor.kind,
        actor=actor.subject,
        action=action_name(command),
        target=audit_target(command),
        outcome=outcome,
        detail=detail,
    )


def is_audited(actor: Principal | None) -> bool:
    """Operators' actions are audited (SEC-2); customers' and the system's are not."""
    return actor is not None and actor.kind == "operator"


__all__ = [
    "DONE",
    "ERROR_KEY",
    "REFUSED",
    "AuditEntry",
    "AuditLog",
    "AuditOutcome",
    "AuditQueries",
    "action_name",
    "audit_detail",
    "audit_entry",
    "audit_target",
    "is_audited",
]
