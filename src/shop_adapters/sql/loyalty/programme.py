"""The programme operators set, in SQL: its one row (locked while it changes: two operators'
changes are serialised, and the second sees the first's revision) and its append-only
revisions; read outside any unit of work by :class:`SqlProgrammeReads`."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.loyalty.mapping import PROGRAMMES
from shop_adapters.sql.loyalty.tables import loyalty_programme_revisions, loyalty_programmes
from shop_adapters.sql.reads import SqlReads
from shop_adapters.sql.uow import SqlRepository
from shop_app.loyalty.programme import ProgrammeInForce
from shop_domain.loyalty.document import programme_from_document
from shop_domain.loyalty.programme import Programme
from shop_domain.loyalty.settings import PROGRAMME_ID, ProgrammeRevision, ProgrammeSettings

P = loyalty_programmes.c
R = loyalty_programme_revisions.c
_LOCKED = Prepared(PROGRAMMES.select_all.where(P.id == bindparam("id")).with_for_update())


class SqlProgrammeRepository(SqlRepository[ProgrammeSettings]):
    table = PROGRAMMES

    async def locked(self, installed: Programme) -> ProgrammeSettings:
        empty = ProgrammeSettings.installed(installed)
        return await self._opened_once(_LOCKED, {"id": PROGRAMME_ID}, empty)


class SqlProgrammeReads(SqlReads):
    async def stored(self) -> ProgrammeInForce | None:
        row = await self._first(
            select(P.programme, P.revision, P.changed_at, P.changed_by, P.reason).where(
                P.id == PROGRAMME_ID
            )
        )
        if row is None:
            return None
        document, revision, changed_at, changed_by, reason = row
        return ProgrammeInForce(
            programme_from_document(document), revision, changed_at, changed_by, reason
        )

    async def revisions(self, limit: int, before: int | None) -> list[ProgrammeRevision]:
        query = select(R.revision, R.document, R.changed_at, R.changed_by, R.reason).where(
            R.programme_id == PROGRAMME_ID
        )
        if before is not None:
            query = query.where(R.revision < before)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.order_by(R.revision.desc()).limit(limit))).all()
        return [ProgrammeRevision(*row) for row in rows]


__all__ = ["SqlProgrammeReads", "SqlProgrammeRepository"]
