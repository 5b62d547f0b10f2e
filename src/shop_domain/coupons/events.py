"""Domain events of the coupons context (published as the integration events of
``shop_app/coupons/integration.py``).

Every coupon event carries ``template_id`` and ``user_id`` so that statistics, the usage log
(CPN-9) and other contexts can react without loading anything.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

import attrs

from shop_domain.shared.events import DomainEvent
from shop_domain.shared.money import Money

# --- templates --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TemplateEvent(DomainEvent):
    template_id: uuid.UUID


@attrs.frozen(kw_only=True)
class TemplateCreated(TemplateEvent):
    event_type: ClassVar[str] = "coupons.template_created"
    name: str
    created_by: str


@attrs.frozen(kw_only=True)
class TemplateEdited(TemplateEvent):
    event_type: ClassVar[str] = "coupons.template_edited"
    fields: tuple[str, ...]


@attrs.frozen(kw_only=True)
class TemplateActivated(TemplateEvent):
    event_type: ClassVar[str] = "coupons.template_activated"


@attrs.frozen(kw_only=True)
class TemplatePaused(TemplateEvent):
    event_type: ClassVar[str] = "coupons.template_paused"


@attrs.frozen(kw_only=True)
class TemplateEnded(TemplateEvent):
    event_type: ClassVar[str] = "coupons.template_ended"


@attrs.frozen(kw_only=True)
class CodesReserved(TemplateEvent):
    """Unique one-time codes were set aside for a batch (generation follows in chunks)."""

    event_type: ClassVar[str] = "coupons.codes_reserved"
    batch_id: uuid.UUID
    count: int


# --- coupons ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CouponEvent(DomainEvent):
    coupon_id: uuid.UUID
    template_id: uuid.UUID
    user_id: uuid.UUID


@attrs.frozen(kw_only=True)
class CouponClaimed(CouponEvent):
    """The user took the coupon: from the coupon center (``via="claim"``) or with a code."""

    event_type: ClassVar[str] = "coupons.coupon_claimed"
    via: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    first_for_user: bool


@attrs.frozen(kw_only=True)
class CouponIssued(CouponEvent):
    """An operator or a system trigger gave the coupon to the user (CPN-3)."""

    event_type: ClassVar[str] = "coupons.coupon_issued"
    campaign_key: str
    issued_by: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    first_for_user: bool


@attrs.frozen(kw_only=True)
class CouponLocked(CouponEvent):
    event_type: ClassVar[str] = "coupons.coupon_locked"
    order_id: uuid.UUID


@attrs.frozen(kw_only=True)
class CouponUsed(CouponEvent):
    event_type: ClassVar[str] = "coupons.coupon_used"
    order_id: uuid.UUID
    discount: Money
    order_amount: Money


@attrs.frozen(kw_only=True)
class CouponReleased(CouponEvent):
    """The order was cancelled before payment: back to ``to_state`` (available or expired)."""

    event_type: ClassVar[str] = "coupons.coupon_released"
    order_id: uuid.UUID
    to_state: str


@attrs.frozen(kw_only=True)
class CouponReturned(CouponEvent):
    """The whole order was refunded and the template allows returns (CPN-10)."""

    event_type: ClassVar[str] = "coupons.coupon_returned"
    order_id: uuid.UUID
    to_state: str
    discount: Money
    order_amount: Money


@attrs.frozen(kw_only=True)
class CouponExpired(CouponEvent):
    event_type: ClassVar[str] = "coupons.coupon_expired"
    valid_until: dt.datetime


@attrs.frozen(kw_only=True)
class CouponVoided(CouponEvent):
    event_type: ClassVar[str] = "coupons.coupon_voided"
    reason: str
    voided_by: str
