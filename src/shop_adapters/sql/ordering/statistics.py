"""``StatisticsQueries`` in SQL (ORD-10): sums of the projection's daily rows and distinct
counts of its paying customers, grouped by the day's period in one statement each — never a
scan of orders (decision 0044)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.ordering.statistics_tables import order_stats_days, order_stats_payers
from shop_adapters.sql.reads import SqlReads
from shop_app.ordering.statistics import (
    PeriodFigures,
    StatisticsQuery,
    StatisticsReport,
)
from shop_domain.ordering.statistics import ALL_CHANNELS, period_end
from shop_domain.shared.money import Money

D, U = order_stats_days.c, order_stats_payers.c


def _within(statement: Select[Any], columns: Any, query: StatisticsQuery) -> Select[Any]:
    statement = statement.where(columns.day >= query.start, columns.day <= query.end)
    if query.channel != ALL_CHANNELS:
        statement = statement.where(columns.channel == query.channel)
    return statement


class SqlStatisticsQueries(SqlReads):
    def __init__(self, engine: AsyncEngine, time_zone: str) -> None:
        super().__init__(engine)
        self._zone = time_zone

    async def figures(self, query: StatisticsQuery) -> StatisticsReport:
        name = query.period.value
        bucket, payer_bucket = D[name], U[name]
        sums = _within(
            select(
                bucket,
                D.currency,
                func.sum(D.submitted),
                func.sum(D.paid),
                func.sum(D.gmv_minor),
                func.sum(D.refunded_minor),
            ),
            D,
            query,
        ).group_by(bucket, D.currency)
        payers = _within(
            select(payer_bucket, U.currency, func.count(U.user_id.distinct())), U, query
        ).group_by(payer_bucket, U.currency)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(sums)).all()
            distinct = {(row[0], row[1]): int(row[2]) for row in await conn.execute(payers)}
        periods = []
        for start, currency, submitted, paid, gmv, refunded in rows:
            end = period_end(start, query.period)
            periods.append(
                PeriodFigures(
                    start=max(start, query.start),
                    end=min(end, query.end),
                    channel=query.channel,
                    currency=currency,
                    submitted=int(submitted),
                    paid=int(paid),
                    paying_customers=distinct.get((start, currency), 0),
                    gmv=Money(int(gmv), currency),
                    refunded=Money(int(refunded), currency),
                )
            )
        periods.sort(key=lambda figures: (figures.start, figures.currency))
        return StatisticsReport(query=query, time_zone=self._zone, periods=tuple(periods))


__all__ = ["SqlStatisticsQueries"]
