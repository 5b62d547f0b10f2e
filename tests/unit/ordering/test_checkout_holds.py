"""What a submission holds in the other contexts and what becomes of it (ORD-2, ORD-5, PRO-7,
CPN-9, PTS-4, PTS-5): a promotion, a coupon and points priced into the order, held at
submission, released by a cancellation, settled by the payment; a changed price refused with the
new quote."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from tests.unit.ordering.checkout_support import CHECKOUT_CONTEXTS, gateway, payments, stock, submit
from tests.unit.pricing.quote_support import (
    APRIL_2,
    USER,
    Catalog,
    build_catalog,
    claimed,
    direct,
    quote_settings,
    scheduled,
    threshold_coupon,
)

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.coupons.tables import coupons
from shop_adapters.sql.driver import recording
from shop_adapters.sql.ordering.tables import orders
from shop_app.loyalty.commands import AdjustPoints
from shop_app.loyalty.queries import PointsQueries
from shop_app.ordering.orders import CancelOrder
from shop_app.ordering.queries import OrderQueries
from shop_app.ordering.submit import SubmittedOrder
from shop_domain.ordering.order import CancelReason
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money
from shop_testing.harness import MemoryShop, memory_shop


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(quote_settings(), clock=FixedClock(APRIL_2), contexts=CHECKOUT_CONTEXTS)
    yield made
    await made.close()


@pytest.fixture
async def goods(shop: MemoryShop) -> Catalog:
    made = await build_catalog(shop.runtime.bus, shop)
    await stock(shop.runtime.bus, made)
    return made


async def coupon_states(shop: MemoryShop) -> list[str]:
    async with shop.engine.connect() as conn:
        return [row.state.value for row in (await conn.execute(select(coupons.c.state))).all()]


async def points(shop: MemoryShop) -> tuple[int, int, int]:
    summary = await shop.runtime.get(PointsQueries).summary(USER, shop.clock.now())
    return summary.available, summary.held, summary.pending


async def everything(shop: MemoryShop, goods: Catalog) -> SubmittedOrder:
    """Two phones (240.00) less 直降 10 each, a case (80.00); a 满100减20 coupon; 500 points."""
    bus = shop.runtime.bus
    await scheduled(bus, direct(goods.phone_sku, "10"))
    coupon = await claimed(bus, threshold_coupon("20", "100"))
    await bus.handle(AdjustPoints(user_id=USER, points=1000, reason="gift", actor="op"))
    with recording() as sent:
        made = await bus.handle(submit(goods, coupons=frozenset({coupon}), points=500))
    assert isinstance(made, SubmittedOrder)
    # the order is made in the submission's transaction: nothing of it can be stored yet, so
    # its points, reservations and participations are not looked for (decision 0048)
    looked_for = ("FROM points_orders", "FROM stock_reservations", "FROM promotion_participations")
    assert [sql for sql in sent if any(table in sql for table in looked_for)] == []
    return made


@pytest.mark.rule("ORD-2")
@pytest.mark.rule("PTS-4")
async def test_promotion_coupon_and_points_are_in_the_order_and_held(
    shop: MemoryShop, goods: Catalog
) -> None:
    made = await everything(shop, goods)
    # 320.00 − 20.00 promotion − 20.00 coupon − 5.00 points (500 at 100 a yuan)
    assert made.payable == Money.of("275", "CNY")
    detail = await shop.runtime.get(OrderQueries).detail(made.order_id)
    assert detail is not None
    assert detail.amounts["promotion"] == 2000
    assert detail.amounts["coupon"] == 2000
    assert (detail.amounts["points"], detail.amounts["points_used"]) == (500, 500)
    assert {entry["source"] for entry in detail.breakdown} == {"promotion", "coupon", "points"}
    assert await coupon_states(shop) == ["locked"]
    assert await points(shop) == (500, 500, 0)


@pytest.mark.rule("ORD-5")
@pytest.mark.rule("PRO-7")
async def test_a_cancellation_gives_the_coupon_and_the_points_back(
    shop: MemoryShop, goods: Catalog
) -> None:
    made = await everything(shop, goods)
    await shop.runtime.bus.handle(
        CancelOrder(order_id=made.order_id, reason=CancelReason.USER, user_id=USER)
    )
    assert await coupon_states(shop) == ["available"]
    assert await points(shop) == (1000, 0, 0)


@pytest.mark.rule("CPN-9")
@pytest.mark.rule("PTS-5")
async def test_the_payment_uses_the_coupon_spends_the_points_and_earns_pending_ones(
    shop: MemoryShop, goods: Catalog
) -> None:
    made = await everything(shop, goods)
    await payments(shop).pay(
        made.order_id, USER, notify_url="https://shop.test/n", return_url="https://x.test/"
    )
    note = gateway(shop).pay(made.payment_number)
    await payments(shop).notified(note.headers, note.body)
    assert await coupon_states(shop) == ["used"]
    available, held, pending = await points(shop)
    assert (available, held) == (500, 0)
    assert pending > 0  # purchase points wait for the after-sales window (PTS-5)


async def test_a_changed_price_is_refused_with_the_new_quote(
    shop: MemoryShop, goods: Catalog
) -> None:
    with pytest.raises(DomainError) as refused:
        await shop.runtime.bus.handle(submit(goods, expected_payable=31_000))
    assert refused.value.code == "order.price_changed"
    assert refused.value.details["quote"]["payable"] == 32_000
    async with shop.engine.connect() as conn:  # nothing was made
        assert (await conn.execute(select(orders.c.id))).all() == []
