"""Contract of earning points through the stack (PTS-1): check-ins once a day on the streak
scale, activities and reviews once per entry, purchases at the programme's rate; and the growth
of a member's window as the repository sums it (MEM-3)."""

from __future__ import annotations

import uuid

import pytest

from shop_app.loyalty import commands as c
from shop_app.loyalty.membership import (
    OrderCompleted,
    TakeBackGrowth,
    membership_command_handlers,
)
from shop_app.shared.messagebus import MessageBus
from shop_domain.loyalty.errors import AlreadyCheckedIn, UnknownActivity
from shop_domain.loyalty.lots import Source
from shop_domain.loyalty.membership import GrowthSource
from shop_domain.loyalty.programme import Programme
from shop_testing.contracts.backend import Backend

USER = uuid.UUID(int=0x0601)
ORDER = uuid.UUID(int=0x0B01)


class PointsEarningContract:
    """Subclasses provide ``backend``."""

    pytestmark = [pytest.mark.asyncio]

    @pytest.mark.rule("PTS-1")
    async def test_check_ins_follow_the_streak_once_a_day(self, backend: Backend) -> None:
        bus = backend.points_bus()
        first = await bus.handle(c.CheckIn(user_id=USER))
        assert (first.streak, first.points, first.balance) == (1, 5, 5)
        with pytest.raises(AlreadyCheckedIn):
            await bus.handle(c.CheckIn(user_id=USER))
        backend.clock.advance(days=1)
        second = await bus.handle(c.CheckIn(user_id=USER))
        assert (second.streak, second.points, second.balance) == (2, 8, 13)
        backend.clock.advance(days=2)  # a day missed
        third = await bus.handle(c.CheckIn(user_id=USER))
        assert (third.streak, third.points, third.balance) == (1, 5, 18)
        async with backend.uow() as uow:
            days = await uow.points_check_ins.find(USER)
            assert days is not None
            assert [(b - a).days + 1 for a, b in days.runs] == [2, 1]
        types = [m.type for m in await backend.outbox()]
        assert types.count("loyalty.checked_in") == 3
        assert types.count("loyalty.points_granted") == 3

    @pytest.mark.rule("PTS-1")
    async def test_activities_and_reviews_grant_once_per_entry(self, backend: Backend) -> None:
        bus = backend.points_bus()
        survey = c.GrantActivityPoints(user_id=USER, activity="survey", ref="entry-1")
        assert (await bus.handle(survey)).balance == 10
        assert (await bus.handle(survey)).balance == 10  # the same entry: granted once
        review = c.GrantReviewPoints(user_id=USER, review_id=uuid.UUID(int=7))
        assert (await bus.handle(review)).balance == 20
        assert (await bus.handle(review)).balance == 20
        with pytest.raises(UnknownActivity):
            await bus.handle(c.GrantActivityPoints(user_id=USER, activity="dance", ref="x"))
        async with backend.uow() as uow:
            account = await uow.points_accounts.for_user(USER)
            assert account is not None
            lot = await uow.points_accounts.lot_with_ref(account, Source.ACTIVITY, "survey:entry-1")
            assert lot is not None
            assert lot.granted == 10

    @pytest.mark.rule("PTS-1")
    @pytest.mark.rule("PTS-5")
    async def test_a_purchase_earns_pending_points_at_the_rate(self, backend: Backend) -> None:
        bus = backend.points_bus()
        earn = c.EarnPurchasePoints(user_id=USER, order_id=ORDER, key="paid", paid=12_345)
        moved = await bus.handle(earn)
        assert (moved.points, moved.pending, moved.balance) == (12, 12, 0)
        again = await bus.handle(earn)
        assert (again.points, again.pending) == (12, 12)
        small = c.EarnPurchasePoints(user_id=USER, order_id=uuid.UUID(int=9), key="paid", paid=999)
        assert (await bus.handle(small)).points == 0
        summary = await backend.points_queries().summary(USER, backend.clock.now())
        assert (summary.pending, summary.balance) == (12, 0)

    @pytest.mark.rule("MEM-2")
    @pytest.mark.rule("MEM-3")
    async def test_a_take_back_counts_in_the_window_of_the_gain_it_takes_back(
        self, backend: Backend
    ) -> None:
        """The repository's window growth: gains since the window's start, less what was taken
        back of them — whenever it was taken back; a refund of growth earned before the window
        lowers the lifetime growth only."""
        programme = Programme()
        bus = MessageBus(backend.uow, membership_command_handlers(programme))
        old, new = uuid.UUID(int=0x0B02), uuid.UUID(int=0x0B03)
        await bus.handle(OrderCompleted(user_id=USER, order_id=old, paid=150_000))
        backend.clock.advance(days=400)
        await bus.handle(OrderCompleted(user_id=USER, order_id=new, paid=20_000))
        for ref, key in ((old, "r1"), (new, "r2")):
            half = TakeBackGrowth(
                user_id=USER, source=GrowthSource.PURCHASE, ref=str(ref), key=key, amount=100
            )
            assert (await bus.handle(half)).moved == 100
        since = programme.growth_window_start(backend.clock.now())
        async with backend.uow() as uow:
            member = await uow.members.opened(USER, backend.clock.now(), uuid.uuid4())
            assert member.growth == 1500 + 200 - 200
            assert await uow.members.window_growth(member, since) == 200 - 100


__all__ = ["PointsEarningContract"]
