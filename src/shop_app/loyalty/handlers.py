"""Handlers of points accounts. They do not commit: the bus does.

Each reads the user's account locked (one row lock serialises every change to it), attaches
what the operation needs (:meth:`PointsAccountRepository.load_for`) and lets the account
decide. A user with no account yet has none to spend from: a spend or hold is refused as
insufficient; the first grant opens one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from shop_app.loyalty import commands as c
from shop_app.loyalty.ports import LoyaltyUnitOfWork, SweepStep
from shop_app.loyalty.programme import ProgrammeSource, programme_source
from shop_app.shared.messagebus import CommandHandler
from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.errors import (
    AccountNotFound,
    InsufficientPoints,
    InvalidPoints,
    OrderPointsConflict,
)
from shop_domain.loyalty.lots import check_points
from shop_domain.loyalty.programme import Programme

MAX_SWEEP_STEP = 100_000
"""The most due lots one step of the sweep starts from."""


class PointsHandlers:
    def __init__(self, programme: Programme | ProgrammeSource) -> None:
        self.programmes = programme_source(programme)

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            c.GrantPoints: self.grant,
            c.AdjustPoints: self.adjust,
            c.HoldPoints: self.hold,
            c.CaptureHeldPoints: self.capture,
            c.ReleaseHeldPoints: self.unhold,
            c.SpendPoints: self.spend,
            c.RestorePoints: self.restore,
            c.EarnPendingPoints: self.earn_pending,
            c.ReleasePendingPoints: self.release_pending,
            c.ReversePoints: self.reverse,
            c.ExpirePoints: self.expire,
            c.SweepExpiredPoints: self.sweep,
        }

    # --- granting -------------------------------------------------------------------------------
    async def grant(self, command: c.GrantPoints, uow: LoyaltyUnitOfWork) -> c.PointsMoved:
        check_points(command.points)
        account = await self._opened(uow, command.user_id)
        now = uow.clock.now()
        await uow.points_accounts.load_for(account, now)
        account.grant(
            points=command.points,
            source=command.source,
            lot_id=uow.ids.new_id(),
            programme=await self.programmes.current(),
            now=now,
            ref=command.ref,
        )
        return _moved(account, command.points)

    async def adjust(self, command: c.AdjustPoints, uow: LoyaltyUnitOfWork) -> c.PointsMoved:
        account = await self._opened(uow, command.user_id)
        now = uow.clock.now()
        points = command.points
        taken = (
            -points
            if isinstance(points, int) and not isinstance(points, bool) and points < 0
            else 0
        )
        await uow.points_accounts.load_for(account, now, points=taken)
        account.adjust(
            points=command.points,
            reason=command.reason,
            actor=command.actor,
            programme=await self.programmes.current(),
            now=now,
            lot_id=uow.ids.new_id(),
        )
        return _moved(account, abs(command.points))

    async def expire(self, command: c.ExpirePoints, uow: LoyaltyUnitOfWork) -> c.PointsMoved:
        account = await self._existing(uow, command.user_id, None)
        now = uow.clock.now()
        await uow.points_accounts.load_for(account, now)
        return _moved(account, account.expire(now))

    async def sweep(self, command: c.SweepExpiredPoints, uow: LoyaltyUnitOfWork) -> SweepStep:
        if not 1 <= command.lots <= MAX_SWEEP_STEP:
            raise InvalidPoints(f"a sweep step takes 1..{MAX_SWEEP_STEP} lots")
        return await uow.points_sweep.expire_due(uow.clock.now(), command.lots)

    # --- orders ---------------------------------------------------------------------------------
    async def hold(self, command: c.HoldPoints, uow: LoyaltyUnitOfWork) -> c.PointsMoved:
        return await self._order(
            uow,
            command,
            lambda a, now: a.hold(command.order_id, command.key, command.points, now),
            points=command.points,
        )

    async def capture(self, command: c.CaptureHeldPoints, uow: LoyaltyUnitOfWork) -> c.PointsMoved:
        return await self._order(
            uow, command, lambda a, now: a.capture(command.order_id, command.key, now)
        )

    async def unhold(self, command: c.ReleaseHeldPoints, uow: LoyaltyUnitOfWork) -> c.PointsMoved:
        return await self._order(
            uow, command, lambda a, now: a.unhold(command.order_id, command.key, now)
        )

    async def spend(self, command: c.SpendPoints, uow: LoyaltyUnitOfWork) -> c.PointsMoved:
        return await self._order(
            uow,
            command,
            lambda a, now: a.spend(command.order_id, command.key, command.points, now),
            points=command.points,
        )

    async def restore(self, command: c.RestorePoints, uow: LoyaltyUnitOfWork) -> c.PointsMoved:
        return await self._order(
            uow,
            command,
            lambda a, now: a.restore(command.order_id, command.key, command.points, now),
        )

    async def earn_pending(
        self, command: c.EarnPendingPoints, uow: LoyaltyUnitOfWork
    ) -> c.PointsMoved:
        check_points(command.points)
        return await self._order(
            uow,
            command,
            lambda a, now: a.earn_pending(
                command.order_id, command.key, command.points, command.paid, now
            ),
            account=await self._opened(uow, command.user_id),
        )

    async def release_pending(
        self, command: c.ReleasePendingPoints, uow: LoyaltyUnitOfWork
    ) -> c.PointsMoved:
        lot_id, programme = uow.ids.new_id(), await self.programmes.current()
        return await self._order(
            uow,
            command,
            lambda a, now: a.release(command.order_id, command.key, lot_id, programme, now),
        )

    async def reverse(self, command: c.ReversePoints, uow: LoyaltyUnitOfWork) -> c.PointsMoved:
        """Taking back released points may need any lot: the repository loads enough to cover
        what the order earned."""
        account = await self._existing(uow, command.user_id, command.order_id)
        now = uow.clock.now()
        await uow.points_accounts.load_for(
            account, now, orders=(command.order_id,), cover_earned=True
        )
        programme = await self.programmes.current()
        moved = account.reverse(command.order_id, command.key, command.refunded, programme, now)
        return _moved(account, moved)

    async def _order(
        self,
        uow: LoyaltyUnitOfWork,
        command: c.OrderPointsCommand,
        act: Callable[[PointsAccount, dt.datetime], int],
        *,
        points: int = 0,
        account: PointsAccount | None = None,
    ) -> c.PointsMoved:
        """Run ``act`` on the user's account (``account`` when the caller holds it already)."""
        if points:
            check_points(points)
        if account is None:
            account = await self._existing(uow, command.user_id, command.order_id, points)
        now = uow.clock.now()
        await uow.points_accounts.load_for(account, now, points=points, orders=(command.order_id,))
        return _moved(account, act(account, now))

    # --- accounts -------------------------------------------------------------------------------
    @staticmethod
    async def _opened(uow: LoyaltyUnitOfWork, user_id: uuid.UUID) -> PointsAccount:
        return await uow.points_accounts.opened(user_id, uow.clock.now(), uow.ids.new_id())

    @staticmethod
    async def _existing(
        uow: LoyaltyUnitOfWork, user_id: uuid.UUID, order_id: uuid.UUID | None, points: int = 0
    ) -> PointsAccount:
        account = await uow.points_accounts.for_user(user_id)
        if account is None:
            if points:
                raise InsufficientPoints(points, 0)
            if order_id is None:
                raise AccountNotFound(user_id)
            raise OrderPointsConflict(f"user {user_id} has no points for order {order_id}")
        return account


def _moved(account: PointsAccount, points: int) -> c.PointsMoved:
    return c.PointsMoved(
        account_id=account.id,
        points=points,
        balance=account.balance,
        pending=account.pending,
        held=account.held,
    )


def points_command_handlers(programme: Programme | ProgrammeSource) -> dict[type, CommandHandler]:
    return PointsHandlers(programme).mapping()


__all__ = ["PointsHandlers", "points_command_handlers"]
