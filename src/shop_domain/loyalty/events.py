"""Domain events of points accounts: one per operation, with the account's figures after it."""

from __future__ import annotations

import uuid
from typing import ClassVar

import attrs

from shop_domain.shared.events import DomainEvent


@attrs.frozen(kw_only=True)
class PointsEvent(DomainEvent):
    account_id: uuid.UUID
    user_id: uuid.UUID
    points: int
    """The points the operation moved (always positive)."""
    balance_after: int
    pending_after: int
    held_after: int
    order_id: uuid.UUID | None = None


@attrs.frozen(kw_only=True)
class PointsGranted(PointsEvent):
    event_type: ClassVar[str] = "points.granted"
    source: str
    lot_id: uuid.UUID
    expires_at: str | None


@attrs.frozen(kw_only=True)
class PointsAdjusted(PointsEvent):
    event_type: ClassVar[str] = "points.adjusted"
    direction: str
    """``up`` or ``down``."""
    reason: str
    actor: str


@attrs.frozen(kw_only=True)
class PointsSpent(PointsEvent):
    event_type: ClassVar[str] = "points.spent"


@attrs.frozen(kw_only=True)
class PointsHeld(PointsEvent):
    event_type: ClassVar[str] = "points.held"


@attrs.frozen(kw_only=True)
class HoldCaptured(PointsEvent):
    event_type: ClassVar[str] = "points.hold_captured"


@attrs.frozen(kw_only=True)
class HoldReleased(PointsEvent):
    event_type: ClassVar[str] = "points.hold_released"
    forfeited: int


@attrs.frozen(kw_only=True)
class PointsRestored(PointsEvent):
    event_type: ClassVar[str] = "points.restored"
    forfeited: int


@attrs.frozen(kw_only=True)
class PendingEarned(PointsEvent):
    event_type: ClassVar[str] = "points.pending_earned"


@attrs.frozen(kw_only=True)
class PendingReleased(PointsEvent):
    event_type: ClassVar[str] = "points.pending_released"
    lot_id: uuid.UUID


@attrs.frozen(kw_only=True)
class PointsReversed(PointsEvent):
    event_type: ClassVar[str] = "points.reversed"
    from_pending: int
    forgiven: int


@attrs.frozen(kw_only=True)
class PointsExpired(PointsEvent):
    event_type: ClassVar[str] = "points.expired"
    lots: int


__all__ = [
    "HoldCaptured",
    "HoldReleased",
    "PendingEarned",
    "PendingReleased",
    "PointsAdjusted",
    "PointsEvent",
    "PointsExpired",
    "PointsGranted",
    "PointsHeld",
    "PointsRestored",
    "PointsReversed",
    "PointsSpent",
]
