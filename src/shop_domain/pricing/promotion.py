"""The Promotion aggregate (PRO-2): a kind with its parameters, and when, where, for whom, on
what goods and how often it applies; its status draft → scheduled → active ⇄ paused → ended.

*Active* is not stored: a scheduled promotion is active while ``now`` is inside its window, and
a scheduled or paused one has ended once its window is over (:meth:`Promotion.status_at`), so
no sweep has to run for a promotion to start or stop on time.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence

import attrs

from shop_domain.pricing import events as ev
from shop_domain.pricing.errors import InvalidPromotion, PromotionConflict, PromotionStateConflict
from shop_domain.pricing.kinds.base import PromotionKind, Stage
from shop_domain.pricing.terms import (
    ALL_CHANNELS,
    Audience,
    Channel,
    Issuer,
    IssuerKind,
    PromotionLimits,
    TargetKind,
    Targets,
    Window,
)
from shop_domain.shared.aggregate import Aggregate

NAME_MAX = 60


class Level(enum.IntEnum):
    """PRO-4's levels, in the order they apply."""

    ITEM = 1
    BUNDLE = 2
    SHOP = 3
    """Shop and category thresholds."""
    ORDER = 4
    """Order and platform-wide thresholds."""


class PromotionStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


# An enum's members read through their class cost a lookup each time: what every quote reads of
# every promotion reads them from here.
_ITEM, _BUNDLE, _SHOP, _ORDER = Level.ITEM, Level.BUNDLE, Level.SHOP, Level.ORDER
_ITEM_STAGE, _BUNDLE_STAGE = Stage.ITEM, Stage.BUNDLE
_PLATFORM_TARGETS = TargetKind.PLATFORM
_SCHEDULED, _ACTIVE = PromotionStatus.SCHEDULED, PromotionStatus.ACTIVE


def _name(_instance: object, _attribute: object, value: str) -> None:
    if not value.strip() or len(value) > NAME_MAX:
        raise InvalidPromotion(f"a promotion's name has 1 to {NAME_MAX} characters")


@attrs.frozen(kw_only=True)
class PromotionDefinition:
    """Everything an operator sets (PRO-2)."""

    name: str = attrs.field(validator=_name)
    kind: PromotionKind
    window: Window
    channels: frozenset[Channel] = ALL_CHANNELS
    audience: Audience = attrs.field(factory=Audience)
    targets: Targets = attrs.field(factory=Targets)
    limits: PromotionLimits = attrs.field(factory=PromotionLimits)
    priority: int = 0
    """Ranks promotions that save the same (PRO-5): higher first."""
    issuer: Issuer = attrs.field(factory=Issuer)

    def __attrs_post_init__(self) -> None:
        if not self.channels:
            raise InvalidPromotion("a promotion runs on at least one channel")
        if self.issuer.kind is IssuerKind.SHOP:
            if self.targets.kind is TargetKind.PLATFORM:
                raise InvalidPromotion("a shop's promotion covers its own goods, not the platform")
            if self.targets.kind is TargetKind.SHOP and self.targets.ids != {self.issuer.shop_id}:
                raise InvalidPromotion("a shop's promotion covers no other shop")

    @property
    def level(self) -> Level:
        """Where it applies in PRO-4's order: a threshold kind on the platform's goods is an
        order-level promotion; on a shop's, a category's or narrower goods, a shop-level one."""
        stage = self.kind.stage
        if stage is _ITEM_STAGE:
            return _ITEM
        if stage is _BUNDLE_STAGE:
            return _BUNDLE
        return _ORDER if self.targets.kind is _PLATFORM_TARGETS else _SHOP


@attrs.frozen
class Clash:
    """PRO-3: ``promotion_id`` (named ``name``) already takes ``sku_ids`` at the same level in
    an overlapping window."""

    promotion_id: uuid.UUID
    name: str
    sku_ids: tuple[uuid.UUID, ...]


@attrs.define(slots=False, eq=False)
class Promotion(Aggregate):
    definition: PromotionDefinition
    status: PromotionStatus
    """The stored status: draft, scheduled, paused or ended (active is read off the window)."""
    created_at: dt.datetime
    created_by: str

    @classmethod
    def create(
        cls, *, id: uuid.UUID, definition: PromotionDefinition, created_by: str, now: dt.datetime
    ) -> Promotion:
        promotion = cls(
            id=id,
            definition=definition,
            status=PromotionStatus.DRAFT,
            created_at=now,
            created_by=created_by,
        )
        promotion.record(
            ev.PromotionCreated(
                occurred_at=now,
                promotion_id=id,
                name=definition.name,
                kind=definition.kind.name,
                created_by=created_by,
            )
        )
        return promotion

    # --- reading --------------------------------------------------------------------------------
    @property
    def level(self) -> Level:
        return self.definition.level

    def status_at(self, now: dt.datetime) -> PromotionStatus:
        window = self.definition.window
        if self.status in (PromotionStatus.SCHEDULED, PromotionStatus.PAUSED):
            if now >= window.ends_at:
                return PromotionStatus.ENDED
            if self.status is PromotionStatus.SCHEDULED and now >= window.starts_at:
                return PromotionStatus.ACTIVE
        return self.status

    def is_active(self, now: dt.datetime) -> bool:
        """Whether :meth:`status_at` ``now`` is active: scheduled, with ``now`` in its window
        (read without :meth:`status_at`: a quote asks it of every promotion it meets)."""
        status = self.status
        if status is _SCHEDULED:
            window = self.definition.window
            return window.starts_at <= now < window.ends_at
        return status is _ACTIVE

    def rank(self) -> tuple[int, dt.datetime]:
        """Sorts promotions that save the same, best first (PRO-5): higher priority, then
        older."""
        return (-self.definition.priority, self.created_at)

    # --- the lifecycle --------------------------------------------------------------------------
    def edit(self, definition: PromotionDefinition, now: dt.datetime) -> None:
        """A draft may change; a promotion once scheduled may only be paused or ended."""
        self._require(now, PromotionStatus.DRAFT, "edited")
        changed = tuple(
            field.name
            for field in attrs.fields(PromotionDefinition)
            if getattr(definition, field.name) != getattr(self.definition, field.name)
        )
        if not changed:
            return
        self.definition = definition
        self.record(ev.PromotionEdited(occurred_at=now, promotion_id=self.id, fields=changed))

    def schedule(self, now: dt.datetime, clashes: Sequence[Clash]) -> None:
        """Draft → scheduled, refused while ``clashes`` (PRO-3, found by a
        :class:`~shop_domain.pricing.conflicts.ConflictIndex`) name any other promotion."""
        self._require(now, PromotionStatus.DRAFT, "scheduled")
        if now >= self.definition.window.ends_at:
            raise PromotionStateConflict("this promotion's window is already over")
        if clashes:
            first = clashes[0]
            raise PromotionConflict(
                f"these goods are already in {first.name!r} at the same level in an "
                "overlapping window",
                details={
                    "clashes": [
                        {
                            "promotion_id": str(clash.promotion_id),
                            "name": clash.name,
                            "sku_ids": [str(sku) for sku in clash.sku_ids],
                        }
                        for clash in clashes
                    ]
                },
            )
        self.status = PromotionStatus.SCHEDULED
        self.record(ev.PromotionScheduled(occurred_at=now, promotion_id=self.id))

    def pause(self, now: dt.datetime) -> None:
        self._require(now, PromotionStatus.ACTIVE, "paused")
        self.status = PromotionStatus.PAUSED
        self.record(ev.PromotionPaused(occurred_at=now, promotion_id=self.id))

    def resume(self, now: dt.datetime) -> None:
        self._require(now, PromotionStatus.PAUSED, "resumed")
        self.status = PromotionStatus.SCHEDULED  # active again: its window is still open
        self.record(ev.PromotionResumed(occurred_at=now, promotion_id=self.id))

    def end(self, now: dt.datetime, ended_by: str) -> None:
        """Ends it now, whatever its status (a draft is withdrawn); ending twice is refused."""
        if self.status_at(now) is PromotionStatus.ENDED:
            raise PromotionStateConflict("this promotion has ended")
        self.status = PromotionStatus.ENDED
        self.record(ev.PromotionEnded(occurred_at=now, promotion_id=self.id, ended_by=ended_by))

    def _require(self, now: dt.datetime, status: PromotionStatus, what: str) -> None:
        current = self.status_at(now)
        if current is not status:
            raise PromotionStateConflict(
                f"a {current.value} promotion cannot be {what}",
                details={"status": current.value},
            )


__all__ = [
    "Clash",
    "Level",
    "Promotion",
    "PromotionDefinition",
    "PromotionStatus",
]
