"""The audit log (SEC-2) as operators read it (``/audit``), for holders of ``audit.read``.

Entries are written by the message bus, never through HTTP; there is no way to change one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.problems import HttpProblem
from shop_adapters.http.schemas import Page, Pagination, text_pattern
from shop_adapters.runtime import Runtime
from shop_app.shared.audit import AuditEntry, AuditQueries

READ: Final = "audit.read"
READ_GUARDS: Final = [requires(READ), operator_only]


class AuditEntryOut(msgspec.Struct, frozen=True):
    """One operator action: ``outcome`` is ``done`` or ``refused`` (then ``detail["$error"]``
    holds the error code); ``detail`` holds the command's fields, secrets left out."""

    id: uuid.UUID
    at: dt.datetime
    actor_kind: str
    actor: str
    action: str
    target: str
    outcome: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(
            id=entry.id,
            at=entry.at,
            actor_kind=entry.actor_kind,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            outcome=entry.outcome,
            detail=dict(entry.detail),
        )


def audit_queries(runtime: Runtime) -> AuditQueries:
    """The runtime's audit read side; a runtime built without one answers 503."""
    if runtime.audit is None:
        raise HttpProblem(503, "audit.unavailable", "the audit log is not available")
    return runtime.audit


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]

    @get("/", guards=READ_GUARDS, summary="Operator actions, newest first")
    async def list_entries(
        self,
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        actor: Annotated[
            str | None,
            Parameter(
                max_length=200,
                pattern=text_pattern(200),
                description="Only this operator's actions",
            ),
        ] = None,
        action: Annotated[
            str | None,
            Parameter(
                max_length=200,
                pattern=text_pattern(200),
                description="Only this action (e.g. `create_brand`)",
            ),
        ] = None,
        target: Annotated[
            str | None,
            Parameter(
                max_length=200,
                pattern=text_pattern(200),
                description="Only actions on this target (an id)",
            ),
        ] = None,
    ) -> Page[AuditEntryOut]:
        queries = audit_queries(runtime)
        entries = await queries.list(
            actor=actor,
            action=action,
            target=target,
            limit=pagination.limit,
            offset=pagination.offset,
        )
        total = await queries.count(actor=actor, action=action, target=target)
        return Page.of([AuditEntryOut.of(entry) for entry in entries], total, pagination)
