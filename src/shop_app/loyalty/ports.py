"""Ports of the loyalty context."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Protocol, Self

import attrs

from shop_app.shared.ports import Clock, IdGenerator
from shop_app.shared.unit_of_work import Projection
from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.checkins import CheckInCalendar
from shop_domain.loyalty.lots import Lot, Source
from shop_domain.loyalty.mall import MallItem, Redemption
from shop_domain.loyalty.membership import GrowthSource, Member


class PointsAccountRepository(Protocol):
    async def for_user(self, user_id: uuid.UUID, *, locked: bool = True) -> PointsAccount | None:
        """The user's account, locked for the transaction unless ``locked`` is False."""
        ...

    async def opened(
        self, user_id: uuid.UUID, now: dt.datetime, new_id: uuid.UUID
    ) -> PointsAccount:
        """The user's account, locked; opened with ``new_id`` when there is none (two first
        grants at once open one)."""
        ...

    async def lot_with_ref(self, account: PointsAccount, source: Source, ref: str) -> Lot | None:
        """The lot ``source`` granted for ``ref`` (a day, an entry, a review), if any."""
        ...

    async def load_for(
        self,
        account: PointsAccount,
        now: dt.datetime,
        *,
        points: int = 0,
        orders: Collection[uuid.UUID] = (),
        cover_earned: bool = False,
    ) -> None:
        """Attach what an operation at ``now`` needs: the orders named, the open lots that cover
        ``points`` — or, with ``cover_earned``, what the named orders earned, whichever is more
        (a reversal may take all of it back) — and every due one, the lots the orders name."""
        ...


class CheckInRepository(Protocol):
    async def opened(self, user_id: uuid.UUID, new_id: uuid.UUID) -> CheckInCalendar:
        """The user's check-in calendar, locked; opened (with ``new_id``) when there is none."""
        ...

    async def find(self, user_id: uuid.UUID) -> CheckInCalendar | None:
        """The user's calendar as committed (not locked), if any."""
        ...


class MemberRepository(Protocol):
    async def opened(self, user_id: uuid.UUID, now: dt.datetime, new_id: uuid.UUID) -> Member:
        """The user's membership, locked; opened (level 0) when there is none."""
        ...

    async def earned(
        self, member: Member, source: GrowthSource, ref: str
    ) -> tuple[int, dict[str, int]]:
        """What ``ref`` earned (0: nothing yet), and what each key took back of it."""
        ...

    async def window_growth(self, member: Member, since: dt.datetime) -> int:
        """The growth earned since ``since`` (less what was taken back since)."""
        ...

    async def due_for_evaluation(self, before: dt.datetime, limit: int) -> list[uuid.UUID]:
        """Members above the first level not evaluated since ``before``, least recent first."""
        ...

    async def phone_holder(self, phone: str) -> uuid.UUID | None:
        """The user whose member holds ``phone`` (canonical) verified, as committed."""
        ...

    async def keep_phone(self, member: Member) -> None:
        """Write ``member``'s verified phone now; raise ``PhoneTaken`` (``member.phone_taken``)
        when another member holds the number — one that verified it at the same moment and
        wrote first included."""
        ...


class MallItemRepository(Protocol):
    def add(self, item: MallItem) -> None: ...

    async def get_for_update(self, id_: uuid.UUID) -> MallItem:
        """The item, locked (``points.mall_item_unavailable`` when there is none)."""
        ...


class RedemptionRepository(Protocol):
    def add(self, redemption: Redemption) -> None: ...

    async def get_for_update(self, id_: uuid.UUID) -> Redemption:
        """The redemption, locked (``points.redemption_not_found``)."""
        ...

    async def of_user(self, user_id: uuid.UUID, limit: int = 50) -> list[Redemption]:
        """The user's redemptions, newest first."""
        ...


@attrs.frozen
class ExchangedCoupon:
    coupon_id: uuid.UUID
    points: int
    """What the coupon costs."""
    replayed: bool
    """Whether the key got this coupon before (its points were spent then)."""


class CouponExchange(Protocol):
    """The coupons context's share of exchanging points for a coupon (CPN-1): in the unit of
    work of the exchange, hand the user one coupon of a points-priced template, or refuse with
    the coupons' rule. Answered by the plug-ins (loyalty's application does not import the
    coupons')."""

    async def acquire(
        self, uow: LoyaltyUnitOfWork, template_id: uuid.UUID, user_id: uuid.UUID, key: str
    ) -> ExchangedCoupon: ...


class PointsMultipliers(Protocol):
    """What a member's level multiplies purchase points by (PTS-1, MEM-1): the membership
    context's answer; 1 until it gives one."""

    async def multiplier(self, user_id: uuid.UUID) -> decimal.Decimal: ...


class FlatMultipliers:
    """Every customer earns at the programme's rate (no member levels yet)."""

    async def multiplier(self, user_id: uuid.UUID) -> decimal.Decimal:
        return decimal.Decimal(1)


@attrs.frozen
class SweepStep:
    """What one step of the expiry sweep did: accounts, lots and points expired."""

    accounts: int
    lots: int
    points: int


class PointsSweep(Protocol):
    async def expire_due(self, now: dt.datetime, lots: int) -> SweepStep:
        """Expire, in this transaction, every lot due at ``now`` of the accounts of the first
        ``lots`` due lots (PTS-7): one entry per lot, each account's figures and events."""
        ...


class LoyaltyUnitOfWork(Protocol):
    points_accounts: PointsAccountRepository
    points_sweep: PointsSweep
    points_check_ins: CheckInRepository
    members: MemberRepository
    mall_items: MallItemRepository
    mall_redemptions: RedemptionRepository
    clock: Clock
    ids: IdGenerator

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    def projections(self) -> Sequence[Projection]: ...


__all__ = [
    "CheckInRepository",
    "CouponExchange",
    "ExchangedCoupon",
    "FlatMultipliers",
    "LoyaltyUnitOfWork",
    "MallItemRepository",
    "RedemptionRepository",
    "MemberRepository",
    "PointsAccountRepository",
    "PointsMultipliers",
    "PointsSweep",
    "SweepStep",
]
