"""Command handlers of pricing's promotions (PRO-2, PRO-3), and the registry of them. They do
not commit: the bus does (and audits an operator's commands, and honours idempotency keys).

Scheduling is decided on what is locked: the promotion's row (``get_for_update``), then its
level (``lock_level``), and only then the promotions that hold goods at that level — so of two
clashing promotions scheduled at once, the second to take the level's lock sees the first one
scheduled and is refused with ``promotion.conflict`` (PRO-3).
"""

from __future__ import annotations

import uuid

from shop_app.pricing import commands as c
from shop_app.pricing.clashes import clashes_of
from shop_app.pricing.ports import PricingUnitOfWork
from shop_app.shared.messagebus import CommandHandler
from shop_domain.pricing.promotion import Promotion, PromotionStatus


async def create_promotion(command: c.CreatePromotion, uow: PricingUnitOfWork) -> uuid.UUID:
    promotion = Promotion.create(
        id=uow.ids.new_id(),
        definition=command.definition,
        created_by=command.created_by,
        now=uow.clock.now(),
    )
    uow.promotions.add(promotion)
    return promotion.id


async def edit_promotion(command: c.EditPromotion, uow: PricingUnitOfWork) -> None:
    promotion = await uow.promotions.get(command.promotion_id)
    promotion.edit(command.definition, uow.clock.now())


async def schedule_promotion(command: c.SchedulePromotion, uow: PricingUnitOfWork) -> None:
    """PRO-3: draft → scheduled unless its SKUs clash (see the module documentation)."""
    promotion = await uow.promotions.get_for_update(command.promotion_id)
    now = uow.clock.now()
    clashes = []
    open_draft = (
        promotion.status_at(now) is PromotionStatus.DRAFT
        and now < promotion.definition.window.ends_at
    )
    if open_draft:  # else the domain refuses it, whatever the clashes
        await uow.promotions.lock_level(promotion.level)
        holding = await uow.promotions.holding(promotion.level)
        clashes = await clashes_of(promotion, holding, uow.promotion_goods)
    promotion.schedule(now, clashes)


async def pause_promotion(command: c.PausePromotion, uow: PricingUnitOfWork) -> None:
    promotion = await uow.promotions.get_for_update(command.promotion_id)
    promotion.pause(uow.clock.now())


async def resume_promotion(command: c.ResumePromotion, uow: PricingUnitOfWork) -> None:
    promotion = await uow.promotions.get_for_update(command.promotion_id)
    promotion.resume(uow.clock.now())


async def end_promotion(command: c.EndPromotion, uow: PricingUnitOfWork) -> None:
    promotion = await uow.promotions.get_for_update(command.promotion_id)
    promotion.end(uow.clock.now(), command.ended_by)


def pricing_command_handlers() -> dict[type, CommandHandler]:
    return {
        c.CreatePromotion: create_promotion,
        c.EditPromotion: edit_promotion,
        c.SchedulePromotion: schedule_promotion,
        c.PausePromotion: pause_promotion,
        c.ResumePromotion: resume_promotion,
        c.EndPromotion: end_promotion,
    }


__all__ = ["pricing_command_handlers"]
