"""Domain events of the pricing context's promotions (PRO-2): what the live index of each
process follows, and what the outbox publishes."""

from __future__ import annotations

import uuid
from typing import ClassVar

import attrs

from shop_domain.shared.events import DomainEvent


@attrs.frozen(kw_only=True)
class PromotionEvent(DomainEvent):
    promotion_id: uuid.UUID


@attrs.frozen(kw_only=True)
class PromotionCreated(PromotionEvent):
    event_type: ClassVar[str] = "pricing.promotion_created"
    name: str
    kind: str
    created_by: str


@attrs.frozen(kw_only=True)
class PromotionEdited(PromotionEvent):
    event_type: ClassVar[str] = "pricing.promotion_edited"
    fields: tuple[str, ...]


@attrs.frozen(kw_only=True)
class PromotionScheduled(PromotionEvent):
    event_type: ClassVar[str] = "pricing.promotion_scheduled"


@attrs.frozen(kw_only=True)
class PromotionPaused(PromotionEvent):
    event_type: ClassVar[str] = "pricing.promotion_paused"


@attrs.frozen(kw_only=True)
class PromotionResumed(PromotionEvent):
    event_type: ClassVar[str] = "pricing.promotion_resumed"


@attrs.frozen(kw_only=True)
class PromotionEnded(PromotionEvent):
    event_type: ClassVar[str] = "pricing.promotion_ended"
    ended_by: str


__all__ = [
    "PromotionCreated",
    "PromotionEdited",
    "PromotionEnded",
    "PromotionEvent",
    "PromotionPaused",
    "PromotionResumed",
    "PromotionScheduled",
]
