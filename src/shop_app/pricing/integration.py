"""What the pricing context publishes: its integration events, and the one mapping from each of
its domain events (see :mod:`shop_app.shared.integration`).

Every change of a promotion's definition or status is published: the live index of each process
(issue 12) follows them, reading the promotion named by ``promotion_id`` again, so several
processes stay in step. ``kind`` is the kind's registered name (``threshold_reduction``); a
kind's parameters never travel in an event.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

import attrs

import shop_domain.pricing.events as ev
from shop_app.shared.integration import REGISTRY, IntegrationEvent
from shop_domain.pricing.promotion import Promotion

REGISTRY.aggregate(Promotion, "pricing.promotion")


@attrs.frozen(kw_only=True)
class _PromotionChange(IntegrationEvent):
    promotion_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PromotionCreatedV1(_PromotionChange):
    """A draft promotion exists; it holds no goods until it is scheduled."""

    type: ClassVar[str] = "pricing.promotion_created"
    version: ClassVar[int] = 1
    name: str
    kind: str
    created_by: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PromotionEditedV1(_PromotionChange):
    """A draft's definition changed; ``edited_fields`` names what changed (``window``,
    ``targets``, ``kind``…)."""

    type: ClassVar[str] = "pricing.promotion_edited"
    version: ClassVar[int] = 1
    edited_fields: tuple[str, ...]


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PromotionScheduledV1(_PromotionChange):
    """The promotion holds its goods from now on, and is active inside its window (PRO-2)."""

    type: ClassVar[str] = "pricing.promotion_scheduled"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PromotionPausedV1(_PromotionChange):
    """The promotion no longer applies until it is resumed; it still holds its goods."""

    type: ClassVar[str] = "pricing.promotion_paused"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PromotionResumedV1(_PromotionChange):
    type: ClassVar[str] = "pricing.promotion_resumed"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class PromotionEndedV1(_PromotionChange):
    """The promotion was ended before its window was over (or a draft was withdrawn); it
    applies no more and holds no goods."""

    type: ClassVar[str] = "pricing.promotion_ended"
    version: ClassVar[int] = 1
    ended_by: str


@REGISTRY.maps(ev.PromotionCreated)
def _created(e: ev.PromotionCreated) -> PromotionCreatedV1:
    return PromotionCreatedV1(
        promotion_id=e.promotion_id, name=e.name, kind=e.kind, created_by=e.created_by
    )


@REGISTRY.maps(ev.PromotionEdited)
def _edited(e: ev.PromotionEdited) -> PromotionEditedV1:
    return PromotionEditedV1(promotion_id=e.promotion_id, edited_fields=tuple(sorted(e.fields)))


@REGISTRY.maps(ev.PromotionScheduled)
def _scheduled(e: ev.PromotionScheduled) -> PromotionScheduledV1:
    return PromotionScheduledV1(promotion_id=e.promotion_id)


@REGISTRY.maps(ev.PromotionPaused)
def _paused(e: ev.PromotionPaused) -> PromotionPausedV1:
    return PromotionPausedV1(promotion_id=e.promotion_id)


@REGISTRY.maps(ev.PromotionResumed)
def _resumed(e: ev.PromotionResumed) -> PromotionResumedV1:
    return PromotionResumedV1(promotion_id=e.promotion_id)


@REGISTRY.maps(ev.PromotionEnded)
def _ended(e: ev.PromotionEnded) -> PromotionEndedV1:
    return PromotionEndedV1(promotion_id=e.promotion_id, ended_by=e.ended_by)
