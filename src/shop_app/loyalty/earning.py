"""Handlers of earning (PTS-1): check-ins, make-ups, activities, reviews, purchases. They do
not commit: the bus does.

A check-in is two aggregates in one transaction, both of this context: the member's calendar
decides the day and the points, the account grants them as a lot named by the day. Every grant
names what granted it (the day, the entry, the review, the order), and an account holds at most
one lot per (source, ref) — a retry answers the lot granted first (and the database refuses a
second, whatever two requests do at once).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from shop_app.loyalty import commands as c
from shop_app.loyalty.handlers import PointsHandlers
from shop_app.loyalty.ports import LoyaltyUnitOfWork, PointsMultipliers
from shop_app.loyalty.programme import ProgrammeSource, programme_source
from shop_app.shared.messagebus import CommandHandler
from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.checkins import CheckIn
from shop_domain.loyalty.errors import InvalidPoints
from shop_domain.loyalty.lots import Source
from shop_domain.loyalty.programme import Programme

REF_MAX = 100


class EarningHandlers:
    def __init__(
        self, programme: Programme | ProgrammeSource, multipliers: PointsMultipliers
    ) -> None:
        self.programmes = programme_source(programme)
        self.multipliers = multipliers
        self._points = PointsHandlers(self.programmes)

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            c.CheckIn: self.check_in,
            c.MakeUpCheckIn: self.make_up,
            c.GrantActivityPoints: self.activity,
            c.GrantReviewPoints: self.review,
            c.EarnPurchasePoints: self.purchase,
        }

    @staticmethod
    def today(programme: Programme, now: dt.datetime) -> dt.date:
        """The programme's local day at ``now``."""
        return now.astimezone(zoneinfo.ZoneInfo(programme.time_zone)).date()

    async def check_in(self, command: c.CheckIn, uow: LoyaltyUnitOfWork) -> c.CheckedIn:
        now, programme = uow.clock.now(), await self.programmes.current()
        calendar = await uow.points_check_ins.opened(command.user_id, uow.ids.new_id())
        done = calendar.check_in(self.today(programme, now), programme.earning, now)
        return await self._grant_day(uow, command.user_id, done, Source.CHECK_IN, now)

    async def make_up(self, command: c.MakeUpCheckIn, uow: LoyaltyUnitOfWork) -> c.CheckedIn:
        now, programme = uow.clock.now(), await self.programmes.current()
        calendar = await uow.points_check_ins.opened(command.user_id, uow.ids.new_id())
        done = calendar.make_up(command.day, self.today(programme, now), programme.earning, now)
        return await self._grant_day(uow, command.user_id, done, Source.CHECK_IN, now)

    async def activity(
        self, command: c.GrantActivityPoints, uow: LoyaltyUnitOfWork
    ) -> c.PointsMoved:
        points = (await self.programmes.current()).earning.activity(command.activity)
        return await self._grant_once(
            uow, command.user_id, points, Source.ACTIVITY, f"{command.activity}:{command.ref}"
        )

    async def review(self, command: c.GrantReviewPoints, uow: LoyaltyUnitOfWork) -> c.PointsMoved:
        points = (await self.programmes.current()).earning.review
        return await self._grant_once(
            uow, command.user_id, points, Source.REVIEW, str(command.review_id)
        )

    async def purchase(
        self, command: c.EarnPurchasePoints, uow: LoyaltyUnitOfWork
    ) -> c.PointsMoved:
        multiplier = await self.multipliers.multiplier(command.user_id)
        points = (await self.programmes.current()).earning.purchase(command.paid, multiplier)
        if not points:  # too little paid to earn a point: nothing pending
            now = uow.clock.now()
            return _moved(
                await uow.points_accounts.opened(command.user_id, now, uow.ids.new_id()), 0
            )
        earn = c.EarnPendingPoints(
            user_id=command.user_id,
            order_id=command.order_id,
            key=command.key,
            points=points,
            paid=command.paid,
        )
        return await self._points.earn_pending(earn, uow)

    # --- granting once per ref --------------------------------------------------------------
    async def _grant_day(
        self,
        uow: LoyaltyUnitOfWork,
        user_id: uuid.UUID,
        done: CheckIn,
        source: Source,
        now: dt.datetime,
    ) -> c.CheckedIn:
        moved = await self._grant_once(uow, user_id, done.points, source, done.day.isoformat())
        return c.CheckedIn(
            day=done.day, streak=done.streak, points=done.points, balance=moved.balance
        )

    async def _grant_once(
        self, uow: LoyaltyUnitOfWork, user_id: uuid.UUID, points: int, source: Source, ref: str
    ) -> c.PointsMoved:
        if len(ref) > REF_MAX:
            raise InvalidPoints(f"what granted points is named in at most {REF_MAX} characters")
        now = uow.clock.now()
        account = await uow.points_accounts.opened(user_id, now, uow.ids.new_id())
        granted = await uow.points_accounts.lot_with_ref(account, source, ref)
        if granted is None:
            await uow.points_accounts.load_for(account, now)
            granted = account.grant(
                points=points,
                source=source,
                lot_id=uow.ids.new_id(),
                programme=await self.programmes.current(),
                now=now,
                ref=ref,
            )
        return _moved(account, granted.granted)


def _moved(account: PointsAccount, points: int) -> c.PointsMoved:
    return c.PointsMoved(
        account_id=account.id,
        points=points,
        balance=account.balance,
        pending=account.pending,
        held=account.held,
    )


def earning_command_handlers(
    programme: Programme | ProgrammeSource, multipliers: PointsMultipliers
) -> dict[type, CommandHandler]:
    return EarningHandlers(programme, multipliers).mapping()


__all__ = ["EarningHandlers", "earning_command_handlers"]
