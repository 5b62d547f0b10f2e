"""The points mall (PTS-9) through a ``memory://`` runtime: a redemption spends points and stock
together or not at all, moves pending payment (with cash) → pending shipment → shipped →
completed, and a cancellation gives back points and stock; stock never goes below zero and a
low-stock warning goes out once it reaches its level."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from tests.unit.coupons.coupon_builders import definition, limits

from shop_adapters.shared.system import FixedClock
from shop_app.coupons import commands as cc
from shop_app.coupons.queries import CouponQueries, WalletQuery
from shop_app.loyalty.commands import GrantPoints
from shop_app.loyalty.mall import (
    AddMallItem,
    CancelRedemption,
    CompleteRedemption,
    ExchangeCoupon,
    PayRedemption,
    Redeem,
    ShipRedemption,
)
from shop_app.loyalty.queries import PointsQueries
from shop_domain.coupons.terms import Acquisition
from shop_domain.loyalty.errors import (
    InsufficientPoints,
    InvalidMallItem,
    InvalidPoints,
    MallSoldOut,
    RedemptionNotFound,
    RedemptionStateConflict,
)
from shop_domain.loyalty.lots import Source
from shop_domain.loyalty.mall import RedemptionState
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
ALICE, BOB = uuid.UUID(int=0xA1), uuid.UUID(int=0xB0)


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(clock=FixedClock(NOW))
    for user in (ALICE, BOB):
        await made.runtime.bus.handle(
            GrantPoints(user_id=user, points=1_000, source=Source.ACTIVITY)
        )
    yield made
    await made.close()


async def balance(shop: MemoryShop, user: uuid.UUID) -> int:
    summary = await shop.runtime.get(PointsQueries).summary(user, shop.clock.now())
    return summary.balance


@pytest.mark.rule("PTS-9")
async def test_a_redemption_takes_points_and_stock_and_a_cancellation_gives_both_back(
    shop: MemoryShop,
) -> None:
    bus = shop.runtime.bus
    mug = await bus.handle(AddMallItem(name="mug", points=300, stock=3, low_stock=1))
    placed = await bus.handle(Redeem(user_id=ALICE, item_id=mug, quantity=2))
    assert (placed.state, placed.points, placed.balance) == (
        RedemptionState.PENDING_SHIPMENT,
        600,
        400,
    )
    with pytest.raises(MallSoldOut) as sold_out:
        await bus.handle(Redeem(user_id=BOB, item_id=mug, quantity=2))
    assert sold_out.value.details == {"item_id": str(mug), "asked": 2, "left": 1}
    assert await balance(shop, BOB) == 1_000  # refused: nothing spent
    lamp = await bus.handle(AddMallItem(name="lamp", points=500, stock=1))
    with pytest.raises(InsufficientPoints):  # Alice has 400 left: the lamp stays in stock
        await bus.handle(Redeem(user_id=ALICE, item_id=lamp))
    assert (await bus.handle(Redeem(user_id=BOB, item_id=lamp))).balance == 500
    with pytest.raises(RedemptionNotFound):  # another customer's redemption is unknown
        await bus.handle(CancelRedemption(redemption_id=placed.redemption_id, user_id=BOB))
    cancelled = await bus.handle(
        CancelRedemption(redemption_id=placed.redemption_id, user_id=ALICE)
    )
    assert (cancelled.state, cancelled.balance) == (RedemptionState.CANCELLED, 1_000)
    again = await bus.handle(Redeem(user_id=ALICE, item_id=mug, quantity=3))  # all 3 are back
    assert again.balance == 100
    types = [m.type for m in await shop.outbox()]
    assert types.count("loyalty.mall_stock_low") == 3  # mug 3 → 1, lamp 1 → 0, mug 3 → 0
    assert "loyalty.redemption_changed" in types


@pytest.mark.rule("PTS-9")
async def test_a_redemption_with_cash_waits_for_payment_then_ships_and_completes(
    shop: MemoryShop,
) -> None:
    bus = shop.runtime.bus
    tea = await bus.handle(AddMallItem(name="tea", points=100, stock=5, cash=Money(990, "CNY")))
    placed = await bus.handle(Redeem(user_id=ALICE, item_id=tea))
    assert placed.state is RedemptionState.PENDING_PAYMENT
    with pytest.raises(RedemptionStateConflict):
        await bus.handle(ShipRedemption(redemption_id=placed.redemption_id))
    assert (
        await bus.handle(PayRedemption(redemption_id=placed.redemption_id))
        is RedemptionState.PENDING_SHIPMENT
    )
    assert (
        await bus.handle(ShipRedemption(redemption_id=placed.redemption_id))
        is RedemptionState.SHIPPED
    )
    with pytest.raises(RedemptionStateConflict):  # shipped: too late to cancel
        await bus.handle(CancelRedemption(redemption_id=placed.redemption_id))
    assert (
        await bus.handle(CompleteRedemption(redemption_id=placed.redemption_id))
        is RedemptionState.COMPLETED
    )
    assert await balance(shop, ALICE) == 900


@pytest.mark.parametrize(
    "item",
    [
        AddMallItem(name="", points=1, stock=1),
        AddMallItem(name="x", points=0, stock=1),
        AddMallItem(name="x", points=1, stock=-1),
        AddMallItem(name="x", points=1, stock=1, cash=Money(0, "CNY")),
    ],
)
async def test_a_bad_mall_item_is_refused(shop: MemoryShop, item: AddMallItem) -> None:
    with pytest.raises((InvalidMallItem, InvalidPoints)) as refused:
        await shop.runtime.bus.handle(item)
    assert refused.value.code in ("points.invalid_mall_item", "points.invalid_amount")


@pytest.mark.rule("CPN-1")
@pytest.mark.rule("PTS-9")
async def test_a_coupon_priced_in_points_is_exchanged_all_or_nothing(shop: MemoryShop) -> None:
    bus = shop.runtime.bus
    priced = definition(limits=limits(per_user=5, per_day=None), acquisition=Acquisition(400))
    template = await bus.handle(cc.CreateTemplate(definition=priced, created_by="ops"))
    await bus.handle(cc.ActivateTemplate(template_id=template))
    got = await bus.handle(ExchangeCoupon(user_id=ALICE, template_id=template, key="k1"))
    assert (got.points, got.balance) == (400, 600)
    again = await bus.handle(ExchangeCoupon(user_id=ALICE, template_id=template, key="k1"))
    assert (again.coupon_id, again.balance) == (got.coupon_id, 600)  # a retry: nothing more
    await bus.handle(ExchangeCoupon(user_id=ALICE, template_id=template, key="k2"))
    with pytest.raises(InsufficientPoints):  # 200 left: no third coupon either
        await bus.handle(ExchangeCoupon(user_id=ALICE, template_id=template, key="k3"))
    wallet = await shop.runtime.get(CouponQueries).wallet(
        WalletQuery(user_id=ALICE), shop.clock.now()
    )
    assert len(wallet.items) == 2
    free = await bus.handle(cc.CreateTemplate(definition=definition(), created_by="ops"))
    await bus.handle(cc.ActivateTemplate(template_id=free))
    with pytest.raises(DomainError) as refused:  # a free coupon is claimed, not exchanged
        await bus.handle(ExchangeCoupon(user_id=BOB, template_id=free, key="k4"))
    assert refused.value.code == "coupon.points_exchange_unavailable"
    assert await balance(shop, BOB) == 1_000
