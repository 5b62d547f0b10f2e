"""What other parts read of a member, outside any unit of work: the level (for member prices
and promotions' audiences, PRO-2) and its points multiplier (PTS-1), the verified phone (the
member's own screen, and the gift cards bound to it: GC-5), and operators' lists of members."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import bindparam, func, select

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.loyalty.members import window_growth_of
from shop_adapters.sql.loyalty.tables import members
from shop_adapters.sql.reads import SqlReads
from shop_app.loyalty.queries import MemberView
from shop_app.shared.paging import Page, PageRequest

M = members.c
_LEVEL = Prepared(select(M.level).where(M.user_id == bindparam("user_id", type_=M.user_id.type)))


class SqlMemberLevels(SqlReads):
    async def level_of(self, user_id: uuid.UUID) -> int:
        """The member's level (0 for a user who is not a member yet)."""
        row = await self._first(_LEVEL, {"user_id": user_id})
        return int(row[0]) if row else 0

    async def growth_of(self, user_id: uuid.UUID, since: dt.datetime) -> tuple[int, int, int]:
        """The member's level, lifetime growth and growth since ``since`` (zeros for a user who
        is not a member yet)."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(members.c.id, members.c.level, members.c.growth).where(
                        members.c.user_id == user_id
                    )
                )
            ).one_or_none()
            if row is None:
                return 0, 0, 0
            window = (await conn.execute(window_growth_of(row.id, since))).scalar_one()
        return int(row.level), int(row.growth), int(window)

    async def members(self, level: int | None, paging: PageRequest) -> Page[MemberView]:
        which = M.level == level if level is not None else M.level >= 0
        total, rows = await self._page(
            select(func.count()).select_from(members).where(which),
            select(M.user_id, M.level, M.growth, M.created_at, M.evaluated_at)
            .where(which)
            .order_by(M.growth.desc(), M.user_id),
            paging,
        )
        items = tuple(MemberView(**row._mapping) for row in rows)
        return Page(items, total, paging.page, paging.page_size)

    async def phone_of(self, user_id: uuid.UUID) -> tuple[str, dt.datetime] | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(members.c.phone, members.c.phone_verified_at).where(
                        members.c.user_id == user_id, members.c.phone.is_not(None)
                    )
                )
            ).one_or_none()
        return None if row is None else (row.phone, row.phone_verified_at)


__all__ = ["SqlMemberLevels"]
