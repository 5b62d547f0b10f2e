"""``PointsQueries`` in SQL: Core selects over committed rows, never loading an account.

The figures are the account row's; what is due and not yet swept, and what expires within 30
days, are sums over the open lots' partial index (``ix_points_lots_open``) up to a time — so a
summary reads the lots that expire soon, not the account's history.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select

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
        due = (
            select(func.coalesce(func.sum(L.remaining), 0))
            .where(L.account_id == A.id, L.remaining > 0, L.spend_until <= now)
            .scalar_subquery()
        )
        async with self._engine.connect() as conn:
            found = (
                await conn.execute(select(A.balance - due).where(A.user_id == user_id))
            ).scalar_one_or_none()
        return max(0, int(found or 0))

    async def due_lots(self, now: dt.datetime) -> int:
        async with self._engine.connect() as conn:
            query = select(func.count()).where(L.remaining > 0, L.spend_until <= now)
            return int((await conn.execute(query)).scalar_one())


__all__ = ["SqlPointsQueries"]
