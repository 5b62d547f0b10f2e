"""Membership through a whole ``memory://`` runtime (MEM-1..3, PTS-1, PRO-2): growth from
behaviour once per what earned it and taken back once per key; upgrades at once, the
re-evaluation's downgrade; the level multiplying purchase points and reaching pricing's
customer facts."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import AsyncIterator

import pytest

from shop_adapters.shared.system import FixedClock
from shop_app.loyalty.commands import EarnPurchasePoints
from shop_app.loyalty.membership import (
    OrderCompleted,
    PhotoPosted,
    ReevaluateLevels,
    ReviewApproved,
    SignedIn,
    TakeBackGrowth,
)
from shop_app.loyalty.ports import PointsMultipliers
from shop_app.loyalty.queries import MemberReads
from shop_app.pricing.customers import CustomerFactsSource
from shop_domain.loyalty.membership import GrowthSource
from shop_domain.loyalty.programme import Programme
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
USER = uuid.UUID(int=0x4E3)
ORDER = uuid.UUID(int=0x0D1)


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(clock=FixedClock(NOW))
    yield made
    await made.close()


@pytest.mark.rule("MEM-2")
@pytest.mark.rule("MEM-3")
async def test_growth_upgrades_at_once_and_the_re_evaluation_takes_a_member_down(
    shop: MemoryShop,
) -> None:
    bus = shop.runtime.bus
    first = await bus.handle(SignedIn(user_id=USER))
    again = await bus.handle(SignedIn(user_id=USER))  # the same day: no more growth
    assert (first.moved, again.moved, again.growth) == (5, 5, 5)
    paid = await bus.handle(OrderCompleted(user_id=USER, order_id=ORDER, paid=99_600))
    assert (paid.moved, paid.growth, paid.level) == (996, 1001, 1)  # silver at once
    review = await bus.handle(
        ReviewApproved(user_id=USER, review_id=uuid.UUID(int=1), item_price=1999)
    )
    assert review.moved == 0  # an item under 20.00 earns no growth
    photo = await bus.handle(PhotoPosted(user_id=USER, photo_id=uuid.UUID(int=2)))
    assert photo.growth == 1006
    refund = TakeBackGrowth(
        user_id=USER, source=GrowthSource.PURCHASE, ref=str(ORDER), key="r1", amount=500
    )
    assert (await bus.handle(refund)).moved == 500
    assert (await bus.handle(refund)).growth == 506  # the same key: taken back once
    rest = TakeBackGrowth(user_id=USER, source=GrowthSource.PURCHASE, ref=str(ORDER), key="r2")
    assert (await bus.handle(rest)).moved == 496  # what was left of the order's growth
    assert (await bus.handle(ReevaluateLevels())) == 1
    facts = await shop.runtime.get(CustomerFactsSource).facts_of(str(USER))
    assert facts.member_level == 0  # 10 growth in the window: back to the first level
    types = [m.type for m in await shop.outbox()]
    assert types.count("loyalty.member_level_changed") == 2


@pytest.mark.rule("MEM-1")
@pytest.mark.rule("PTS-1")
async def test_a_members_level_multiplies_purchase_points_and_reaches_pricing(
    shop: MemoryShop,
) -> None:
    bus = shop.runtime.bus
    await bus.handle(OrderCompleted(user_id=USER, order_id=ORDER, paid=500_000))  # gold
    assert await shop.runtime.get(PointsMultipliers).multiplier(USER) == decimal.Decimal("1.5")
    facts = await shop.runtime.get(CustomerFactsSource).facts_of(str(USER))
    assert facts.member_level == 2
    earned = await bus.handle(
        EarnPurchasePoints(user_id=USER, order_id=uuid.UUID(int=9), key="paid", paid=10_000)
    )
    assert earned.points == 15  # 10 points for 100.00, × 1.5
    # a year and a month on, the window holds nothing: the re-evaluation takes the level away
    shop.clock.advance(days=400)
    assert await bus.handle(ReevaluateLevels()) == 1
    assert await shop.runtime.get(PointsMultipliers).multiplier(USER) == decimal.Decimal(1)


@pytest.mark.rule("MEM-2")
@pytest.mark.rule("MEM-3")
async def test_a_refund_of_growth_earned_before_the_window_leaves_the_windows_growth_alone(
    shop: MemoryShop,
) -> None:
    """A take-back counts in the window of the gain it takes back: an order refunded once its
    growth has left the window does not lower what the member earned since (nor take it below
    zero, which once failed every later sign-in and the re-evaluation — found by the member
    machine)."""
    bus = shop.runtime.bus
    await bus.handle(OrderCompleted(user_id=USER, order_id=ORDER, paid=150_000))  # silver
    shop.clock.advance(days=400)
    later = uuid.UUID(int=0x0DE2)
    await bus.handle(OrderCompleted(user_id=USER, order_id=later, paid=100_000))  # 1000 growth
    refund = TakeBackGrowth(user_id=USER, source=GrowthSource.PURCHASE, ref=str(ORDER), key="r1")
    assert (await bus.handle(refund)).moved == 1500
    signed = await bus.handle(SignedIn(user_id=USER))
    assert (signed.moved, signed.growth, signed.level) == (5, 1005, 1)
    shop.clock.advance(days=1)
    assert await bus.handle(ReevaluateLevels()) == 1
    facts = await shop.runtime.get(CustomerFactsSource).facts_of(str(USER))
    assert facts.member_level == 1  # 1005 in the window: still silver
    since = Programme().growth_window_start(shop.clock.now())
    assert await shop.runtime.get(MemberReads).growth_of(USER, since) == (1, 1005, 1005)
    refund_later = TakeBackGrowth(
        user_id=USER, source=GrowthSource.PURCHASE, ref=str(later), key="r2"
    )
    assert (await bus.handle(refund_later)).moved == 1000
    shop.clock.advance(days=2)  # evaluated once a day
    assert await bus.handle(ReevaluateLevels()) == 1
    assert await shop.runtime.get(MemberReads).growth_of(USER, since) == (0, 5, 5)
