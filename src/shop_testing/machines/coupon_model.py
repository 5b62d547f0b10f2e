"""The model behind :class:`~shop_testing.machines.coupons.CouponTemplateMachine`: what
succeeded so far, and what the rules say the next command must answer.

It holds one template's coupons and orders as the machine saw them succeed, and predicts each
acquisition's refusal in the order CPN-2 gives (the template's state, claim window,
distribution, validity, price, quantity, then the user's limits), each lock's, void's and
sweep's. Predictions name error codes through the domain's rule and error classes, never as
strings of their own.
"""

from __future__ import annotations

import datetime as dt
import uuid

import attrs

from shop_domain.coupons import rules
from shop_domain.coupons.coupon import CouponState, Via
from shop_domain.coupons.errors import CouponNotAvailable, CouponValidityEnded, NotYourCoupon
from shop_domain.coupons.template import Holdings, TemplateDefinition
from shop_domain.coupons.terms import ReturnPolicy
from shop_domain.shared.money import Money


@attrs.define
class ModelCoupon:
    """What the model knows about one coupon."""

    user_id: uuid.UUID
    via: Via
    acquired_on: dt.date
    valid_until: dt.datetime
    state: CouponState = CouponState.AVAILABLE
    order_id: uuid.UUID | None = None
    discount: Money | None = None
    order_amount: Money | None = None


@attrs.define
class ModelOrder:
    """An order holding one of the template's coupons (one per template, CPN-8)."""

    id: uuid.UUID
    user_id: uuid.UUID
    coupon_id: uuid.UUID
    status: str = "pending"  # pending → paid → refunded, or pending → cancelled


PENDING, PAID, CANCELLED, REFUNDED = "pending", "paid", "cancelled", "refunded"


@attrs.define
class CouponModel:
    """One template and everything handed out from it that succeeded. Coupons, orders and
    codes keep the order they came in: the machine draws from them by position, and ids are
    random, so a replay of the same draws must pick the same ones."""

    template_id: uuid.UUID
    definition: TemplateDefinition
    active: bool = True
    coupons: dict[uuid.UUID, ModelCoupon] = attrs.field(factory=dict)
    orders: dict[uuid.UUID, ModelOrder] = attrs.field(factory=dict)
    campaigns: dict[tuple[str, uuid.UUID], uuid.UUID] = attrs.field(factory=dict)
    """(campaign key, user) → the coupon that campaign gave the user (CPN-3)."""
    codes: dict[str, uuid.UUID | None] = attrs.field(factory=dict)
    """One-time code → the coupon it bound, or ``None`` while unredeemed (CPN-4)."""

    @property
    def returnable(self) -> bool:
        return self.definition.return_policy is ReturnPolicy.ON_FULL_REFUND

    # --- handing out --------------------------------------------------------------------------
    def holdings(self, user_id: uuid.UUID, today: dt.date) -> Holdings:
        """What storage counts for the user's limits: every coupon of the template they hold,
        and those acquired on ``today`` (the business date)."""
        theirs = [coupon for coupon in self.coupons.values() if coupon.user_id == user_id]
        return Holdings(len(theirs), sum(coupon.acquired_on == today for coupon in theirs))

    def refusal(
        self,
        via: Via,
        held: Holdings,
        now: dt.datetime,
        *,
        issued: int | None = None,
    ) -> str | None:
        """The code an acquisition must be refused with, in the order of CPN-2; ``None`` when
        it must be granted. ``issued``: the count so far within one command (an issue to many
        users counts as it goes)."""
        definition = self.definition
        issued = len(self.coupons) if issued is None else issued
        if not self.active:
            return rules.TemplateIsActive.code
        if via is Via.ISSUE:
            if not definition.distribution.issuable:
                return rules.TemplateIsIssuable.code
        else:
            if not definition.claim_window.contains(now):
                return rules.InsideClaimWindow.code
            if via is not Via.UNIQUE_CODE and not definition.distribution.claimable:
                return rules.TemplateIsClaimable.code
        if definition.validity.ended_by(now):
            return rules.ValidityNotOver.code
        if via is not Via.ISSUE and definition.acquisition.points:
            return rules.AcquisitionIsFree.code
        if issued >= definition.limits.total_quantity:
            return rules.QuantityRemains.code
        if via is not Via.ISSUE:
            per_user, per_day = definition.limits.per_user, definition.limits.per_user_per_day
            if per_user is not None and held.total >= per_user:
                return rules.WithinPerUserLimit.code
            if per_day is not None and held.today >= per_day:
                return rules.WithinDailyLimit.code
        return None

    def acquired(
        self,
        coupon_id: uuid.UUID,
        user_id: uuid.UUID,
        via: Via,
        now: dt.datetime,
        today: dt.date,
    ) -> ModelCoupon:
        assert coupon_id not in self.coupons, f"coupon {coupon_id} was handed out twice"
        _, valid_until = self.definition.validity.window_for(now)
        coupon = ModelCoupon(user_id, via, today, valid_until)
        self.coupons[coupon_id] = coupon
        return coupon

    # --- reading ------------------------------------------------------------------------------
    def effective(self, coupon_id: uuid.UUID, now: dt.datetime) -> CouponState:
        """The state a reader sees: expiry applied on read (CPN-12)."""
        coupon = self.coupons[coupon_id]
        if coupon.state is CouponState.AVAILABLE and now >= coupon.valid_until:
            return CouponState.EXPIRED
        return coupon.state

    def available(self, now: dt.datetime, user_id: uuid.UUID | None = None) -> list[uuid.UUID]:
        return [
            cid
            for cid, coupon in self.coupons.items()
            if self.effective(cid, now) is CouponState.AVAILABLE
            and user_id in (None, coupon.user_id)
        ]

    def orders_in(self, status: str) -> list[uuid.UUID]:
        return [oid for oid, order in self.orders.items() if order.status == status]

    def lock_refusal(
        self, coupon_id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime
    ) -> str | None:
        """Why a new order of ``user_id`` cannot lock the coupon (``None``: it can)."""
        if self.coupons[coupon_id].user_id != user_id:
            return NotYourCoupon.code
        state = self.effective(coupon_id, now)
        if state is CouponState.EXPIRED:
            return CouponValidityEnded.code
        if state is not CouponState.AVAILABLE:
            return CouponNotAvailable.code
        return None

    def void_refusal(self, coupon_id: uuid.UUID, now: dt.datetime) -> str | None:
        """Why the coupon cannot be voided (``None``: it can, or it is voided already)."""
        state = self.effective(coupon_id, now)
        if state in (CouponState.AVAILABLE, CouponState.VOIDED):
            return None
        return CouponNotAvailable.code

    def due_to_expire(self, now: dt.datetime) -> list[uuid.UUID]:
        return [
            cid
            for cid, coupon in self.coupons.items()
            if coupon.state is CouponState.AVAILABLE and now >= coupon.valid_until
        ]

    # --- order-facing moves -------------------------------------------------------------------
    def reopen(self, coupon_id: uuid.UUID, now: dt.datetime) -> None:
        """Back to available after a release or a return, or expired when its validity has
        ended (CPN-12)."""
        coupon = self.coupons[coupon_id]
        coupon.state = CouponState.EXPIRED if now >= coupon.valid_until else CouponState.AVAILABLE
        coupon.order_id = coupon.discount = coupon.order_amount = None


__all__ = [
    "CANCELLED",
    "PAID",
    "PENDING",
    "REFUNDED",
    "CouponModel",
    "ModelCoupon",
    "ModelOrder",
]
