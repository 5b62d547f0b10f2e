"""Order statistics over HTTP (ORD-10), for operators with ``orders.read``:
``GET /orders/statistics?period=day|week|month&from=&to=&channel=`` answers, per period, the
orders submitted and paid, the paying customers, GMV, refunds, net and average order value, for
one channel or all of them — counted in the statistics' time zone (decision 0044)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.problems import problem_spec
from shop_adapters.http.schemas import MoneySchema
from shop_adapters.runtime import Runtime
from shop_app.ordering.statistics import PeriodFigures, StatisticsQueries, StatisticsQuery
from shop_domain.ordering.order import CHANNEL_MAX
from shop_domain.ordering.statistics import ALL_CHANNELS, MAX_DAYS

READ: Final = "orders.read"
READERS: Final = [requires(READ), operator_only]
CHANNEL_PATTERN: Final = rf"^[a-z0-9_\-]{{1,{CHANNEL_MAX}}}$"


class PeriodOut(msgspec.Struct, frozen=True):
    start: dt.date
    end: dt.date
    channel: str
    submitted: int
    paid: int
    paying_customers: int
    gmv: MoneySchema
    refunded: MoneySchema
    net: MoneySchema
    average_order_value: MoneySchema | None

    @classmethod
    def of(cls, figures: PeriodFigures) -> PeriodOut:
        average = figures.average_order_value
        return cls(
            start=figures.start,
            end=figures.end,
            channel=figures.channel,
            submitted=figures.submitted,
            paid=figures.paid,
            paying_customers=figures.paying_customers,
            gmv=MoneySchema.from_domain(figures.gmv),
            refunded=MoneySchema.from_domain(figures.refunded),
            net=MoneySchema.from_domain(figures.net),
            average_order_value=None if average is None else MoneySchema.from_domain(average),
        )


class StatisticsOut(msgspec.Struct, frozen=True):
    period: str
    start: dt.date
    end: dt.date
    channel: str
    time_zone: str
    periods: list[PeriodOut]


class OrderStatisticsController(Controller):
    path = "/orders/statistics"
    tags = ["orders"]

    @get(
        "/",
        summary="GMV, orders, paying customers and average order value per period and channel",
        guards=READERS,
        responses={
            422: problem_spec(
                "The range ends before it starts or is too long (`order.statistics_query`)"
            )
        },
    )
    async def statistics(
        self,
        runtime: NamedDependency[Runtime],
        period: Annotated[
            str,
            QueryParameter(
                pattern=r"^(day|week|month)$", description="`day`, `week` (ISO) or `month`"
            ),
        ],
        start: Annotated[
            dt.date,
            QueryParameter(name="from", description="The first day, in the statistics' time zone"),
        ],
        end: Annotated[
            dt.date,
            QueryParameter(
                name="to",
                description=f"The last day (included); at most {MAX_DAYS} days after `from`",
            ),
        ],
        channel: Annotated[
            str | None,
            QueryParameter(
                pattern=CHANNEL_PATTERN,
                description=f"`app`, `h5`, `web`, `mini_program`…; `{ALL_CHANNELS}` if not given",
            ),
        ] = None,
    ) -> StatisticsOut:
        query = StatisticsQuery.of(period, start, end, channel)
        report = await runtime.get(StatisticsQueries).figures(query)
        return StatisticsOut(
            period=query.period.value,
            start=query.start,
            end=query.end,
            channel=query.channel,
            time_zone=report.time_zone,
            periods=[PeriodOut.of(figures) for figures in report.periods],
        )


__all__ = ["READ", "OrderStatisticsController"]
