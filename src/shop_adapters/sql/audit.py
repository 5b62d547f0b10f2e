"""The SQL audit log (the ``audit_log`` table): inserts in the unit of work's transaction, reads
through the engine. Nothing here updates or deletes a row (SEC-2); the database refuses to."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.driver import Link, inserter
from shop_adapters.sql.engine import reader
from shop_adapters.sql.kernel_tables import audit_log
from shop_app.shared.audit import AuditEntry


class SqlAuditLog:
    """``uow.audit`` of a SQL unit of work: the entry commits (or not) with the unit."""

    def __init__(self, link: Link) -> None:
        self._link = link

    async def append(self, entry: AuditEntry) -> None:
        row = {
            "id": entry.id,
            "at": entry.at,
            "actor_kind": entry.actor_kind,
            "actor": entry.actor,
            "action": entry.action,
            "target": entry.target,
            "outcome": entry.outcome,
            "detail": dict(entry.detail),
        }
        await self._link.execute(inserter(audit_log, row), row)


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor_kind=row.actor_kind,
        actor=row.actor,
        action=row.action,
        target=row.target,
        outcome=row.outcome,
        detail=row.detail,
    )


class SqlAuditQueries:
    """The read side, newest first."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reader(engine)

    @staticmethod
    def _filters(actor: str | None, action: str | None, target: str | None) -> list[Any]:
        criteria = []
        if actor is not None:
            criteria.append(audit_log.c.actor == actor)
        if action is not None:
            criteria.append(audit_log.c.action == action)
        if target is not None:
            criteria.append(audit_log.c.target == target)
        return criteria

    async def list(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> builtins.list[AuditEntry]:
        statement = (
            select(audit_log)
            .where(*self._filters(actor, action, target))
            .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [_entry(row) for row in rows]

    async def count(
        self, *, actor: str | None = None, action: str | None = None, target: str | None = None
    ) -> int:
        statement = (
            select(func.count()).select_from(audit_log).where(*self._filters(actor, action, target))
        )
        async with self._engine.connect() as conn:
            return int((await conn.execute(statement)).scalar_one())
