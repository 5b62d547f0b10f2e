"""The order statistics' projection in SQL (ORD-10, decision 0044): a
:class:`~shop_app.shared.unit_of_work.Projection` that writes, in the unit of work's own
transaction, what each commit's order and payment events add to the daily figures.

Each day's figures are added with one upsert per (day, channel, currency) into one of
:data:`STATS_SLOTS` rows picked at random (``INSERT … ON CONFLICT … DO UPDATE SET col = col +
excluded.col``, exact under any concurrency on PostgreSQL and SQLite alike); paying customers are
inserted once per day, channel and currency (``ON CONFLICT DO NOTHING``). Rows are written in key
order, so two commits cannot deadlock.

The days are those of the time zone the ordering plug-in set for the engine
(:func:`set_statistics_zone`, from ``SHOP_ORDER_STATS_TIME_ZONE``); a unit of work on an engine
nobody set counts Asia/Shanghai days.
"""

from __future__ import annotations

import random
import uuid
import weakref
import zoneinfo
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.ordering.statistics_tables import (
    FIGURES,
    STATS_SLOTS,
    order_stats_days,
    order_stats_payers,
)
from shop_adapters.sql.ordering.tables import orders
from shop_adapters.sql.uow import SqlUnitOfWork, insert_ignoring_conflicts
from shop_domain.ordering.events import OrderPaid
from shop_domain.ordering.statistics import (
    DayDelta,
    DayKey,
    Period,
    period_start,
    refunded_orders,
    statistics_changes,
)
from shop_domain.shared.events import DomainEvent

DEFAULT_ZONE: Final = "Asia/Shanghai"
_ZONES: weakref.WeakKeyDictionary[Engine, zoneinfo.ZoneInfo] = weakref.WeakKeyDictionary()


def set_statistics_zone(engine: Engine, zone: zoneinfo.ZoneInfo) -> None:
    """Count the statistics of the units of work on ``engine`` (its sync engine) in ``zone``."""
    _ZONES[engine] = zone


def statistics_zone(engine: Engine) -> zoneinfo.ZoneInfo:
    return _ZONES.get(engine) or zoneinfo.ZoneInfo(DEFAULT_ZONE)


def _days_upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(order_stats_days)
    return statement.on_conflict_do_update(
        index_elements=[
            order_stats_days.c.day,
            order_stats_days.c.channel,
            order_stats_days.c.currency,
            order_stats_days.c.slot,
        ],
        set_={name: order_stats_days.c[name] + statement.excluded[name] for name in FIGURES},
    )


_DAYS_UPSERT = Prepared(_days_upsert)
_PAYERS_INSERT = Prepared(lambda dialect: insert_ignoring_conflicts(dialect, order_stats_payers))
_PAID_CHANNEL = Prepared(
    select(orders.c.channel).where(orders.c.id == bindparam("id"), orders.c.paid_at.is_not(None))
)


def _periods(day: Any) -> dict[str, Any]:
    return {"week": period_start(day, Period.WEEK), "month": period_start(day, Period.MONTH)}


def _day_row(key: DayKey, delta: DayDelta, slot: int) -> dict[str, Any]:
    return {
        "day": key.day,
        "channel": key.channel,
        "currency": key.currency,
        "slot": slot,
        **_periods(key.day),
        "submitted": delta.submitted,
        "paid": delta.paid,
        "gmv_minor": delta.gmv,
        "refunded_minor": delta.refunded,
    }


class SqlOrderStatistics:
    """The projection of one unit of work (made with it, applied as it commits)."""

    def __init__(self, uow: SqlUnitOfWork, *, slots: int = STATS_SLOTS) -> None:
        self._uow = uow
        self._slots = slots

    async def _paid_channels(self, events: Sequence[DomainEvent]) -> dict[uuid.UUID, str]:
        wanted = refunded_orders(events)
        if not wanted:
            return {}
        here = {e.order_id: e.channel for e in events if isinstance(e, OrderPaid)}
        found: dict[uuid.UUID, str] = {}
        for order_id in sorted(wanted):
            if order_id in here:
                found[order_id] = here[order_id]
                continue
            rows = await self._uow.link.fetch(_PAID_CHANNEL, {"id": order_id})
            if rows:
                found[order_id] = str(rows[0][0])
        return found

    async def apply(self, events: Sequence[DomainEvent]) -> None:
        uow = self._uow
        zone = statistics_zone(uow.engine.sync_engine)
        changes = statistics_changes(events, zone, await self._paid_channels(events))
        if changes.empty:
            return
        if changes.days:
            rows = [
                _day_row(key, changes.days[key], random.randrange(self._slots))
                for key in sorted(changes.days, key=lambda k: (k.day, k.channel, k.currency))
            ]
            uow.write_at_commit(_DAYS_UPSERT, rows)
        if changes.payers:
            payers = sorted(changes.payers, key=lambda p: (p.day, p.channel, p.currency, p.user_id))
            uow.write_at_commit(
                _PAYERS_INSERT,
                [
                    {
                        "day": p.day,
                        "channel": p.channel,
                        "currency": p.currency,
                        "user_id": p.user_id,
                        **_periods(p.day),
                    }
                    for p in payers
                ],
            )


__all__ = [
    "DEFAULT_ZONE",
    "SqlOrderStatistics",
    "set_statistics_zone",
    "statistics_zone",
]
