"""Handlers of membership (MEM-1..4). They do not commit: the bus does.

Growth is recorded once per what earned it (a day's first sign-in, a completed order, a review,
a photo) and taken back once per key (a refund, a removal); a retry answers as the first did.
The re-evaluation job (:class:`ReevaluateLevels`, a sweep of ``shop serve`` and ``shop
sweep``) reads each member's growth of the window and moves the level down or up (MEM-3).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import attrs

from shop_app.loyalty.ports import LoyaltyUnitOfWork
from shop_app.loyalty.programme import ProgrammeSource, programme_source
from shop_app.shared import codec
from shop_app.shared.messagebus import CommandHandler
from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.loyalty.membership import GrowthSource, Member
from shop_domain.loyalty.programme import Programme

MAX_REEVALUATION_STEP = 10_000


@attrs.frozen(kw_only=True)
class SignedIn:
    """MEM-2: a member signed in; the day's first sign-in earns growth."""

    user_id: uuid.UUID


@attrs.frozen(kw_only=True)
class OrderCompleted:
    """MEM-2: growth for what an order paid (minor units), at its completion."""

    user_id: uuid.UUID
    order_id: uuid.UUID
    paid: int


@attrs.frozen(kw_only=True)
class ReviewApproved:
    """MEM-2: growth for an approved review of an item of at least the programme's price."""

    user_id: uuid.UUID
    review_id: uuid.UUID
    item_price: int


@attrs.frozen(kw_only=True)
class PhotoPosted:
    """MEM-2: growth for an order photo (the member's first ten only)."""

    user_id: uuid.UUID
    photo_id: uuid.UUID


@attrs.frozen(kw_only=True)
class TakeBackGrowth:
    """MEM-2: take back what ``ref`` earned — ``amount`` of it, or what is left — once per
    ``key`` (a refund's id, a review's removal)."""

    user_id: uuid.UUID
    source: GrowthSource
    ref: str
    key: str
    amount: int | None = None


@attrs.frozen(kw_only=True)
class ReevaluateLevels:
    """MEM-3: one step of the re-evaluation: up to ``limit`` members not evaluated today."""

    limit: int = 500


@attrs.frozen(kw_only=True)
class Growth:
    """What a growth command answers: the growth it moved, the member's growth and level."""

    moved: int
    growth: int
    level: int


codec.register(Growth, GrowthSource)


class MembershipHandlers:
    def __init__(self, programme: Programme | ProgrammeSource) -> None:
        self.programmes = programme_source(programme)

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            SignedIn: self.signed_in,
            OrderCompleted: self.order_completed,
            ReviewApproved: self.review_approved,
            PhotoPosted: self.photo_posted,
            TakeBackGrowth: self.take_back,
            ReevaluateLevels: self.reevaluate,
        }

    async def signed_in(self, command: SignedIn, uow: LoyaltyUnitOfWork) -> Growth:
        programme = await self.programmes.current()
        zone = zoneinfo.ZoneInfo(programme.time_zone)
        day = uow.clock.now().astimezone(zone).date().isoformat()
        return await self._earn(
            uow, programme, command.user_id, GrowthSource.SIGN_IN, day, programme.levels.sign_in
        )

    async def order_completed(self, command: OrderCompleted, uow: LoyaltyUnitOfWork) -> Growth:
        if isinstance(command.paid, bool) or not isinstance(command.paid, int) or command.paid < 0:
            raise InvalidProgramme("an amount paid is a whole, non-negative number of minor units")
        programme = await self.programmes.current()
        amount = programme.levels.purchase(command.paid)
        return await self._earn(
            uow, programme, command.user_id, GrowthSource.PURCHASE, str(command.order_id), amount
        )

    async def review_approved(self, command: ReviewApproved, uow: LoyaltyUnitOfWork) -> Growth:
        programme = await self.programmes.current()
        rules = programme.levels
        amount = rules.review if command.item_price >= rules.review_min_price else 0
        return await self._earn(
            uow, programme, command.user_id, GrowthSource.REVIEW, str(command.review_id), amount
        )

    async def photo_posted(self, command: PhotoPosted, uow: LoyaltyUnitOfWork) -> Growth:
        programme = await self.programmes.current()
        amount = programme.levels.photo
        return await self._earn(
            uow, programme, command.user_id, GrowthSource.PHOTO, str(command.photo_id), amount
        )

    async def take_back(self, command: TakeBackGrowth, uow: LoyaltyUnitOfWork) -> Growth:
        now = uow.clock.now()
        member = await uow.members.opened(command.user_id, now, uow.ids.new_id())
        gained, taken = await uow.members.earned(member, command.source, command.ref)
        if command.key in taken:  # the same take-back again
            return Growth(moved=taken[command.key], growth=member.growth, level=member.level)
        left = gained - sum(taken.values())
        amount = left if command.amount is None else min(command.amount, left)
        if amount <= 0:
            return Growth(moved=0, growth=member.growth, level=member.level)
        member.revert(command.source, command.ref, command.key, amount, now)
        return Growth(moved=amount, growth=member.growth, level=member.level)

    async def reevaluate(self, command: ReevaluateLevels, uow: LoyaltyUnitOfWork) -> int:
        """The members evaluated (0: none is due)."""
        if not 1 <= command.limit <= MAX_REEVALUATION_STEP:
            raise InvalidProgramme(f"a re-evaluation step takes 1..{MAX_REEVALUATION_STEP}")
        now = uow.clock.now()
        due = await uow.members.due_for_evaluation(now - dt.timedelta(days=1), command.limit)
        programme = await self.programmes.current()
        since = programme.growth_window_start(now)
        for user_id in due:
            member = await uow.members.opened(user_id, now, uow.ids.new_id())
            window = await uow.members.window_growth(member, since)
            member.reevaluate(window, programme.levels, now)
        return len(due)

    @staticmethod
    async def _earn(
        uow: LoyaltyUnitOfWork,
        programme: Programme,
        user_id: uuid.UUID,
        source: GrowthSource,
        ref: str,
        amount: int,
    ) -> Growth:
        now = uow.clock.now()
        member: Member = await uow.members.opened(user_id, now, uow.ids.new_id())
        gained, _ = await uow.members.earned(member, source, ref)
        if gained:  # earned once per ref: a retry answers the same
            return Growth(moved=gained, growth=member.growth, level=member.level)
        window = await uow.members.window_growth(member, programme.growth_window_start(now))
        levels = programme.levels
        moved = member.earn(source, ref, amount, window_growth=window, rules=levels, now=now)
        return Growth(moved=moved, growth=member.growth, level=member.level)


def membership_command_handlers(
    programme: Programme | ProgrammeSource,
) -> dict[type, CommandHandler]:
    return MembershipHandlers(programme).mapping()


__all__ = [
    "Growth",
    "MembershipHandlers",
    "OrderCompleted",
    "PhotoPosted",
    "ReevaluateLevels",
    "ReviewApproved",
    "SignedIn",
    "TakeBackGrowth",
    "membership_command_handlers",
]
