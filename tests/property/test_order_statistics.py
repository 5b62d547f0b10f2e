"""ORD-10 as a property: whatever orders are submitted and paid, on whichever channels, days
and customers, and however they are spread over commits, the projection's figures for every
period and channel equal the same figures recomputed from the orders themselves."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import AsyncIterator

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from shop_adapters.sql.ordering.statistics_projection import SqlOrderStatistics
from shop_adapters.sql.ordering.statistics_tables import order_stats_days, order_stats_payers
from shop_app.ordering.statistics import StatisticsQueries, StatisticsQuery
from shop_domain.ordering.events import OrderPaid, OrderSubmitted
from shop_domain.ordering.statistics import (
    ALL_CHANNELS,
    KNOWN_CHANNELS,
    Period,
    average_order_value,
    period_start,
)
from shop_domain.shared.events import DomainEvent
from shop_testing.harness import MemoryShop, memory_settings, memory_shop

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 25, tzinfo=dt.UTC)
FIRST, LAST = dt.date(2026, 3, 20), dt.date(2026, 5, 10)
USERS = [uuid.UUID(int=n) for n in range(1, 6)]


@attrs.frozen
class Sale:
    user: uuid.UUID
    channel: str
    submitted_at: dt.datetime
    paid_after: dt.timedelta | None
    payable: int

    @property
    def paid_at(self) -> dt.datetime | None:
        return None if self.paid_after is None else self.submitted_at + self.paid_after

    def events(self, order_id: uuid.UUID) -> list[DomainEvent]:
        who = {"order_id": order_id, "number": str(order_id.int), "user_id": self.user}
        made: list[DomainEvent] = [
            OrderSubmitted(
                occurred_at=self.submitted_at,
                **who,
                channel=self.channel,
                payable=self.payable,
                currency="CNY",
                children=(),
            )
        ]
        if self.paid_at is not None:
            made.append(
                OrderPaid(
                    occurred_at=self.paid_at,
                    **who,
                    channel=self.channel,
                    payable=self.payable,
                    external=self.payable,
                    gift_card=0,
                    points_used=0,
                    currency="CNY",
                    payment_id=None,
                    children=(),
                )
            )
        return made


sales = st.builds(
    Sale,
    user=st.sampled_from(USERS),
    channel=st.sampled_from(KNOWN_CHANNELS),
    submitted_at=st.integers(0, 40 * 24 * 60).map(lambda m: START + dt.timedelta(minutes=m)),
    paid_after=st.none() | st.integers(0, 29).map(lambda m: dt.timedelta(minutes=m)),
    payable=st.integers(0, 10**7),
)


def _day(at: dt.datetime) -> dt.date:
    return at.astimezone(ZONE).date()


def _expected(
    made: list[Sale], period: Period, channel: str
) -> dict[dt.date, tuple[int, int, int, int, int | None]]:
    """By period start: submitted, paid, GMV, paying customers, average — from the orders."""
    figures: dict[dt.date, tuple[int, int, int, set[uuid.UUID]]] = {}
    for sale in made:
        if channel not in (ALL_CHANNELS, sale.channel):
            continue
        key = period_start(_day(sale.submitted_at), period)
        s, p, g, u = figures.get(key, (0, 0, 0, set()))
        figures[key] = (s + 1, p, g, u)
        if sale.paid_at is not None:
            key = period_start(_day(sale.paid_at), period)
            s, p, g, u = figures.get(key, (0, 0, 0, set()))
            figures[key] = (s, p + 1, g + sale.payable, u | {sale.user})
    return {
        key: (s, p, g, len(u), average_order_value(g, p)) for key, (s, p, g, u) in figures.items()
    }


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(memory_settings())
    yield made
    await made.close()


@pytest.mark.rule("ORD-10")
@pytest.mark.rule("MON-2")
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(made=st.lists(sales, max_size=25), commits=st.integers(1, 4))
async def test_the_projection_equals_a_recount_from_the_orders(
    shop: MemoryShop, made: list[Sale], commits: int
) -> None:
    async with shop.engine.begin() as conn:
        await conn.execute(delete(order_stats_days))
        await conn.execute(delete(order_stats_payers))
    events = [e for n, sale in enumerate(made) for e in sale.events(uuid.UUID(int=n + 1))]
    for part in range(commits):
        async with shop.uow() as uow:
            await SqlOrderStatistics(uow, slots=3).apply(events[part::commits])
            await uow.commit()
    queries: StatisticsQueries = shop.resolve(StatisticsQueries)
    for period in Period:
        for channel in (ALL_CHANNELS, *KNOWN_CHANNELS):
            report = await queries.figures(StatisticsQuery.of(period, FIRST, LAST, channel))
            found = {
                period_start(p.start, period): (
                    p.submitted,
                    p.paid,
                    p.gmv.minor,
                    p.paying_customers,
                    None if p.average_order_value is None else p.average_order_value.minor,
                )
                for p in report.periods
            }
            assert found == _expected(made, period, channel), (period, channel)
