"""Command handlers of coupons, and the registry of them all. They do not commit: the bus does.

Templates (operator) and voiding are here; handing coupons out is in
:mod:`shop_app.coupons.acquiring`, the order-facing commands and the expiry sweep in
:mod:`shop_app.coupons.orders`, issuing to a segment in :mod:`shop_app.coupons.segments`.
"""

from __future__ import annotations

import uuid

from shop_app.coupons import commands as c
from shop_app.coupons.acquiring import (
    ClaimBatchHandler,
    ClaimCouponHandler,
    IssueCouponsHandler,
    RedeemCodeHandler,
    ReserveCodeBatchHandler,
)
from shop_app.coupons.errors import PublicCodeTaken
from shop_app.coupons.orders import (
    LockCouponsHandler,
    expire_coupons,
    release_coupons,
    return_coupons,
    use_coupons,
)
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CouponsUnitOfWork
from shop_app.coupons.results import CouponOutcome
from shop_app.coupons.segments import issue_segment
from shop_app.shared.messagebus import CommandHandler
from shop_domain.coupons.template import CouponTemplate, TemplateDefinition

# --- templates ----------------------------------------------------------------------------


async def _check_public_code(
    uow: CouponsUnitOfWork, definition: TemplateDefinition, template_id: uuid.UUID
) -> None:
    if definition.public_code is None:
        return
    holder = await uow.coupon_templates.find_by_public_code(definition.public_code)
    if holder is not None and holder.id != template_id:
        raise PublicCodeTaken("another template already uses this public code")


async def create_template(command: c.CreateTemplate, uow: CouponsUnitOfWork) -> uuid.UUID:
    template_id = uow.ids.new_id()
    await _check_public_code(uow, command.definition, template_id)
    template = CouponTemplate.create(
        id=template_id,
        definition=command.definition,
        created_by=command.created_by,
        now=uow.clock.now(),
    )
    uow.coupon_templates.add(template)
    return template.id


async def edit_template(command: c.EditTemplate, uow: CouponsUnitOfWork) -> None:
    template = await uow.coupon_templates.get(command.template_id)
    await _check_public_code(uow, command.definition, template.id)
    template.edit(command.definition, uow.clock.now())


async def activate_template(command: c.ActivateTemplate, uow: CouponsUnitOfWork) -> None:
    template = await uow.coupon_templates.get(command.template_id)
    template.activate(uow.clock.now())


async def pause_template(command: c.PauseTemplate, uow: CouponsUnitOfWork) -> None:
    template = await uow.coupon_templates.get(command.template_id)
    template.pause(uow.clock.now())


async def end_template(command: c.EndTemplate, uow: CouponsUnitOfWork) -> None:
    template = await uow.coupon_templates.get(command.template_id)
    template.end(uow.clock.now())


async def void_coupon(command: c.VoidCoupon, uow: CouponsUnitOfWork) -> CouponOutcome:
    coupon = await uow.coupons.get(command.coupon_id)
    outcome = coupon.void(command.reason, command.voided_by, uow.clock.now())
    return CouponOutcome(coupon.id, outcome)


def coupon_command_handlers(policy: CouponPolicy) -> dict[type, CommandHandler]:
    return {
        c.CreateTemplate: create_template,
        c.EditTemplate: edit_template,
        c.ActivateTemplate: activate_template,
        c.PauseTemplate: pause_template,
        c.EndTemplate: end_template,
        c.ClaimCoupon: ClaimCouponHandler(policy),
        c.ClaimBatch: ClaimBatchHandler(policy),
        c.IssueCoupons: IssueCouponsHandler(policy),
        c.IssueSegment: issue_segment,
        c.RedeemCode: RedeemCodeHandler(policy),
        c.ReserveCodeBatch: ReserveCodeBatchHandler(policy),
        c.VoidCoupon: void_coupon,
        c.LockCoupons: LockCouponsHandler(policy),
        c.UseCoupons: use_coupons,
        c.ReleaseCoupons: release_coupons,
        c.ReturnCoupons: return_coupons,
        c.ExpireCoupons: expire_coupons,
    }
