"""PRO-3 in the application: which promotions and SKUs a promotion would clash with.

:func:`clashes_of` is what scheduling decides on (in the scheduling's unit of work, after
:meth:`~shop_app.pricing.ports.PromotionRepository.lock_level`), and :class:`ConflictCheck` is
the operators' dry run of the same question for a definition or a draft, scheduling nothing.

The SKUs come from the catalog (``uow.promotion_goods``, read in the same transaction), and
only when there is something to clash with: the promotions that hold goods at the promotion's
level with an overlapping window. A clashing SKU is covered by both sides, so either side's
goods find it: a platform-wide promotion is checked against the goods of the narrower
promotions it meets rather than against every SKU of the platform (unless one of those is
platform-wide too).
A promotion whose targets find no SKU clashes with nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import attrs

from shop_app.pricing.ports import PricingGoods, PricingUnitOfWork
from shop_app.shared.messagebus import UnitOfWorkFactory
from shop_domain.pricing.conflicts import ConflictIndex
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Clash, Level, Promotion, PromotionDefinition
from shop_domain.pricing.terms import TargetKind


async def _goods(
    goods: PricingGoods, promotion: Promotion, candidates: Sequence[Promotion]
) -> list[ItemFacts]:
    targets = promotion.definition.targets
    if targets.kind is TargetKind.PLATFORM and all(
        other.definition.targets.kind is not TargetKind.PLATFORM for other in candidates
    ):
        found: dict[uuid.UUID, ItemFacts] = {}
        for other in candidates:
            for item in await goods.items_of(other.definition.targets):
                found.setdefault(item.sku_id, item)
        return [found[sku] for sku in sorted(found)]
    return list(await goods.items_of(targets))


async def clashes_of(
    promotion: Promotion, holding: Sequence[Promotion], goods: PricingGoods
) -> list[Clash]:
    """The promotions of ``holding`` (those that hold goods at ``promotion``'s level) that
    ``promotion`` clashes with, each with the SKUs they share (PRO-3)."""
    definition = promotion.definition
    candidates = [
        other
        for other in holding
        if other.id != promotion.id
        and other.definition.level is definition.level
        and other.definition.window.overlaps(definition.window)
    ]
    if not candidates:
        return []
    items = await _goods(goods, promotion, candidates)
    return ConflictIndex(candidates).clashes(promotion, items)


@attrs.frozen
class ConflictReport:
    """What a promotion would clash with if it were scheduled now (PRO-3)."""

    level: Level
    clashes: tuple[Clash, ...]


DRY_RUN_ID = uuid.UUID(int=0)
"""The id a definition is checked under (no stored promotion has it)."""


@attrs.define(eq=False)
class ConflictCheck:
    """The dry run of PRO-3's check: reads the promotions that hold goods and the catalog,
    writes nothing, locks nothing."""

    uow_factory: UnitOfWorkFactory

    async def of_definition(
        self, definition: PromotionDefinition, created_by: str
    ) -> ConflictReport:
        """For a definition as if it were a draft scheduled now."""
        async with self._uow() as uow:
            draft = Promotion.create(
                id=DRY_RUN_ID, definition=definition, created_by=created_by, now=uow.clock.now()
            )
            return await self._report(uow, draft)

    async def of_promotion(self, promotion_id: uuid.UUID) -> ConflictReport:
        """For a stored promotion (a draft, usually: one already scheduled clashes with
        nothing); raises ``PromotionNotFound``."""
        async with self._uow() as uow:
            return await self._report(uow, await uow.promotions.get(promotion_id))

    def _uow(self) -> PricingUnitOfWork:
        uow: PricingUnitOfWork = self.uow_factory()  # type: ignore[assignment]
        return uow

    async def _report(self, uow: PricingUnitOfWork, promotion: Promotion) -> ConflictReport:
        level = promotion.definition.level
        holding = await uow.promotions.holding(level)
        clashes = await clashes_of(promotion, holding, uow.promotion_goods)
        return ConflictReport(level, tuple(clashes))


__all__ = ["DRY_RUN_ID", "ConflictCheck", "ConflictReport", "clashes_of"]
