"""What the coupons context publishes: its integration events, and the one mapping from each of
its domain events (see :mod:`shop_app.shared.integration`).

Every coupon event names the coupon, its template and its holder. Internal: ``CodesReserved``
(the bookkeeping of code generation).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

import attrs

import shop_domain.coupons.events as ev
from shop_app.shared.integration import REGISTRY, Amount, IntegrationEvent
from shop_domain.coupons.batches import CodeBatch
from shop_domain.coupons.coupon import Coupon
from shop_domain.coupons.template import CouponTemplate

REGISTRY.aggregate(CouponTemplate, "coupons.template")
REGISTRY.aggregate(Coupon, "coupons.coupon")
REGISTRY.aggregate(CodeBatch, "coupons.code_batch")
REGISTRY.internal(ev.CodesReserved)

# --- templates --------------------------------------------------------------------------------


@REGISTRY.event
@attrs.frozen(kw_only=True)
class TemplateCreatedV1(IntegrationEvent):
    type: ClassVar[str] = "coupons.template_created"
    version: ClassVar[int] = 1
    template_id: uuid.UUID
    name: str
    created_by: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class TemplateEditedV1(IntegrationEvent):
    type: ClassVar[str] = "coupons.template_edited"
    version: ClassVar[int] = 1
    template_id: uuid.UUID
    edited_fields: tuple[str, ...]


@attrs.frozen(kw_only=True)
class _TemplateChange(IntegrationEvent):
    template_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class TemplateActivatedV1(_TemplateChange):
    type: ClassVar[str] = "coupons.template_activated"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class TemplatePausedV1(_TemplateChange):
    type: ClassVar[str] = "coupons.template_paused"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class TemplateEndedV1(_TemplateChange):
    type: ClassVar[str] = "coupons.template_ended"
    version: ClassVar[int] = 1


@REGISTRY.maps(ev.TemplateCreated)
def _template_created(e: ev.TemplateCreated) -> TemplateCreatedV1:
    return TemplateCreatedV1(template_id=e.template_id, name=e.name, created_by=e.created_by)


@REGISTRY.maps(ev.TemplateEdited)
def _template_edited(e: ev.TemplateEdited) -> TemplateEditedV1:
    return TemplateEditedV1(template_id=e.template_id, edited_fields=e.fields)


@REGISTRY.maps(ev.TemplateActivated)
def _template_activated(e: ev.TemplateActivated) -> TemplateActivatedV1:
    return TemplateActivatedV1(template_id=e.template_id)


@REGISTRY.maps(ev.TemplatePaused)
def _template_paused(e: ev.TemplatePaused) -> TemplatePausedV1:
    return TemplatePausedV1(template_id=e.template_id)


@REGISTRY.maps(ev.TemplateEnded)
def _template_ended(e: ev.TemplateEnded) -> TemplateEndedV1:
    return TemplateEndedV1(template_id=e.template_id)


# --- coupons ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _CouponChange(IntegrationEvent):
    coupon_id: uuid.UUID
    template_id: uuid.UUID
    user_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CouponClaimedV1(_CouponChange):
    """The user took the coupon: from the coupon center (``via`` ``claim``) or with a code."""

    type: ClassVar[str] = "coupons.coupon_claimed"
    version: ClassVar[int] = 1
    via: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    first_for_user: bool


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CouponIssuedV1(_CouponChange):
    """An operator or a system trigger gave the coupon to the user (CPN-3)."""

    type: ClassVar[str] = "coupons.coupon_issued"
    version: ClassVar[int] = 1
    campaign_key: str
    issued_by: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    first_for_user: bool


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CouponLockedV1(_CouponChange):
    type: ClassVar[str] = "coupons.coupon_locked"
    version: ClassVar[int] = 1
    order_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CouponUsedV1(_CouponChange):
    type: ClassVar[str] = "coupons.coupon_used"
    version: ClassVar[int] = 1
    order_id: uuid.UUID
    discount: Amount
    order_amount: Amount


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CouponReleasedV1(_CouponChange):
    """The order was cancelled before payment: the coupon is ``state`` again."""

    type: ClassVar[str] = "coupons.coupon_released"
    version: ClassVar[int] = 1
    order_id: uuid.UUID
    state: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CouponReturnedV1(_CouponChange):
    """The whole order was refunded and the template allows returns (CPN-10)."""

    type: ClassVar[str] = "coupons.coupon_returned"
    version: ClassVar[int] = 1
    order_id: uuid.UUID
    state: str
    discount: Amount
    order_amount: Amount


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CouponExpiredV1(_CouponChange):
    type: ClassVar[str] = "coupons.coupon_expired"
    version: ClassVar[int] = 1
    valid_until: dt.datetime


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CouponVoidedV1(_CouponChange):
    type: ClassVar[str] = "coupons.coupon_voided"
    version: ClassVar[int] = 1
    reason: str
    voided_by: str


@REGISTRY.maps(ev.CouponClaimed)
def _coupon_claimed(e: ev.CouponClaimed) -> CouponClaimedV1:
    return CouponClaimedV1(
        coupon_id=e.coupon_id,
        template_id=e.template_id,
        user_id=e.user_id,
        via=e.via,
        valid_from=e.valid_from,
        valid_until=e.valid_until,
        first_for_user=e.first_for_user,
    )


@REGISTRY.maps(ev.CouponIssued)
def _coupon_issued(e: ev.CouponIssued) -> CouponIssuedV1:
    return CouponIssuedV1(
        coupon_id=e.coupon_id,
        template_id=e.template_id,
        user_id=e.user_id,
        campaign_key=e.campaign_key,
        issued_by=e.issued_by,
        valid_from=e.valid_from,
        valid_until=e.valid_until,
        first_for_user=e.first_for_user,
    )


@REGISTRY.maps(ev.CouponLocked)
def _coupon_locked(e: ev.CouponLocked) -> CouponLockedV1:
    return CouponLockedV1(
        coupon_id=e.coupon_id, template_id=e.template_id, user_id=e.user_id, order_id=e.order_id
    )


@REGISTRY.maps(ev.CouponUsed)
def _coupon_used(e: ev.CouponUsed) -> CouponUsedV1:
    return CouponUsedV1(
        coupon_id=e.coupon_id,
        template_id=e.template_id,
        user_id=e.user_id,
        order_id=e.order_id,
        discount=Amount.of(e.discount),
        order_amount=Amount.of(e.order_amount),
    )


@REGISTRY.maps(ev.CouponReleased)
def _coupon_released(e: ev.CouponReleased) -> CouponReleasedV1:
    return CouponReleasedV1(
        coupon_id=e.coupon_id,
        template_id=e.template_id,
        user_id=e.user_id,
        order_id=e.order_id,
        state=e.to_state,
    )


@REGISTRY.maps(ev.CouponReturned)
def _coupon_returned(e: ev.CouponReturned) -> CouponReturnedV1:
    return CouponReturnedV1(
        coupon_id=e.coupon_id,
        template_id=e.template_id,
        user_id=e.user_id,
        order_id=e.order_id,
        state=e.to_state,
        discount=Amount.of(e.discount),
        order_amount=Amount.of(e.order_amount),
    )


@REGISTRY.maps(ev.CouponExpired)
def _coupon_expired(e: ev.CouponExpired) -> CouponExpiredV1:
    return CouponExpiredV1(
        coupon_id=e.coupon_id,
        template_id=e.template_id,
        user_id=e.user_id,
        valid_until=e.valid_until,
    )


@REGISTRY.maps(ev.CouponVoided)
def _coupon_voided(e: ev.CouponVoided) -> CouponVoidedV1:
    return CouponVoidedV1(
        coupon_id=e.coupon_id,
        template_id=e.template_id,
        user_id=e.user_id,
        reason=e.reason,
        voided_by=e.voided_by,
    )
