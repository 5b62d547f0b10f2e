"""What the loyalty context publishes: one integration event per change to a points account,
with the account's figures after it (see :mod:`shop_app.shared.integration`).

Every event names the account and the user, the points the change moved (always positive; the
type says which way) and the balance, pending and held points after it — what a CRM or a
member's app needs to stay in step without reading the account. Order commands name the order.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

import attrs

import shop_domain.loyalty.events as ev
from shop_app.shared.integration import REGISTRY, IntegrationEvent
from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.checkins import CheckedIn, CheckInCalendar
from shop_domain.loyalty.mall import MallItem, MallStockLow, Redemption, RedemptionChanged
from shop_domain.loyalty.membership import GrowthChanged, LevelChanged, Member, PhoneVerified
from shop_domain.loyalty.settings import ProgrammeChanged, ProgrammeSettings

REGISTRY.aggregate(PointsAccount, "loyalty.points_account")
REGISTRY.aggregate(CheckInCalendar, "loyalty.check_in_calendar")
REGISTRY.aggregate(Member, "loyalty.member")
REGISTRY.aggregate(MallItem, "loyalty.mall_item")
REGISTRY.aggregate(Redemption, "loyalty.redemption")
REGISTRY.aggregate(ProgrammeSettings, "loyalty.programme")


@REGISTRY.event
@attrs.frozen(kw_only=True)
class ProgrammeChangedV1(IntegrationEvent):
    """An operator put ``revision`` of the points programme in force, changing its ``parts``
    (``expiry``, ``shortfall``, ``time_zone``, ``earning``, ``checkout``, ``levels``), for
    ``reason``; ``GET /loyalty/programme/revisions`` has the whole of it."""

    type: ClassVar[str] = "loyalty.programme_changed"
    version: ClassVar[int] = 1
    revision: int
    parts: tuple[str, ...]
    actor: str
    reason: str


@REGISTRY.maps(ProgrammeChanged)
def _programme(e: ProgrammeChanged) -> ProgrammeChangedV1:
    return ProgrammeChangedV1(revision=e.revision, parts=e.parts, actor=e.actor, reason=e.reason)


@REGISTRY.event
@attrs.frozen(kw_only=True)
class MallStockLowV1(IntegrationEvent):
    """A mall item's stock fell to its warning level or below (PTS-9, STK-2)."""

    type: ClassVar[str] = "loyalty.mall_stock_low"
    version: ClassVar[int] = 1
    item_id: uuid.UUID
    stock: int
    low_stock: int


@REGISTRY.event
@attrs.frozen(kw_only=True)
class RedemptionChangedV1(IntegrationEvent):
    """A redemption was placed or moved to ``state`` (``pending_payment``,
    ``pending_shipment``, ``shipped``, ``completed``, ``cancelled``)."""

    type: ClassVar[str] = "loyalty.redemption_changed"
    version: ClassVar[int] = 1
    redemption_id: uuid.UUID
    user_id: uuid.UUID
    item_id: uuid.UUID
    state: str
    points: int


@REGISTRY.maps(MallStockLow)
def _stock_low(e: MallStockLow) -> MallStockLowV1:
    return MallStockLowV1(item_id=e.item_id, stock=e.stock, low_stock=e.low_stock)


@REGISTRY.maps(RedemptionChanged)
def _redemption(e: RedemptionChanged) -> RedemptionChangedV1:
    return RedemptionChangedV1(
        redemption_id=e.redemption_id,
        user_id=e.user_id,
        item_id=e.item_id,
        state=e.state,
        points=e.points,
    )


@REGISTRY.event
@attrs.frozen(kw_only=True)
class MemberLevelChangedV1(IntegrationEvent):
    """A member moved from ``old_level`` to ``new_level`` (0 is the first level): up at once
    when growth reached it, down (or up) when re-evaluated; ``growth``: the window's growth it
    was read off (MEM-1, MEM-3)."""

    type: ClassVar[str] = "loyalty.member_level_changed"
    version: ClassVar[int] = 1
    member_id: uuid.UUID
    user_id: uuid.UUID
    old_level: int
    new_level: int
    growth: int


@REGISTRY.event
@attrs.frozen(kw_only=True)
class MemberGrowthChangedV1(IntegrationEvent):
    """Growth earned (``amount`` > 0) or taken back (< 0) for ``ref`` of ``source`` (MEM-2)."""

    type: ClassVar[str] = "loyalty.member_growth_changed"
    version: ClassVar[int] = 1
    member_id: uuid.UUID
    user_id: uuid.UUID
    source: str
    ref: str
    amount: int
    growth_after: int


@REGISTRY.maps(LevelChanged)
def _level(e: LevelChanged) -> MemberLevelChangedV1:
    return MemberLevelChangedV1(
        member_id=e.member_id,
        user_id=e.user_id,
        old_level=e.old_level,
        new_level=e.new_level,
        growth=e.growth,
    )


@REGISTRY.maps(GrowthChanged)
def _growth(e: GrowthChanged) -> MemberGrowthChangedV1:
    return MemberGrowthChangedV1(
        member_id=e.member_id,
        user_id=e.user_id,
        source=e.source,
        ref=e.ref,
        amount=e.amount,
        growth_after=e.growth_after,
    )


@REGISTRY.event
@attrs.frozen(kw_only=True)
class MemberPhoneVerifiedV1(IntegrationEvent):
    """A member verified a phone by SMS code (``replaced``: in place of another); the number
    masked, never whole (GC-5, SEC-3)."""

    type: ClassVar[str] = "loyalty.member_phone_verified"
    version: ClassVar[int] = 1
    member_id: uuid.UUID
    user_id: uuid.UUID
    phone_masked: str
    replaced: bool
    verified_at: dt.datetime


@REGISTRY.maps(PhoneVerified)
def _phone(e: PhoneVerified) -> MemberPhoneVerifiedV1:
    return MemberPhoneVerifiedV1(
        member_id=e.member_id,
        user_id=e.user_id,
        phone_masked=e.phone_masked,
        replaced=e.replaced,
        verified_at=e.occurred_at,
    )


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CheckedInV1(IntegrationEvent):
    """A member checked in for ``day`` (their programme's local day), the ``streak``-th day in a
    row, earning ``points`` (granted as a lot in the same transaction: a
    ``loyalty.points_granted`` follows); ``made_up``: a missed day checked in afterwards."""

    type: ClassVar[str] = "loyalty.checked_in"
    version: ClassVar[int] = 1
    user_id: uuid.UUID
    day: dt.date
    streak: int
    points: int
    made_up: bool


@REGISTRY.maps(CheckedIn)
def _checked_in(e: CheckedIn) -> CheckedInV1:
    return CheckedInV1(
        user_id=e.user_id, day=e.day, streak=e.streak, points=e.points, made_up=e.made_up
    )


@attrs.frozen(kw_only=True)
class _PointsChange(IntegrationEvent):
    account_id: uuid.UUID
    user_id: uuid.UUID
    points: int
    balance_after: int
    pending_after: int
    held_after: int
    order_id: uuid.UUID | None


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PointsGrantedV1(_PointsChange):
    """A lot was granted (PTS-1, PTS-2): ``source`` says why, ``expires_at`` when it ends
    (None: never)."""

    type: ClassVar[str] = "loyalty.points_granted"
    version: ClassVar[int] = 1
    source: str
    lot_id: uuid.UUID
    expires_at: str | None


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PointsAdjustedV1(_PointsChange):
    type: ClassVar[str] = "loyalty.points_adjusted"
    version: ClassVar[int] = 1
    direction: str
    reason: str
    actor: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PointsSpentV1(_PointsChange):
    type: ClassVar[str] = "loyalty.points_spent"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PointsHeldV1(_PointsChange):
    type: ClassVar[str] = "loyalty.points_held"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class HeldPointsCapturedV1(_PointsChange):
    type: ClassVar[str] = "loyalty.held_points_captured"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class HeldPointsReleasedV1(_PointsChange):
    """Held points given back; ``forfeited`` of them were in lots that expired meanwhile."""

    type: ClassVar[str] = "loyalty.held_points_released"
    version: ClassVar[int] = 1
    forfeited: int


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PointsRestoredV1(_PointsChange):
    """Spent points given back by a refund (PTS-6); ``forfeited``: not restored, their lots
    had expired."""

    type: ClassVar[str] = "loyalty.points_restored"
    version: ClassVar[int] = 1
    forfeited: int


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PendingPointsEarnedV1(_PointsChange):
    type: ClassVar[str] = "loyalty.pending_points_earned"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PendingPointsReleasedV1(_PointsChange):
    type: ClassVar[str] = "loyalty.pending_points_released"
    version: ClassVar[int] = 1
    lot_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PointsReversedV1(_PointsChange):
    """A refund took earned points back (PTS-5, PTS-6): ``from_pending`` of them were still
    pending; ``forgiven``: what a clamping programme could not take back."""

    type: ClassVar[str] = "loyalty.points_reversed"
    version: ClassVar[int] = 1
    from_pending: int
    forgiven: int


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PointsExpiredV1(_PointsChange):
    """What was left of ``lots`` lots expired (PTS-7)."""

    type: ClassVar[str] = "loyalty.points_expired"
    version: ClassVar[int] = 1
    lots: int


_COMMON = tuple(field.name for field in attrs.fields(_PointsChange))


def _mapping(domain: type[ev.PointsEvent], published: type[_PointsChange]) -> None:
    extra = [f.name for f in attrs.fields(published) if f.name not in _COMMON]

    def mapper(e: ev.PointsEvent) -> _PointsChange:
        return published(**{name: getattr(e, name) for name in (*_COMMON, *extra)})

    REGISTRY.maps(domain)(mapper)


for _domain, _published in (
    (ev.PointsGranted, PointsGrantedV1),
    (ev.PointsAdjusted, PointsAdjustedV1),
    (ev.PointsSpent, PointsSpentV1),
    (ev.PointsHeld, PointsHeldV1),
    (ev.HoldCaptured, HeldPointsCapturedV1),
    (ev.HoldReleased, HeldPointsReleasedV1),
    (ev.PointsRestored, PointsRestoredV1),
    (ev.PendingEarned, PendingPointsEarnedV1),
    (ev.PendingReleased, PendingPointsReleasedV1),
    (ev.PointsReversed, PointsReversedV1),
    (ev.PointsExpired, PointsExpiredV1),
):
    _mapping(_domain, _published)
