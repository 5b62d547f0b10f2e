"""``PointsQueries`` in SQL: Core selects over committed rows, never loading an account.

The figures are the account row's; what is due and not yet swept, and what expires within 30
days, are sums over the open lots' partial index (``ix_points_lots_open``) up to a time — so a
summary reads the lots that expire soon, not the account's history.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import bindparam, func, select

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.loyalty.tables import points_accounts, points_entries, points_lots
from shop_adapters.sql.reads import SqlReads
from shop_app.loyalty.queries import EXPIRING_WITHIN, EntryView, PointsSummary
from shop_app.shared.paging import Page, PageRequest

A = points_accounts.c
L = points_lots.c
E = points_entries.c
_ENTRY_COLUMNS = (
    E.seq, E.kind, E.at, E.points, E.balance_after, E.pending, E.pending_after, E.held,
    E.held_after, E.lot_id, E.order_id, E.reason, E.actor,
)  # fmt: skip
_NOW = bindparam("now", type_=L.spend_until.type)
_DUE = (
    select(func.coalesce(func.sum(L.remaining), 0))
    .where(L.account_id == A.id, L.remaining > 0, L.spend_until <= _NOW)
    .scalar_subquery()
)
_AVAILABLE = Prepared(
    select((A.balance - _DUE).label("available")).where(
        A.user_id == bindparam("user_id", type_=A.user_id.type)
    )
)


class SqlPointsQueries(SqlReads):
    async def summary(self, user_id: uuid.UUID, now: dt.datetime) -> PointsSummary:
        until = now + EXPIRING_WITHIN
        async with self._engine.connect() as conn:
            account = (
                await conn.execute(
                    select(A.id, A.balance, A.pending, A.held).where(A.user_id == user_id)
                )
            ).one_or_none()
            if account is None:
                return PointsSummary(user_id=user_id, balance=0, available=0, pending=0, held=0,
                                     expiring_soon=0, next_expiry=None)  # fmt: skip
            open_ = (L.account_id == account.id, L.remaining > 0)
            due = (
                await conn.execute(
                    select(func.coalesce(func.sum(L.remaining), 0)).where(
                        *open_, L.spend_until <= now
                    )
                )
            ).scalar_one()
            soon, first = (
                await conn.execute(
                    select(func.coalesce(func.sum(L.remaining), 0), func.min(L.spend_until)).where(
                        *open_, L.spend_until > now, L.spend_until <= until
                    )
                )
            ).one()
        return PointsSummary(
            user_id=user_id,
            balance=account.balance,
            available=max(0, account.balance - int(due)),
            pending=account.pending,
            held=account.held,
            expiring_soon=int(soon),
            next_expiry=first,
        )

    async def history(self, user_id: uuid.UUID, paging: PageRequest) -> Page[EntryView]:
        mine = E.account_id == (select(A.id).where(A.user_id == user_id).scalar_subquery())
        total, rows = await self._page(
            select(func.count()).select_from(points_entries).where(mine),
            select(*_ENTRY_COLUMNS).where(mine).order_by(E.seq.desc()),
            paging,
        )
        items = tuple(EntryView(**row._mapping) for row in rows)
        return Page(items, total, paging.page, paging.page_size)

    async def available(self, user_id: uuid.UUID, now: dt.datetime) -> int:
        row = await self._first(_AVAILABLE, {"user_id": user_id, "now": now})
        return max(0, int(row[0] or 0)) if row else 0

    async def due_lots(self, now: dt.datetime) -> int:
        async with self._engine.connect() as conn:
            query = select(func.count()).where(L.remaining > 0, L.spend_until <= now)
            return int((await conn.execute(query)).scalar_one())


__all__ = ["SqlPointsQueries"]
