"""The SQL repository of points accounts (:class:`shop_app.loyalty.ports.PointsAccountRepository`).

An account is read locked (``FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time), so
one row lock serialises every change to it. Then :meth:`SqlPointsAccountRepository.load_for`
attaches what the operation needs and nothing more:

- the orders it names;
- the open lots in spend order (``ix_points_lots_open``), page by page (4 lots, then twice as
  many each time), until those not yet due cover the points asked for — the due ones come
  first in that order, so every one of them is there for the account to expire;
- the lots the orders' parts and released points name.

So a spend reads the lots it takes (and the due ones), however long the account's history.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, tuple_

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.loyalty.mapping import ACCOUNTS, CHECK_INS, LOTS, ORDERS
from shop_adapters.sql.loyalty.tables import (
    NEVER,
    points_accounts,
    points_check_ins,
    points_lots,
    points_orders,
)
from shop_adapters.sql.mapper import member_of
from shop_adapters.sql.uow import SqlRepository, SqlUnitOfWork
from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.checkins import CheckInCalendar
from shop_domain.loyalty.errors import AccountNotFound
from shop_domain.loyalty.lots import Lot, Source

FIRST_PAGE = 4
"""Open lots read by the first page; each next page reads twice as many, up to
:data:`MAX_PAGE` (most spends take a lot or two: the first page is small)."""
MAX_PAGE = 512

_lots = points_lots.c
_BY_USER = Prepared(ACCOUNTS.select_all.where(points_accounts.c.user_id == bindparam("user_id")))
_BY_USER_LOCKED = Prepared(
    ACCOUNTS.select_all.where(points_accounts.c.user_id == bindparam("user_id")).with_for_update()
)
_LOT_WITH_REF = Prepared(
    LOTS.select_all.where(
        _lots.account_id == bindparam("account_id"),
        _lots.source == bindparam("source", type_=_lots.source.type),
        _lots.ref == bindparam("ref"),
    )
)
_CALENDAR = Prepared(CHECK_INS.select_all.where(points_check_ins.c.user_id == bindparam("user_id")))
_CALENDAR_LOCKED = Prepared(
    CHECK_INS.select_all.where(points_check_ins.c.user_id == bindparam("user_id")).with_for_update()
)
_SPEND_ORDER = (_lots.spend_until, _lots.granted_at, _lots.id)
_OPEN = LOTS.select_all.where(_lots.account_id == bindparam("account_id"), _lots.remaining > 0)
_FIRST_OPEN = Prepared(_OPEN.order_by(*_SPEND_ORDER).limit(bindparam("limit")))
_NEXT_OPEN = Prepared(
    _OPEN.where(
        tuple_(*_SPEND_ORDER)
        > tuple_(
            bindparam("after_until", type_=_lots.spend_until.type),
            bindparam("after_granted", type_=_lots.granted_at.type),
            bindparam("after_id", type_=_lots.id.type),
        )
    )
    .order_by(*_SPEND_ORDER)
    .limit(bindparam("limit"))
)
_LOTS_BY_ID = Prepared(
    lambda dialect: LOTS.select_all.where(
        _lots.account_id == bindparam("account_id"), member_of(_lots.id, "ids", dialect)
    )
)
_ORDERS_BY_ID = Prepared(
    lambda dialect: ORDERS.select_all.where(
        points_orders.c.account_id == bindparam("account_id"),
        member_of(points_orders.c.order_id, "ids", dialect),
    )
)


class SqlPointsAccountRepository(SqlRepository[PointsAccount]):
    """An account this transaction has locked is not read again: its row cannot have changed
    under the lock (a payment captures held points, then earns, on one account). Nor are its
    open lots, once every one of them is attached."""

    table = ACCOUNTS
    not_found = staticmethod(AccountNotFound)

    def __init__(self, uow: SqlUnitOfWork) -> None:
        super().__init__(uow)
        self._locked: dict[uuid.UUID, PointsAccount] = {}
        self._all_open: set[uuid.UUID] = set()

    async def for_user(self, user_id: uuid.UUID, *, locked: bool = True) -> PointsAccount | None:
        if locked and user_id in self._locked:
            return self._locked[user_id]
        statement = _BY_USER_LOCKED if locked else _BY_USER
        found = await self._load(statement, {"user_id": user_id}, locked=locked)
        if not found:
            return None
        if locked:
            self._locked[user_id] = found[0]
        return found[0]

    async def opened(
        self, user_id: uuid.UUID, now: dt.datetime, new_id: uuid.UUID
    ) -> PointsAccount:
        """The user's account, locked; opened (with ``new_id``) when there is none yet. Two
        first grants at once open one account: the second waits for the first's row."""
        held = self._locked.get(user_id)
        if held is not None:
            return held
        empty = PointsAccount.open(id=new_id, user_id=user_id, now=now)
        account = await self._opened_once(_BY_USER_LOCKED, {"user_id": user_id}, empty)
        self._locked[user_id] = account
        return account

    async def lot_with_ref(self, account: PointsAccount, source: Source, ref: str) -> Lot | None:
        for lot in account.lots.values():
            if lot.source is source and lot.ref == ref:
                return lot
        await self._flush()
        rows = await self._link.fetch(
            _LOT_WITH_REF, {"account_id": account.id, "source": source, "ref": ref}
        )
        if not rows:
            return None
        attached: list[Lot] = []
        found: Lot = self._attach(account, rows[0], attached)
        self._tracker.attached(account, "lots", attached)
        return found

    async def load_for(
        self,
        account: PointsAccount,
        now: dt.datetime,
        *,
        points: int = 0,
        orders: Collection[uuid.UUID] = (),
        cover_earned: bool = False,
    ) -> None:
        """Attach to ``account`` the lots and orders an operation at ``now`` needs: the orders
        named, the open lots that cover ``points`` (and every due one), the lots the orders
        name. Attaching twice attaches nothing twice."""
        link = self._link
        if orders:
            created_here = self._uow.created_here  # such an order's points are in hand
            wanted = [o for o in set(orders) if o not in account.orders and not created_here(o)]
            rows = (
                await link.fetch(_ORDERS_BY_ID, {"account_id": account.id, "ids": wanted})
                if wanted
                else []
            )
            loaded = [ORDERS.load(row) for row in rows]
            for order in loaded:
                account.orders[order.order_id] = order
            self._tracker.attached(account, "orders", loaded)
        named = {
            part.lot_id
            for order_id in orders
            if order_id in account.orders
            for part in (
                *account.orders[order_id].hold_parts,
                *account.orders[order_id].spent_parts,
            )
        }
        named |= {
            account.orders[o].lot_id  # type: ignore[misc]
            for o in orders
            if o in account.orders and account.orders[o].lot_id is not None
        }
        if cover_earned:
            earned = sum(account.orders[o].earned for o in orders if o in account.orders)
            points = max(points, earned)
        attached: list[Lot] = []
        await self._open_lots(account, now, points, attached)
        missing = [lot_id for lot_id in named if lot_id not in account.lots]
        if missing:
            for row in await link.fetch(_LOTS_BY_ID, {"account_id": account.id, "ids": missing}):
                self._attach(account, row, attached)
        self._tracker.attached(account, "lots", attached)

    async def _open_lots(
        self, account: PointsAccount, now: dt.datetime, points: int, attached: list[Lot]
    ) -> None:
        if account.id in self._all_open:
            return  # every open lot is attached already (a lot made since is attached too)
        page = FIRST_PAGE
        params: dict[str, Any] = {"account_id": account.id, "limit": page}
        statement = _FIRST_OPEN
        covered = 0
        while True:
            rows = await self._link.fetch(statement, params)
            for row in rows:
                lot = self._attach(account, row, attached)
                if not lot.is_due(now):
                    covered += lot.remaining
            if len(rows) < page:
                if account.user_id in self._locked:
                    self._all_open.add(account.id)
                return
            lot = LOTS.load(rows[-1])
            if covered >= points and not lot.is_due(now):
                return  # every due lot comes before the first that is not
            statement = _NEXT_OPEN
            page = min(2 * page, MAX_PAGE)
            params.update(
                limit=page,
                after_until=lot.expires_at or NEVER,
                after_granted=lot.granted_at,
                after_id=lot.id,
            )

    @staticmethod
    def _attach(account: PointsAccount, row: Any, attached: list[Lot]) -> Any:
        """The lot of ``row``, attached to ``account`` (and to ``attached``) unless it holds
        it already."""
        lot = LOTS.load(row)
        held = account.lots.get(lot.id)
        if held is not None:
            return held
        account.lots[lot.id] = lot
        attached.append(lot)
        return lot


class SqlCheckInRepository(SqlRepository[CheckInCalendar]):
    table = CHECK_INS

    async def find(self, user_id: uuid.UUID) -> CheckInCalendar | None:
        found = await self._load(_CALENDAR, {"user_id": user_id})
        return found[0] if found else None

    async def opened(self, user_id: uuid.UUID, new_id: uuid.UUID) -> CheckInCalendar:
        """Locked; opened once under racing first check-ins (as accounts are)."""
        empty = CheckInCalendar(id=new_id, user_id=user_id)
        return await self._opened_once(_CALENDAR_LOCKED, {"user_id": user_id}, empty)


__all__ = ["FIRST_PAGE", "MAX_PAGE", "SqlCheckInRepository", "SqlPointsAccountRepository"]
