"""Order statistics through the runtime (ORD-10): orders submitted and paid on two channels,
across midnight in Shanghai, counted on the days of that zone; a cancelled order is submitted,
not paid; a refund is its own figure on the day it is made, GMV stays what was paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from tests.unit.ordering.checkout_support import CHECKOUT_CONTEXTS, stock
from tests.unit.ordering.statistics_support import cancel, pay, refund, report, submitted
from tests.unit.pricing.quote_support import (
    APRIL_2,
    OTHER_USER,
    Catalog,
    build_catalog,
    cny,
    quote_settings,
)

from shop_adapters.shared.system import FixedClock
from shop_domain.shared.errors import DomainError
from shop_testing.harness import MemoryShop, memory_shop

APRIL_2ND = dt.date(2026, 4, 2)
APRIL_3RD = dt.date(2026, 4, 3)
ORDER = cny("320")
"""What :func:`~tests.unit.ordering.checkout_support.submit`'s order pays."""


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(quote_settings(), clock=FixedClock(APRIL_2), contexts=CHECKOUT_CONTEXTS)
    yield made
    await made.close()


@pytest.fixture
async def goods(shop: MemoryShop) -> Catalog:
    made = await build_catalog(shop.runtime.bus, shop)
    await stock(shop.runtime.bus, made, units=20)
    return made


async def _two_days(shop: MemoryShop, goods: Catalog) -> None:
    """April 2nd, 18:00 in Shanghai: an app order paid; a web order by another customer, paid
    at 00:01 on April 3rd; an h5 order cancelled. April 3rd: another app order paid."""
    first = await submitted(shop, goods, "app")
    await pay(shop, first)
    shop.clock.advance(hours=5, minutes=55)  # 23:55 in Shanghai
    late = await submitted(shop, goods, "web", OTHER_USER)
    dropped = await submitted(shop, goods, "h5")
    await cancel(shop, dropped)
    shop.clock.advance(minutes=6)  # 00:01 on April 3rd in Shanghai, 16:01 UTC on April 2nd
    await pay(shop, late, OTHER_USER)
    second = await submitted(shop, goods, "app")
    await pay(shop, second)


@pytest.mark.rule("ORD-10")
async def test_days_are_counted_in_the_zone_per_channel(shop: MemoryShop, goods: Catalog) -> None:
    await _two_days(shop, goods)
    days = await report(shop, "day", APRIL_2ND, APRIL_3RD)
    assert days.time_zone == "Asia/Shanghai"
    first, second = days.periods
    assert (first.start, first.submitted, first.paid, first.gmv) == (APRIL_2ND, 3, 1, ORDER)
    assert first.paying_customers == 1
    assert (second.start, second.submitted, second.paid) == (APRIL_3RD, 1, 2)
    assert second.gmv == ORDER + ORDER
    assert second.paying_customers == 2
    assert second.average_order_value == ORDER
    web = await report(shop, "day", APRIL_2ND, APRIL_3RD, "web")
    assert [(p.start, p.submitted, p.paid, p.gmv) for p in web.periods] == [
        (APRIL_2ND, 1, 0, cny("0")),
        (APRIL_3RD, 0, 1, ORDER),
    ]
    h5 = await report(shop, "day", APRIL_2ND, APRIL_3RD, "h5")
    assert [(p.submitted, p.paid, p.paying_customers) for p in h5.periods] == [(1, 0, 0)]
    assert h5.periods[0].average_order_value is None


@pytest.mark.rule("ORD-10")
async def test_a_week_counts_each_paying_customer_once(shop: MemoryShop, goods: Catalog) -> None:
    await _two_days(shop, goods)
    (week,) = (await report(shop, "week", APRIL_2ND, APRIL_3RD)).periods
    assert (week.submitted, week.paid, week.gmv) == (4, 3, ORDER + ORDER + ORDER)
    assert week.paying_customers == 2  # USER paid on both days
    assert (week.start, week.end) == (APRIL_2ND, APRIL_3RD)  # cut to the range asked
    (month,) = (await report(shop, "month", dt.date(2026, 4, 1), dt.date(2026, 4, 30))).periods
    assert (month.start, month.end, month.paying_customers) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 30),
        2,
    )
    (app,) = (await report(shop, "month", dt.date(2026, 4, 1), APRIL_3RD, "app")).periods
    assert (app.paid, app.paying_customers, app.gmv) == (2, 1, ORDER + ORDER)


@pytest.mark.rule("ORD-10")
@pytest.mark.rule("PAY-5")
async def test_a_refund_is_counted_apart_on_its_day(shop: MemoryShop, goods: Catalog) -> None:
    made = await submitted(shop, goods, "app")
    await pay(shop, made)
    shop.clock.advance(days=1)
    await refund(shop, made, cny("100"), "r-1")
    await refund(shop, made, cny("100"), "r-1")  # a retry refunds nothing more
    paid_day, refund_day = (await report(shop, "day", APRIL_2ND, APRIL_3RD, "app")).periods
    assert (paid_day.gmv, paid_day.refunded, paid_day.net) == (ORDER, cny("0"), ORDER)
    assert (refund_day.paid, refund_day.gmv, refund_day.refunded) == (0, cny("0"), cny("100"))
    assert refund_day.net == cny("-100")
    (week,) = (await report(shop, "week", APRIL_2ND, APRIL_3RD)).periods
    assert (week.gmv, week.refunded, week.net) == (ORDER, cny("100"), cny("220"))


@pytest.mark.rule("ORD-10")
@pytest.mark.parametrize(
    ("period", "start", "end", "channel"),
    [
        ("year", APRIL_2ND, APRIL_3RD, None),
        ("day", APRIL_3RD, APRIL_2ND, None),
        ("day", dt.date(2020, 1, 1), dt.date(2026, 1, 1), None),
        ("day", APRIL_2ND, APRIL_3RD, "x" * 33),
    ],
)
async def test_a_bad_question_is_refused(
    shop: MemoryShop, period: str, start: dt.date, end: dt.date, channel: str | None
) -> None:
    with pytest.raises(DomainError) as refused:
        await report(shop, period, start, end, channel)
    assert refused.value.code == "order.statistics_query"


@pytest.mark.rule("ORD-10")
async def test_nothing_paid_reads_as_nothing(shop: MemoryShop) -> None:
    assert (await report(shop, "month", APRIL_2ND, APRIL_3RD)).periods == ()


@pytest.mark.rule("ORD-10")
async def test_the_zone_is_a_setting() -> None:
    made = memory_shop(
        quote_settings(environ={"SHOP_ORDER_STATS_TIME_ZONE": "UTC"}),
        clock=FixedClock(APRIL_2 + dt.timedelta(hours=13)),  # 23:00 UTC, April 3rd in Shanghai
        contexts=CHECKOUT_CONTEXTS,
    )
    try:
        goods = await build_catalog(made.runtime.bus, made)
        await stock(made.runtime.bus, goods)
        await submitted(made, goods, "app")
        days = await report(made, "day", APRIL_2ND, APRIL_3RD)
        assert days.time_zone == "UTC"
        assert [(p.start, p.submitted) for p in days.periods] == [(APRIL_2ND, 1)]
    finally:
        await made.close()
