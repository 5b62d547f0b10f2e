"""The participation log (PRO-7) in SQL: its tables and the store of
:class:`~shop_app.pricing.participation_ports.ParticipationStore`
(``uow.promotion_participations``).

Tables:

- ``promotion_participations``: the log, one row per (order, promotion) — the primary key is
  what makes recording an order again change nothing — with the user, when it was recorded and
  when released;
- ``promotion_participation_totals``: per promotion with a total limit, how many entries count;
- ``promotion_participation_user_counts``: per (promotion, user) of a promotion with a per-user
  limit, how many of the user's entries count.

**How the limits stay exact under concurrency.** A participation is taken by a conditional
write of the counter row, not by counting the log and then writing: on PostgreSQL::

    INSERT INTO promotion_participation_totals (promotion_id, taken) VALUES (:p, 1)
    ON CONFLICT (promotion_id) DO UPDATE SET taken = promotion_participation_totals.taken + 1
    WHERE promotion_participation_totals.taken < :limit RETURNING taken

Two transactions taking the same promotion queue on that one row's lock, and the second one's
``WHERE`` is evaluated again on the row the first committed (READ COMMITTED re-checks an
updated row): the last place is taken once, and no row is returned to the other — refused. The
per-user row is taken the same way. So the check and the count are one statement, and the row
lock is held only from that statement to the commit — not, as a ``SELECT … FOR UPDATE`` of the
promotion and a ``count(*)`` of the log would, over a read that grows with the log and a lock
on the promotion that its own changes need. A counter exists only for a limit that is set (a
promotion's limits never change once it is scheduled): a promotion without limits takes no
shared row, so orders taking it never queue behind each other. SQLite runs every transaction
under its one write lock (``BEGIN IMMEDIATE``): the same statements are exact there trivially.

Within one transaction the log row goes first (``ON CONFLICT DO NOTHING`` on the key: a second
transaction recording the same order waits for the first and then finds its row), then the total,
then the user's counter — except for an order the transaction made itself, which no other can
record: its rows are written at commit (decision 0048). The promotions of an order are taken in
id order, so transactions taking the same promotions lock the same rows in the same order and
cannot deadlock. A refusal
undoes what the take wrote before it, so a refused take changes nothing even before the unit of
work rolls back. Releasing marks the order's rows released (only those still counting, so a
second release finds none) and gives each counter its place back, in the same order.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    Table,
    Uuid,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from shop_adapters.sql.driver import Prepared, inserter
from shop_adapters.sql.metadata import UtcDateTime, metadata
from shop_adapters.sql.uow import SqlUnitOfWork
from shop_app.pricing.participation_ports import Taken, TakeStatus
from shop_domain.pricing.participation import Participation, Tally
from shop_domain.pricing.terms import PromotionLimits


def _promotion_fk() -> ForeignKey:
    """Checked at commit (deferred), as the coupons' are: a promotion written by the same unit
    of work reaches the database at its flush."""
    return ForeignKey("promotions.id", deferrable=True, initially="DEFERRED")


promotion_participations = Table(
    "promotion_participations",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("promotion_id", Uuid, _promotion_fk(), primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("released_at", UtcDateTime, nullable=True),
)
_l = promotion_participations.c
# the operators' log of a promotion, newest first; and one user's entries of a promotion
Index("ix_promotion_participations_promotion_id", _l.promotion_id, _l.recorded_at, _l.order_id)
Index("ix_promotion_participations_promotion_user", _l.promotion_id, _l.user_id)

promotion_participation_totals = Table(
    "promotion_participation_totals",
    metadata,
    Column("promotion_id", Uuid, _promotion_fk(), primary_key=True),
    Column("taken", Integer, nullable=False),
)
promotion_participation_user_counts = Table(
    "promotion_participation_user_counts",
    metadata,
    Column("promotion_id", Uuid, _promotion_fk(), primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("taken", Integer, nullable=False),
)
_t = promotion_participation_totals.c
_u = promotion_participation_user_counts.c


def _take(table: Table, keys: list[str]) -> Prepared:
    """Add one to ``table``'s counter of ``keys`` (made at 1) unless it is at ``limit``;
    returns the new count, or no row when refused."""

    def build(dialect: str) -> Any:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(table).values(
            {**{key: bindparam(key) for key in keys}, "taken": bindparam("one")}
        )
        return statement.on_conflict_do_update(
            index_elements=[table.c[key] for key in keys],
            set_={"taken": table.c.taken + 1},
            where=table.c.taken < bindparam("limit"),
        ).returning(table.c.taken)

    return Prepared(build)


_TAKE_TOTAL = _take(promotion_participation_totals, ["promotion_id"])
_TAKE_USER = _take(promotion_participation_user_counts, ["promotion_id", "user_id"])
_TOTAL = Prepared(select(_t.taken).where(_t.promotion_id == bindparam("promotion_id")))
_OF_USER = Prepared(
    select(_u.taken).where(
        _u.promotion_id == bindparam("promotion_id"), _u.user_id == bindparam("user_id")
    )
)
_GIVE_BACK_TOTAL = Prepared(
    update(promotion_participation_totals)
    .where(_t.promotion_id == bindparam("promotion_id"), _t.taken > 0)
    .values(taken=_t.taken - 1)
)
_GIVE_BACK_USER = Prepared(
    update(promotion_participation_user_counts)
    .where(
        _u.promotion_id == bindparam("promotion_id"),
        _u.user_id == bindparam("user_id"),
        _u.taken > 0,
    )
    .values(taken=_u.taken - 1)
)


def _log_insert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(promotion_participations)
        .values(
            order_id=bindparam("order_id"),
            promotion_id=bindparam("promotion_id"),
            user_id=bindparam("user_id"),
            recorded_at=bindparam("recorded_at"),
        )
        .on_conflict_do_nothing(index_elements=[_l.order_id, _l.promotion_id])
    )


_LOG = Prepared(_log_insert)
_LOG_COLUMNS = (_l.promotion_id, _l.user_id, _l.order_id, _l.recorded_at, _l.released_at)
_ENTRY = Prepared(
    select(*_LOG_COLUMNS).where(
        _l.order_id == bindparam("order_id"), _l.promotion_id == bindparam("promotion_id")
    )
)
_OF_ORDER = Prepared(
    select(*_LOG_COLUMNS).where(_l.order_id == bindparam("order_id")).order_by(_l.promotion_id)
)
_UNLOG = Prepared(
    delete(promotion_participations).where(
        _l.order_id == bindparam("order_id"), _l.promotion_id == bindparam("promotion_id")
    )
)
_RELEASE = Prepared(
    update(promotion_participations)
    .where(_l.order_id == bindparam("order_id"), _l.released_at.is_(None))
    .values(released_at=bindparam("now"))
    .returning(*_LOG_COLUMNS)
)


def _entry(row: Any) -> Participation:
    promotion_id, user_id, order_id, recorded_at, released_at = row
    return Participation(
        promotion_id=promotion_id,
        user_id=user_id,
        order_id=order_id,
        recorded_at=recorded_at,
        released_at=released_at,
    )


class SqlParticipationStore:
    """``uow.promotion_participations``: Core statements on the unit of work's transaction.

    The log rows of an order this unit of work made (:meth:`SqlUnitOfWork.created_here`: a
    submission) are kept in hand and written at commit, in the unit of work's last statement:
    no one else can have logged that order, so its rows need no read and its inserts cannot
    conflict. The counters of a limit are still taken at once, as for any order."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow
        self._link = uow.link
        self._pending: dict[uuid.UUID, dict[uuid.UUID, Participation]] = {}
        self._sent: set[uuid.UUID] = set()
        """The orders whose log rows this store wrote or read (they are no longer in hand)."""

    def _in_hand(self, order_id: uuid.UUID) -> bool:
        return order_id not in self._sent and self._uow.created_here(order_id)

    async def of_order(self, order_id: uuid.UUID) -> list[Participation]:
        if self._in_hand(order_id):
            held = self._pending.get(order_id, {})
            return [held[key] for key in sorted(held)]
        await self._send_pending(order_id)
        return [_entry(row) for row in await self._link.fetch(_OF_ORDER, {"order_id": order_id})]

    async def take(self, entry: Participation, limits: PromotionLimits) -> Taken:
        if self._in_hand(entry.order_id):
            held = self._pending.setdefault(entry.order_id, {})
            if entry.promotion_id in held:
                return Taken(TakeStatus.ALREADY, held[entry.promotion_id])
            taken = await self._count(entry, limits, logged=False)
            if taken.status is TakeStatus.RECORDED:
                held[entry.promotion_id] = entry
            return taken
        await self._send_pending(entry.order_id)
        key = {"order_id": entry.order_id, "promotion_id": entry.promotion_id}
        [log] = _log_rows([entry])
        logged = await self._link.execute(_LOG, log)
        if not logged:
            [row] = await self._link.fetch(_ENTRY, key)
            return Taken(TakeStatus.ALREADY, _entry(row))
        return await self._count(entry, limits, logged=True)

    async def _count(self, entry: Participation, limits: PromotionLimits, *, logged: bool) -> Taken:
        """Take ``entry``'s place in each limit's counter."""
        promotion = {"promotion_id": entry.promotion_id}
        user = {**promotion, "user_id": entry.user_id}
        if limits.total is not None:
            taken = await self._link.fetch(
                _TAKE_TOTAL, {**promotion, "one": 1, "limit": limits.total}
            )
            if not taken:
                return await self._refused(entry, limits, undo_total=False, logged=logged)
        if limits.per_user is not None:
            taken = await self._link.fetch(_TAKE_USER, {**user, "one": 1, "limit": limits.per_user})
            if not taken:
                return await self._refused(
                    entry, limits, undo_total=limits.total is not None, logged=logged
                )
        return Taken(TakeStatus.RECORDED, entry)

    async def _refused(
        self, entry: Participation, limits: PromotionLimits, *, undo_total: bool, logged: bool
    ) -> Taken:
        """Undo what the take wrote, and say what counted (the counters it tried are locked
        by now: what they hold is what refused it)."""
        promotion = {"promotion_id": entry.promotion_id}
        if logged:
            await self._link.execute(_UNLOG, {**promotion, "order_id": entry.order_id})
        if undo_total:
            await self._link.execute(_GIVE_BACK_TOTAL, promotion)
        total = await self._link.fetch(_TOTAL, promotion) if limits.total is not None else []
        of_user = (
            await self._link.fetch(_OF_USER, {**promotion, "user_id": entry.user_id})
            if limits.per_user is not None
            else []
        )
        tally = Tally(total=total[0][0] if total else 0, of_user=of_user[0][0] if of_user else 0)
        return Taken(TakeStatus.REFUSED, entry, tally)

    async def release_order(self, order_id: uuid.UUID, now: dt.datetime) -> list[Participation]:
        await self._send_pending(order_id)
        rows = await self._link.fetch(_RELEASE, {"order_id": order_id, "now": now})
        released = sorted((_entry(row) for row in rows), key=lambda e: e.promotion_id)
        for entry in released:  # in promotion id order, as they were taken
            promotion = {"promotion_id": entry.promotion_id}
            await self._link.execute(_GIVE_BACK_TOTAL, promotion)
            await self._link.execute(_GIVE_BACK_USER, {**promotion, "user_id": entry.user_id})
        return released

    async def _send_pending(self, order_id: uuid.UUID) -> None:
        """Write ``order_id``'s rows in hand now: a statement is about to read or change its
        log."""
        self._sent.add(order_id)
        held = self._pending.pop(order_id, None)
        if held:
            await self._link.execute_many(_LOG_PLAIN, _log_rows(held.values()))

    async def before_commit(self) -> None:
        """The rows in hand go with the unit of work's last statement."""
        rows = _log_rows(e for held in self._pending.values() for e in held.values())
        self._pending = {}
        self._uow.write_at_commit(_LOG_PLAIN, rows)


_LOG_PLAIN = inserter(
    promotion_participations, ("order_id", "promotion_id", "user_id", "recorded_at")
)


def _log_rows(entries: Iterable[Participation]) -> list[dict[str, Any]]:
    return [
        {
            "order_id": e.order_id,
            "promotion_id": e.promotion_id,
            "user_id": e.user_id,
            "recorded_at": e.recorded_at,
        }
        for e in entries
    ]


__all__ = [
    "SqlParticipationStore",
    "promotion_participation_totals",
    "promotion_participation_user_counts",
    "promotion_participations",
]
