"""Customers' coupons as read (the wallet, one coupon, those usable now), in SQL.

Expiry is applied on read (CPN-12): an ``available`` coupon whose validity has ended by ``now``
is ``expired`` to every filter, count and item here, sweep or no sweep.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from shop_adapters.sql.coupons.tables import coupon_templates, coupons
from shop_adapters.sql.reads import SqlReads
from shop_app.coupons.queries import EXPIRING_SOON, Wallet, WalletItem, WalletQuery
from shop_domain.coupons.coupon import CouponState, Via
from shop_domain.coupons.errors import CouponNotFound

T = coupon_templates.c
C = coupons.c


def available_at(now: dt.datetime) -> ColumnElement[bool]:
    """Effectively available: stored ``available`` and still inside validity at ``now``."""
    return and_(C.state == CouponState.AVAILABLE, C.valid_until > now)


def effective_state_is(state: CouponState, now: dt.datetime) -> ColumnElement[bool]:
    """``Coupon.effective_state(now) is state`` in SQL."""
    if state is CouponState.AVAILABLE:
        return available_at(now)
    if state is CouponState.EXPIRED:
        return or_(
            C.state == CouponState.EXPIRED,
            and_(C.state == CouponState.AVAILABLE, C.valid_until <= now),
        )
    return C.state == state


def expiring_soon_at(now: dt.datetime) -> ColumnElement[bool]:
    return and_(available_at(now), C.valid_until <= now + EXPIRING_SOON)


def _effective(state: CouponState, valid_until: dt.datetime, now: dt.datetime) -> CouponState:
    if state is CouponState.AVAILABLE and now >= valid_until:
        return CouponState.EXPIRED
    return state


def _wallet_item(row: Any, now: dt.datetime) -> WalletItem:
    state = _effective(CouponState(row.state), row.valid_until, now)
    return WalletItem(
        coupon_id=row.id,
        template_id=row.template_id,
        name=row.name,
        terms=row.terms,
        state=state,
        via=Via(row.via),
        acquired_at=row.acquired_at,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        expiring_soon=state is CouponState.AVAILABLE and row.valid_until - now <= EXPIRING_SOON,
        order_id=row.order_id,
    )


_WALLET_COLUMNS = (
    C.id,
    C.template_id,
    T.name,
    T.terms,
    C.state,
    C.via,
    C.acquired_at,
    C.valid_from,
    C.valid_until,
    C.order_id,
)
_WALLET_SOURCE = coupons.join(coupon_templates, T.id == C.template_id)


class WalletQueries(SqlReads):
    """The wallet part of ``CouponQueries``."""

    async def wallet(self, query: WalletQuery, now: dt.datetime) -> Wallet:
        mine = C.user_id == query.user_id
        past = case((C.valid_until <= now, 1), else_=0)
        soon = case((and_(C.valid_until > now, C.valid_until <= now + EXPIRING_SOON), 1), else_=0)
        tally = (
            select(
                C.state,
                func.count().label("n"),
                func.sum(past).label("past"),
                func.sum(soon).label("soon"),
            )
            .where(mine)
            .group_by(C.state)
        )
        where = [mine]
        if query.state is not None:
            where.append(effective_state_is(query.state, now))
        if query.expiring_soon:
            where.append(expiring_soon_at(now))
        paging = query.paging
        page = (
            select(*_WALLET_COLUMNS)
            .select_from(_WALLET_SOURCE)
            .where(*where)
            .order_by(C.valid_until, C.id)
            .offset(paging.offset)
            .limit(paging.page_size)
        )
        async with self._engine.connect() as conn:
            tallies = (await conn.execute(tally)).all()
            rows = (await conn.execute(page)).all()
        counts = {state.value: 0 for state in CouponState}
        expiring_soon = 0
        for t in tallies:
            state = CouponState(t.state)
            if state is CouponState.AVAILABLE:  # expiry on read
                counts[CouponState.EXPIRED.value] += int(t.past)
                counts[state.value] += int(t.n) - int(t.past)
                expiring_soon += int(t.soon)
            else:
                counts[state.value] += int(t.n)
        return Wallet(
            items=tuple(_wallet_item(row, now) for row in rows),
            counts=counts,
            expiring_soon=expiring_soon,
        )

    async def owned(self, user_id: uuid.UUID, coupon_id: uuid.UUID, now: dt.datetime) -> WalletItem:
        statement = (
            select(*_WALLET_COLUMNS)
            .select_from(_WALLET_SOURCE)
            .where(C.id == coupon_id, C.user_id == user_id)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(statement)).one_or_none()
        if row is None:  # another user's coupon is as unknown as a missing one
            raise CouponNotFound(coupon_id)
        return _wallet_item(row, now)

    async def usable(self, user_id: uuid.UUID, now: dt.datetime) -> Sequence[WalletItem]:
        statement = (
            select(*_WALLET_COLUMNS)
            .select_from(_WALLET_SOURCE)
            .where(C.user_id == user_id, available_at(now), C.valid_from <= now)
            .order_by(C.valid_until, C.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [_wallet_item(row, now) for row in rows]
