"""The expiry sweep (PTS-7) in SQL: set-based, in bounded steps, each its own transaction.

A step takes the accounts of the first ``lots`` due lots (``ix_points_lots_due``, soonest
first), locks those accounts (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: an account another
transaction holds is left to the next step; SQLite has one writer at a time) and, for every due
lot with points left of those accounts, in three statements:

1. writes one ``expire`` entry per lot, numbered after the account's last entry in spend order,
   each with the balance after it (window sums over the account's due lots);
2. takes what the lots held off the accounts' balances and counts their new entries (the
   account's version goes up: an operation that read it before is stale);
3. empties the lots and marks them expired.

It is what :meth:`shop_domain.loyalty.books.PointsBooks.expire` does to an account, written
for many at once (the contract suite holds the two to the same result); one
``loyalty.points_expired`` event per account goes through the outbox like any other. A step
that finds nothing due does nothing, so the sweep may run again at any time and resumes where
a killed one stopped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, insert, literal, select, update

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.loyalty.tables import points_accounts, points_entries, points_lots
from shop_adapters.sql.mapper import member_of
from shop_adapters.sql.uow import SqlUnitOfWork
from shop_app.loyalty.ports import SweepStep
from shop_domain.loyalty import events as ev
from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.lots import EntryKind

A = points_accounts.c
L = points_lots.c
_NOW = bindparam("now", type_=L.spend_until.type)

_CANDIDATES = Prepared(
    select(L.account_id)
    .where(L.remaining > 0, L.spend_until <= _NOW)
    .order_by(L.spend_until)
    .limit(bindparam("lots"))
)
_LOCK = Prepared(
    lambda dialect: (
        select(A.id, A.balance, A.seq)
        .where(member_of(A.id, "ids", dialect))
        .order_by(A.id)
        .with_for_update(skip_locked=True)
    )
)


def _due(dialect: str) -> Any:
    return and_(member_of(L.account_id, "ids", dialect), L.remaining > 0, L.spend_until <= _NOW)


def _entries(dialect: str) -> Any:
    order = (L.spend_until, L.granted_at, L.id)
    rows = (
        select(
            L.account_id,
            A.seq
            + func.row_number().over(partition_by=L.account_id, order_by=order, rows=(None, 0)),
            literal(EntryKind.EXPIRE.value),
            _NOW,
            -L.remaining,
            A.balance
            - func.sum(L.remaining).over(partition_by=L.account_id, order_by=order, rows=(None, 0)),
            literal(0, Integer),
            A.pending,
            literal(0, Integer),
            A.held,
            L.id,
            literal("system"),
        )
        .select_from(points_lots.join(points_accounts, A.id == L.account_id))
        .where(_due(dialect))
    )
    columns = ("account_id", "seq", "kind", "at", "points", "balance_after", "pending",
               "pending_after", "held", "held_after", "lot_id", "actor")  # fmt: skip
    return insert(points_entries).from_select(columns, rows)


def _accounts(dialect: str) -> Any:
    mine = and_(L.account_id == A.id, L.remaining > 0, L.spend_until <= _NOW)
    total = select(func.coalesce(func.sum(L.remaining), 0)).where(mine).scalar_subquery()
    count = select(func.count()).where(mine).scalar_subquery()
    return (
        update(points_accounts)
        .where(member_of(A.id, "ids", dialect))
        .values(balance=A.balance - total, seq=A.seq + count, version=A.version + 1)
        .returning(A.id, A.user_id, A.balance, A.pending, A.held, A.seq)
    )


def _lots(dialect: str) -> Any:
    return update(points_lots).where(_due(dialect)).values(remaining=0, expired=True)


_ENTRIES, _ACCOUNTS, _LOTS = Prepared(_entries), Prepared(_accounts), Prepared(_lots)


class SqlPointsSweep:
    """``uow.points_sweep``: a step of the sweep in the unit of work's transaction."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow
        self._link = uow.link

    async def expire_due(self, now: dt.datetime, lots: int) -> SweepStep:
        link = self._link
        candidates = {row[0] for row in await link.fetch(_CANDIDATES, {"now": now, "lots": lots})}
        if not candidates:
            return SweepStep(0, 0, 0)
        before = {
            row[0]: (row[1], row[2]) for row in await link.fetch(_LOCK, {"ids": sorted(candidates)})
        }
        if not before:
            return SweepStep(0, 0, 0)  # another sweep holds them
        params = {"ids": list(before), "now": now}
        await link.execute(_ENTRIES, params)
        after = await link.fetch(_ACCOUNTS, params)
        await link.execute(_LOTS, params)
        lots = points = 0
        for account_id, user_id, balance, pending, held, seq in after:
            old_balance, old_seq = before[account_id]
            expired, count = old_balance - balance, seq - old_seq
            lots, points = lots + count, points + expired
            self._record(account_id, user_id, now, expired, count, balance, pending, held)
        return SweepStep(len(after), lots, points)

    def _record(self, account_id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime, points: int,
                lots: int, balance: int, pending: int, held: int) -> None:  # fmt: skip
        """The account's event, on a shell of the account the unit of work collects events
        from (nothing of it is written: the statements above did that)."""
        shell = object.__new__(PointsAccount)
        shell.__dict__.update(id=account_id, user_id=user_id)
        shell.record(
            ev.PointsExpired(
                occurred_at=now,
                account_id=account_id,
                user_id=user_id,
                points=points,
                balance_after=balance,
                pending_after=pending,
                held_after=held,
                lots=lots,
            )
        )
        self._uow.track(shell)


__all__ = ["SqlPointsSweep"]
