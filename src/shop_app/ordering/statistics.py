"""Order statistics per period and channel (ORD-10): the question, the answer, the read port.

The figures come from a projection kept in the same transaction as the orders and payments
(:func:`~shop_domain.ordering.statistics.statistics_changes` over each commit's events, one row
per day in the statistics' time zone, channel and currency, and one per paying customer of that
day) — reading them never scans orders. What each figure means: decision 0044.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import attrs

from shop_domain.ordering.order import CHANNEL_MAX
from shop_domain.ordering.statistics import (
    ALL_CHANNELS,
    MAX_DAYS,
    InvalidStatisticsQuery,
    Period,
    average_order_value,
)
from shop_domain.shared.money import Money


@attrs.frozen(kw_only=True)
class StatisticsQuery:
    """Figures of each ``period`` from ``start`` to ``end`` (days in the statistics' zone, both
    included; a week or month cut by them counts its days inside only), for one ``channel`` or
    :data:`ALL_CHANNELS`."""

    period: Period
    start: dt.date
    end: dt.date
    channel: str = ALL_CHANNELS

    @classmethod
    def of(cls, period: str, start: dt.date, end: dt.date, channel: str | None) -> StatisticsQuery:
        """The query, or :class:`InvalidStatisticsQuery` naming what is wrong."""
        try:
            kind = Period(period)
        except ValueError:
            raise InvalidStatisticsQuery(
                "the period is day, week or month", details={"period": period}
            ) from None
        if end < start:
            raise InvalidStatisticsQuery("the range ends before it starts")
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidStatisticsQuery(
                f"a range covers at most {MAX_DAYS} days", details={"max_days": MAX_DAYS}
            )
        name = channel or ALL_CHANNELS
        if len(name) > CHANNEL_MAX:
            raise InvalidStatisticsQuery(f"a channel is 1..{CHANNEL_MAX} characters")
        return cls(period=kind, start=start, end=end, channel=name)


@attrs.frozen(kw_only=True)
class PeriodFigures:
    """One period's figures for one channel (or all) and one currency."""

    start: dt.date
    """The first day of the period (cut to the query's start)."""
    end: dt.date
    """The last day of the period (cut to the query's end)."""
    channel: str
    currency: str
    submitted: int
    paid: int
    paying_customers: int
    gmv: Money
    refunded: Money

    @property
    def net(self) -> Money:
        return self.gmv - self.refunded

    @property
    def average_order_value(self) -> Money | None:
        """GMV / paid orders, half-up once (MON-2); ``None`` without paid orders."""
        value = average_order_value(self.gmv.minor, self.paid)
        return None if value is None else Money(value, self.currency)


@attrs.frozen(kw_only=True)
class StatisticsReport:
    query: StatisticsQuery
    time_zone: str
    """The zone whose days the figures are counted in."""
    periods: tuple[PeriodFigures, ...]
    """By period start, then currency; periods without a single order are left out."""


class StatisticsQueries(Protocol):
    async def figures(self, query: StatisticsQuery) -> StatisticsReport: ...


__all__ = ["PeriodFigures", "StatisticsQueries", "StatisticsQuery", "StatisticsReport"]
