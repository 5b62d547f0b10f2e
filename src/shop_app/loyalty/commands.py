"""Commands of points accounts (PTS-1..8): one per use case, each handled by one handler.

The order commands (hold, capture, unhold, spend, restore, earn pending, release, reverse) are
what the ordering and after-sales contexts call; each is idempotent per (order, key): sent
again with its key and the same figures it answers what it answered first and changes nothing
(:mod:`shop_domain.loyalty.account`).
"""

from __future__ import annotations

import uuid

import attrs

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


__all__ = [
    "AdjustPoints",
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
