"""The in-memory audit log: entries staged by a unit of work, kept by the database on commit."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from shop_app.shared.audit import AuditEntry

if TYPE_CHECKING:
    from shop_adapters.memory.kernel import MemoryDatabase, MemoryUnitOfWork


class MemoryAuditLog:
    """``uow.audit`` of a memory unit of work: appended entries are kept if the unit commits."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def append(self, entry: AuditEntry) -> None:
        self._uow.stage(lambda: self._uow.db.audit_log.append(entry))


class MemoryAuditQueries:
    """The read side over ``db.audit_log``, newest first."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def _matching(
        self, actor: str | None, action: str | None, target: str | None
    ) -> builtins.list[AuditEntry]:
        return [
            entry
            for entry in self._db.audit_log
            if (actor is None or entry.actor == actor)
            and (action is None or entry.action == action)
            and (target is None or entry.target == target)
        ]

    async def list(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> builtins.list[AuditEntry]:
        entries = sorted(
            self._matching(actor, action, target), key=lambda e: (e.at, e.id), reverse=True
        )
        return entries[offset : offset + limit]

    async def count(
        self, *, actor: str | None = None, action: str | None = None, target: str | None = None
    ) -> int:
        return len(self._matching(actor, action, target))
