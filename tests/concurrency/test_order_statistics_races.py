"""The order statistics' projection under real concurrency on PostgreSQL (ORD-10): 120
payments committed at once from six processes, every one adding to the same day and channel —
half of them to one single row — leave the paid count, the GMV and the distinct paying
customers exact, read back with plain SQL and through the read side."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from sqlalchemy import func, select
from tests.concurrency.conftest import T0, Cluster, jittered, race, refusal_codes, users

from shop_adapters.shared.system import UuidV7Generator
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.ordering.statistics import SqlStatisticsQueries
from shop_adapters.sql.ordering.statistics_projection import SqlOrderStatistics
from shop_adapters.sql.ordering.statistics_tables import order_stats_days, order_stats_payers
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.ordering.statistics import StatisticsQuery
from shop_domain.ordering.events import OrderPaid

pytestmark = [pytest.mark.postgres, pytest.mark.rule("ORD-10")]
ORDERS = 120


def paid(n: int, user: uuid.UUID, payable: int) -> OrderPaid:
    return OrderPaid(
        occurred_at=T0 + dt.timedelta(seconds=n),
        order_id=uuid.UUID(int=0x0D000 + n),
        number=f"N{n}",
        user_id=user,
        channel="app",
        payable=payable,
        external=payable,
        gift_card=0,
        points_used=0,
        currency="CNY",
        payment_id=None,
        children=(),
    )


async def test_many_payments_at_once_count_exactly(cluster: Cluster) -> None:
    rng = random.Random(10)
    customers = users(40)
    sales = [(n, rng.choice(customers), rng.randrange(1, 10**6)) for n in range(ORDERS)]
    engines = [make_engine(cluster.url, pool_size=4) for _ in range(6)]
    ids = UuidV7Generator()

    async def commit(n: int, user: uuid.UUID, payable: int) -> None:
        async with SqlShopUnitOfWork(engines[n % 6], cluster.clock, ids) as uow:
            projection = SqlOrderStatistics(uow, slots=1 if n % 2 else 8)
            await projection.apply([paid(n, user, payable)])
            await uow.commit()

    try:
        async with cluster.lock_waits() as waits:
            results = await race(jittered(commit(*sale), rng) for sale in sales)
        assert refusal_codes(results) == []
    finally:
        for engine in engines:
            await engine.dispose()
    day = dt.date(2026, 11, 21)  # 18:00 in Shanghai
    async with cluster.reader.connect() as conn:
        count, gmv = (
            await conn.execute(
                select(func.sum(order_stats_days.c.paid), func.sum(order_stats_days.c.gmv_minor))
            )
        ).one()
        payers = (
            await conn.execute(select(func.count()).select_from(order_stats_payers))
        ).scalar_one()
    assert (int(count), int(gmv)) == (ORDERS, sum(payable for _, _, payable in sales))
    assert payers == len({user for _, user, _ in sales})
    report = await SqlStatisticsQueries(cluster.reader, "Asia/Shanghai").figures(
        StatisticsQuery.of("day", day, day, "app")
    )
    [figures] = report.periods
    assert (figures.paid, figures.gmv.minor) == (ORDERS, int(gmv))
    assert figures.paying_customers == payers
    assert waits.most >= 1  # they did wait for each other's rows
