"""The model of :class:`~shop_testing.machines.pricing.PromotionMachine`: what it knows of the
promotions it created and of the participation log, and what it predicts each command answers
— worked out on its own, by brute force, not with the application's code.

- PRO-2: each promotion's stored status and its status at a moment (active inside its window
  while scheduled, ended once its window is over while scheduled or paused);
- PRO-3: scheduling a draft is refused while a promotion that holds goods (stored scheduled or
  paused, whatever its window) at the same level, in an overlapping window, covers one of the
  same SKUs — every pair of SKU and promotion is compared;
- PRO-7: recording an order's participations is all or nothing, refused (in this order) for an
  entry of the order held for another user or released, for a promotion not active, then for a
  total or per-user limit reached — the promotions taken in id order; releasing releases the
  order's entries that count.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import attrs

from shop_app.pricing.participation_ports import ParticipationQueries
from shop_app.pricing.queries import PromotionQueries
from shop_domain.pricing.errors import PromotionConflict, PromotionStateConflict
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.participation import (
    ParticipationConflict,
    PromotionIsActive,
    WithinPerUserLimit,
    WithinTotalLimit,
)
from shop_domain.pricing.promotion import PromotionDefinition, PromotionStatus
from shop_testing.harness import MemoryShop

HOLDS_GOODS = (PromotionStatus.SCHEDULED, PromotionStatus.PAUSED)


@attrs.frozen
class Answer:
    """What the runtime answered a command: its result, or the code (and details) it was
    refused with."""

    result: Any = None
    refusal: str | None = None
    details: Any = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


@attrs.define
class PromotionModel:
    id: uuid.UUID
    definition: PromotionDefinition
    status: PromotionStatus = PromotionStatus.DRAFT
    """The stored status."""

    def status_at(self, now: dt.datetime) -> PromotionStatus:
        window = self.definition.window
        if self.status in HOLDS_GOODS and now >= window.ends_at:
            return PromotionStatus.ENDED
        if self.status is PromotionStatus.SCHEDULED and now >= window.starts_at:
            return PromotionStatus.ACTIVE
        return self.status


@attrs.define
class EntryModel:
    """One participation: ``order`` of ``user`` took ``promotion``; ``counts`` until
    released."""

    order: uuid.UUID
    promotion: uuid.UUID
    user: uuid.UUID
    counts: bool = True


@attrs.frozen
class Refusal:
    """A predicted refusal: its code, and the promotion its details name (None: any)."""

    code: str
    promotion_id: uuid.UUID | None = None


Predicted = str | Refusal | None
"""What a command is predicted to answer: success (None), a refusal's code, or a refusal's code
and the promotion its details name."""


@attrs.frozen
class Recorded:
    """A predicted success of recording: the promotions recorded now, and those the order
    held already (a retry), by id."""

    recorded: tuple[uuid.UUID, ...]
    already: tuple[uuid.UUID, ...]

    @property
    def pair(self) -> tuple[tuple[uuid.UUID, ...], tuple[uuid.UUID, ...]]:
        return self.recorded, self.already


@attrs.define
class PricingModel:
    goods: Sequence[ItemFacts]
    promotions: dict[uuid.UUID, PromotionModel] = attrs.field(factory=dict)
    entries: dict[tuple[uuid.UUID, uuid.UUID], EntryModel] = attrs.field(factory=dict)
    """By (order, promotion)."""
    orders: list[uuid.UUID] = attrs.field(factory=list)

    # --- PRO-2, PRO-3 ---------------------------------------------------------------------------
    def clashes(self, promotion_id: uuid.UUID) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
        """The promotions that hold goods which ``promotion_id`` would clash with, each with
        the SKUs both cover (PRO-3), comparing every SKU with every promotion."""
        mine = self.promotions[promotion_id].definition
        found: dict[uuid.UUID, frozenset[uuid.UUID]] = {}
        for other in self.promotions.values():
            theirs = other.definition
            if (
                other.id == promotion_id
                or other.status not in HOLDS_GOODS
                or theirs.level is not mine.level
                or not theirs.window.overlaps(mine.window)
            ):
                continue
            shared = frozenset(
                item.sku_id
                for item in self.goods
                if mine.targets.covers(item) and theirs.targets.covers(item)
            )
            if shared:
                found[other.id] = shared
        return found

    def _state_refusal(
        self, promotion_id: uuid.UUID, now: dt.datetime, needs: PromotionStatus
    ) -> str | None:
        current = self.promotions[promotion_id].status_at(now)
        return None if current is needs else PromotionStateConflict.code

    def edit_refusal(self, promotion_id: uuid.UUID, now: dt.datetime) -> str | None:
        return self._state_refusal(promotion_id, now, PromotionStatus.DRAFT)

    def schedule_refusal(self, promotion_id: uuid.UUID, now: dt.datetime) -> str | None:
        promotion = self.promotions[promotion_id]
        if promotion.status_at(now) is not PromotionStatus.DRAFT:
            return PromotionStateConflict.code
        if now >= promotion.definition.window.ends_at:
            return PromotionStateConflict.code
        return PromotionConflict.code if self.clashes(promotion_id) else None

    def pause_refusal(self, promotion_id: uuid.UUID, now: dt.datetime) -> str | None:
        return self._state_refusal(promotion_id, now, PromotionStatus.ACTIVE)

    def resume_refusal(self, promotion_id: uuid.UUID, now: dt.datetime) -> str | None:
        return self._state_refusal(promotion_id, now, PromotionStatus.PAUSED)

    def end_refusal(self, promotion_id: uuid.UUID, now: dt.datetime) -> str | None:
        ended = self.promotions[promotion_id].status_at(now) is PromotionStatus.ENDED
        return PromotionStateConflict.code if ended else None

    # --- PRO-7 ----------------------------------------------------------------------------------
    def taken(self, promotion_id: uuid.UUID, user: uuid.UUID | None = None) -> int:
        return sum(
            1
            for entry in self.entries.values()
            if entry.promotion == promotion_id
            and entry.counts
            and (user is None or entry.user == user)
        )

    def released(self, promotion_id: uuid.UUID) -> int:
        return sum(1 for e in self.entries.values() if e.promotion == promotion_id and not e.counts)

    def record_outcome(
        self, order: uuid.UUID, user: uuid.UUID, wanted: Sequence[uuid.UUID], now: dt.datetime
    ) -> Recorded | Refusal:
        """What recording the order's participations in ``wanted`` answers."""
        ordered = sorted(set(wanted))
        held = [p for p in ordered if (order, p) in self.entries]
        for p in held:
            entry = self.entries[order, p]
            if entry.user != user or not entry.counts:
                return Refusal(ParticipationConflict.code, p)
        fresh = [p for p in ordered if p not in held]
        for p in fresh:
            if self.promotions[p].status_at(now) is not PromotionStatus.ACTIVE:
                return Refusal(PromotionIsActive.code, p)
        for p in fresh:
            limits = self.promotions[p].definition.limits
            if limits.total is not None and self.taken(p) >= limits.total:
                return Refusal(WithinTotalLimit.code, p)
            if limits.per_user is not None and self.taken(p, user) >= limits.per_user:
                return Refusal(WithinPerUserLimit.code, p)
        return Recorded(tuple(fresh), tuple(held))

    def record(self, order: uuid.UUID, user: uuid.UUID, recorded: Sequence[uuid.UUID]) -> None:
        for p in recorded:
            self.entries[order, p] = EntryModel(order, p, user)

    def release(self, order: uuid.UUID) -> tuple[uuid.UUID, ...]:
        """Release the order's entries that count; their promotions, by id."""
        released = sorted(
            entry.promotion
            for entry in self.entries.values()
            if entry.order == order and entry.counts
        )
        for p in released:
            self.entries[order, p].counts = False
        return tuple(released)


async def check_model(shop: MemoryShop, model: PricingModel) -> None:
    """Fail unless every promotion's status now, its definition and its participation counts
    (taken, released) as the runtime reads them are the model's."""
    queries = shop.runtime.get(PromotionQueries)
    participation = shop.runtime.get(ParticipationQueries)
    now = shop.clock.now()
    for promotion in model.promotions.values():
        view = await queries.promotion(promotion.id, now)
        expected = promotion.status_at(now)
        assert view.status is expected, f"promotion {promotion.id} is {view.status}, not {expected}"
        assert view.definition == promotion.definition, f"promotion {promotion.id}'s definition"
        counts = await participation.counts(promotion.id)
        held = (model.taken(promotion.id), model.released(promotion.id))
        assert (counts.taken, counts.released) == held, (
            f"promotion {promotion.id} taken, released {(counts.taken, counts.released)}; the "
            f"model {held}"
        )


__all__ = [
    "HOLDS_GOODS",
    "Answer",
    "EntryModel",
    "Predicted",
    "PricingModel",
    "PromotionModel",
    "Recorded",
    "Refusal",
    "check_model",
]
