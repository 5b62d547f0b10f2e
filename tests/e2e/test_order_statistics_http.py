"""Order statistics over HTTP (ORD-10, SEC-1): operators with ``orders.read`` read GMV, orders,
paying customers and average order value per period and channel; nobody else does, and a bad
question is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer, problem
from tests.e2e.coupon_http_support import Client
from tests.unit.ordering.checkout_support import CHECKOUT_CONTEXTS, stock
from tests.unit.ordering.statistics_support import cancel, pay, submitted
from tests.unit.pricing.quote_support import APRIL_2, OTHER_USER, build_catalog, quote_settings

from shop_adapters.http.ordering.statistics import OrderStatisticsController
from shop_adapters.shared.system import FixedClock
from shop_testing.harness import MemoryShop, memory_shop

pytestmark = pytest.mark.rule("ORD-10")
PATH = "/orders/statistics"
REFUSED = "order.statistics_query"


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(quote_settings(), clock=FixedClock(APRIL_2), contexts=CHECKOUT_CONTEXTS)
    yield made
    await made.close()


@pytest.fixture
async def client(shop: MemoryShop) -> AsyncIterator[Client]:
    with seated_app(shop.runtime, [OrderStatisticsController]) as app:
        async with AsyncTestClient(app) as client:
            yield client


async def test_an_operator_reads_a_weeks_figures_per_channel(
    client: Client, shop: MemoryShop
) -> None:
    goods = await build_catalog(shop.runtime.bus, shop)
    await stock(shop.runtime.bus, goods)
    await pay(shop, await submitted(shop, goods, "app"))
    await pay(shop, await submitted(shop, goods, "mini_program", OTHER_USER), OTHER_USER)
    await cancel(shop, await submitted(shop, goods, "app"))
    reader = bearer(shop.runtime.settings, "op-1", "operator", "orders.read")
    asked = {"period": "week", "from": "2026-03-30", "to": "2026-04-05"}
    answer = await client.get(PATH, params=asked, headers=reader)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["channel"], body["time_zone"]) == ("all", "Asia/Shanghai")
    [week] = body["periods"]
    assert (week["start"], week["end"]) == ("2026-03-30", "2026-04-05")
    assert (week["submitted"], week["paid"], week["paying_customers"]) == (3, 2, 2)
    assert week["gmv"] == {"amount": "640.00", "currency": "CNY"}
    assert week["average_order_value"] == {"amount": "320.00", "currency": "CNY"}
    assert week["net"] == week["gmv"]
    app = (await client.get(PATH, params={**asked, "channel": "app"}, headers=reader)).json()
    [week] = app["periods"]
    assert (week["channel"], week["submitted"], week["paid"]) == ("app", 2, 1)


async def test_only_operators_with_the_permission_read_statistics(
    client: Client, shop: MemoryShop
) -> None:
    settings = shop.runtime.settings
    asked = {"period": "day", "from": "2026-04-01", "to": "2026-04-02"}
    problem(await client.get(PATH, params=asked), 401, "auth.unauthenticated")
    other = bearer(settings, "op-2", "operator", "stock.read")
    problem(await client.get(PATH, params=asked, headers=other), 403, "auth.permission_required")
    customer = bearer(settings, "c-1", "customer", "orders.read")
    problem(await client.get(PATH, params=asked, headers=customer), 403, "auth.operator_only")


@pytest.mark.parametrize(
    ("asked", "status", "code"),
    [
        ({"period": "year", "from": "2026-04-01", "to": "2026-04-02"}, 400, None),
        (
            {"period": "day", "from": "2026-04-02", "to": "2026-04-01"},
            422,
            "order.statistics_query",
        ),
        (
            {"period": "day", "from": "2020-01-01", "to": "2026-04-01"},
            422,
            "order.statistics_query",
        ),
        ({"period": "day", "from": "April", "to": "2026-04-01"}, 400, None),
        ({"period": "day", "to": "2026-04-01"}, 400, None),
    ],
)
async def test_a_bad_question_is_refused(
    client: Client, shop: MemoryShop, asked: dict[str, str], status: int, code: str | None
) -> None:
    reader = bearer(shop.runtime.settings, "op-1", "operator", "orders.read")
    answer = await client.get(PATH, params=asked, headers=reader)
    assert answer.status_code == status, answer.text
    if code is not None:
        problem(answer, status, code)
