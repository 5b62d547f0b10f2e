"""PAY-6: risk limits on paying — one payment's external part, a customer's day, and payment
attempts per minute; a payment over a limit is refused and nothing is created at the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.unit.ordering.checkout_support import CHECKOUT_CONTEXTS, gateway, payments, stock, submit
from tests.unit.pricing.quote_support import APRIL_2, USER, Catalog, build_catalog

from shop_adapters.plugins.ordering_settings import OrderingSettings
from shop_adapters.plugins.pricing_live import LiveSettings
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_app.ordering.ports import OrderingPolicy
from shop_app.ordering.submit import SubmittedOrder
from shop_domain.shared.errors import DomainError
from shop_testing.harness import MemoryShop, memory_shop

pytestmark = pytest.mark.rule("PAY-6")


def limited(**policy: object) -> MemoryShop:
    settings = Settings(
        database_url="memory://",
        sms="memory",
        sections=[
            LiveSettings(max_lag_ms=0),
            OrderingSettings(policy=OrderingPolicy(**policy)),  # type: ignore[arg-type]
        ],
    )
    return memory_shop(settings, clock=FixedClock(APRIL_2), contexts=CHECKOUT_CONTEXTS)


@pytest.fixture
async def shops() -> AsyncIterator[list[MemoryShop]]:
    made: list[MemoryShop] = []
    yield made
    for shop in made:
        await shop.close()


async def ordered(shop: MemoryShop) -> tuple[Catalog, SubmittedOrder]:
    goods = await build_catalog(shop.runtime.bus, shop)
    await stock(shop.runtime.bus, goods)
    made = await shop.runtime.bus.handle(submit(goods))  # 320.00
    return goods, made


async def refused(shop: MemoryShop, made: SubmittedOrder) -> str:
    with pytest.raises(DomainError) as refusal:
        await payments(shop).pay(
            made.order_id, USER, notify_url="https://shop.test/n", return_url="https://x.test/"
        )
    return refusal.value.code


async def test_one_payment_over_the_limit_is_refused(shops: list[MemoryShop]) -> None:
    shop = limited(max_payment=31_999)
    shops.append(shop)
    _, made = await ordered(shop)
    assert await refused(shop, made) == "payment.risk_limit"
    assert gateway(shop).created == []


async def test_a_customers_day_over_the_limit_is_refused(shops: list[MemoryShop]) -> None:
    shop = limited(max_daily=50_000)
    shops.append(shop)
    goods, first = await ordered(shop)
    await payments(shop).pay(
        first.order_id, USER, notify_url="https://shop.test/n", return_url="https://x.test/"
    )
    second = await shop.runtime.bus.handle(submit(goods))
    assert await refused(shop, second) == "payment.risk_limit"  # 320 + 320 > 500 a day
    shop.clock.advance(days=1)
    third = await shop.runtime.bus.handle(submit(goods))
    await payments(shop).pay(  # a new day
        third.order_id, USER, notify_url="https://shop.test/n", return_url="https://x.test/"
    )
    assert len(gateway(shop).created) == 2


async def test_too_many_attempts_a_minute_are_refused(shops: list[MemoryShop]) -> None:
    shop = limited(attempts_per_minute=3)
    shops.append(shop)
    _, made = await ordered(shop)
    for _ in range(3):  # paying the same order again answers the same page
        await payments(shop).pay(
            made.order_id, USER, notify_url="https://shop.test/n", return_url="https://x.test/"
        )
    assert await refused(shop, made) == "payment.too_many_attempts"
    shop.clock.advance(minutes=2)
    await payments(shop).pay(
        made.order_id, USER, notify_url="https://shop.test/n", return_url="https://x.test/"
    )
