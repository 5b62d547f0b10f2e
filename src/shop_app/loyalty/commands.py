"""Commands of points accounts (PTS-1..8): one per use case, each handled by one handler.

The order commands (hold, capture, unhold, spend, restore, earn pending, release, reverse) are
what the ordering and after-sales contexts call; each is idempotent per (order, key): sent
again with its key and the same figures it answers what it answered first and changes nothing
(:mod:`shop_domain.loyalty.account`).
"""

from __future__ import annotations

import datetime as dt
import uuid

import attrs

from shop_app.shared import codec
from shop_domain.loyalty.lots import Source


@attrs.frozen(kw_only=True)
class PointsMoved:
    """What a points command answers: the points it moved and the account's figures after it."""

    account_id: uuid.UUID
    points: int
    balance: int
    pending: int
    held: int


@attrs.frozen(kw_only=True)
class GrantPoints:
    """PTS-1: a lot of ``points`` for ``user_id`` (an account is opened on the first grant)."""

    user_id: uuid.UUID
    points: int
    source: Source
    ref: str | None = None
    actor: str = "system"


@attrs.frozen(kw_only=True)
class CheckIn:
    """Today's check-in (PTS-1): points on the streak scale, once a day in the programme's
    zone. Answers :class:`CheckedIn`."""

    user_id: uuid.UUID


@attrs.frozen(kw_only=True)
class MakeUpCheckIn:
    """Check in a missed ``day`` of the current month afterwards, if the programme allows."""

    user_id: uuid.UUID
    day: dt.date


@attrs.frozen(kw_only=True)
class CheckedIn:
    day: dt.date
    streak: int
    points: int
    balance: int


@attrs.frozen(kw_only=True)
class GrantActivityPoints:
    """The programme's fixed points for taking part in ``activity`` (a survey, a quiz…), once
    per ``ref`` (the entry's id): sent again, it answers the same and grants nothing."""

    user_id: uuid.UUID
    activity: str
    ref: str


@attrs.frozen(kw_only=True)
class GrantReviewPoints:
    """The programme's points for an approved review, once per review."""

    user_id: uuid.UUID
    review_id: uuid.UUID


@attrs.frozen(kw_only=True)
class EarnPurchasePoints:
    """A paid order's points, pending (PTS-5): ``paid`` (minor units) at the programme's rate
    times the member's multiplier. Idempotent per (order, key)."""

    user_id: uuid.UUID
    order_id: uuid.UUID
    key: str
    paid: int


@attrs.frozen(kw_only=True)
class AdjustPoints:
    """An operator's adjustment with its reason (negative: points taken away)."""

    user_id: uuid.UUID
    points: int
    reason: str
    actor: str


@attrs.frozen(kw_only=True)
class OrderPointsCommand:
    user_id: uuid.UUID
    order_id: uuid.UUID
    key: str


@attrs.frozen(kw_only=True)
class HoldPoints(OrderPointsCommand):
    points: int


@attrs.frozen(kw_only=True)
class CaptureHeldPoints(OrderPointsCommand):
    pass


@attrs.frozen(kw_only=True)
class ReleaseHeldPoints(OrderPointsCommand):
    pass


@attrs.frozen(kw_only=True)
class SpendPoints(OrderPointsCommand):
    points: int


@attrs.frozen(kw_only=True)
class RestorePoints(OrderPointsCommand):
    points: int


@attrs.frozen(kw_only=True)
class EarnPendingPoints(OrderPointsCommand):
    points: int
    paid: int
    """Minor units paid that earned them (refunds reverse in proportion)."""


@attrs.frozen(kw_only=True)
class ReleasePendingPoints(OrderPointsCommand):
    pass


@attrs.frozen(kw_only=True)
class ReversePoints(OrderPointsCommand):
    refunded: int
    """Minor units this refund gives back."""


@attrs.frozen(kw_only=True)
class SweepExpiredPoints:
    """One step of the expiry sweep (PTS-7): the accounts of the first ``lots`` due lots."""

    lots: int = 2_000


@attrs.frozen(kw_only=True)
class ExpirePoints:
    """Expire what is due on one account now (the sweep does many at once)."""

    user_id: uuid.UUID


codec.register(PointsMoved, CheckedIn)

__all__ = [
    "AdjustPoints",
    "CheckIn",
    "CheckedIn",
    "EarnPurchasePoints",
    "GrantActivityPoints",
    "GrantReviewPoints",
    "MakeUpCheckIn",
    "CaptureHeldPoints",
    "EarnPendingPoints",
    "ExpirePoints",
    "GrantPoints",
    "HoldPoints",
    "OrderPointsCommand",
    "PointsMoved",
    "ReleaseHeldPoints",
    "ReleasePendingPoints",
    "RestorePoints",
    "ReversePoints",
    "SpendPoints",
    "SweepExpiredPoints",
]
