"""The participation log as operators read it (:class:`~shop_app.pricing.participation_ports.
ParticipationQueries`): a promotion's entries, newest first, and its counts — read from the log
itself, the record the counters are kept from."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import case, func, select

from shop_adapters.sql.pricing.participation import promotion_participations
from shop_adapters.sql.pricing.repositories import promotion_not_found
from shop_adapters.sql.pricing.tables import promotions
from shop_adapters.sql.reads import SqlReads
from shop_app.pricing.participation_ports import ParticipationCounts, ParticipationFilter
from shop_app.shared.paging import Page, PageRequest
from shop_domain.pricing.participation import Participation

_l = promotion_participations.c
_p = promotions.c


def _entry(row: Any) -> Participation:
    return Participation(
        promotion_id=row.promotion_id,
        user_id=row.user_id,
        order_id=row.order_id,
        recorded_at=row.recorded_at,
        released_at=row.released_at,
    )


class SqlParticipationQueries(SqlReads):
    async def _limits(self, promotion_id: uuid.UUID) -> tuple[int | None, int | None]:
        statement = select(_p.total_limit, _p.per_user_limit).where(_p.id == promotion_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(statement)).one_or_none()
        if row is None:
            raise promotion_not_found(promotion_id)
        return row.total_limit, row.per_user_limit

    async def log(
        self, promotion_id: uuid.UUID, filter: ParticipationFilter, paging: PageRequest
    ) -> Page[Participation]:
        await self._limits(promotion_id)
        where: list[Any] = [_l.promotion_id == promotion_id]
        if filter.user_id is not None:
            where.append(_l.user_id == filter.user_id)
        if filter.order_id is not None:
            where.append(_l.order_id == filter.order_id)
        if filter.counting_only:
            where.append(_l.released_at.is_(None))
        total, rows = await self._page(
            select(func.count()).select_from(promotion_participations).where(*where),
            select(promotion_participations)
            .where(*where)
            .order_by(_l.recorded_at.desc(), _l.order_id.desc()),
            paging,
        )
        return Page(tuple(_entry(row) for row in rows), total, paging.page, paging.page_size)

    async def counts(
        self, promotion_id: uuid.UUID, user_id: uuid.UUID | None = None
    ) -> ParticipationCounts:
        total_limit, per_user_limit = await self._limits(promotion_id)
        counting = _l.released_at.is_(None)
        statement = select(
            func.coalesce(func.sum(case((counting, 1), else_=0)), 0).label("taken"),
            func.coalesce(func.sum(case((counting, 0), else_=1)), 0).label("released"),
            func.count(func.distinct(case((counting, _l.user_id), else_=None))).label("users"),
        ).where(_l.promotion_id == promotion_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(statement)).one()
            user_taken = None
            if user_id is not None:
                user_taken = (
                    await conn.execute(
                        select(func.count()).where(
                            _l.promotion_id == promotion_id, _l.user_id == user_id, counting
                        )
                    )
                ).scalar_one()
        return ParticipationCounts(
            promotion_id=promotion_id,
            taken=int(row.taken),
            released=int(row.released),
            users=int(row.users),
            total_limit=total_limit,
            per_user_limit=per_user_limit,
            user_id=user_id,
            user_taken=None if user_taken is None else int(user_taken),
        )


__all__ = ["SqlParticipationQueries"]
