"""The coupon a user holds, and its states (CPN-5, CPN-10, CPN-12).

::

    available ──lock──▶ locked ──use──▶ used
        ▲  │              │               │ return (whole order refunded, returnable)
        │  │ expire       │ release       ▼
        │  ▼ void         ▼         available, or expired if its validity has ended
     expired / voided   available, or expired if its validity has ended

Order-facing transitions are idempotent for the same order: locking a coupon already locked to
that order, or releasing one already released from it, changes nothing and records nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, Final

import attrs

from shop_domain.coupons import events as ev
from shop_domain.coupons.errors import (
    CouponNotAvailable,
    CouponNotYetValid,
    CouponValidityEnded,
    NotYourCoupon,
)
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import CurrencyMismatch, InvalidValue
from shop_domain.shared.money import Money

VOID_REASON_MAX: Final = 500
"""The longest reason an operator gives for voiding a coupon."""


class CouponState(enum.StrEnum):
    AVAILABLE = "available"
    LOCKED = "locked"
    USED = "used"
    EXPIRED = "expired"
    VOIDED = "voided"


class Via(enum.StrEnum):
    CLAIM = "claim"  # from the coupon center
    CODE = "code"  # the template's shared public code
    UNIQUE_CODE = "unique_code"  # a one-time code
    ISSUE = "issue"  # by an operator or a system trigger
    EXCHANGE = "exchange"  # for points, through the loyalty context (CPN-1)

    @property
    def claimed(self) -> bool:
        """Whether the user took it (CPN-11 counts these as claimed)."""
        return self is not Via.ISSUE


class Outcome(enum.StrEnum):
    """What an order-facing command did to one coupon."""

    DONE = "done"
    ALREADY = "already"  # a retry: it was done before for this order
    KEPT = "kept"  # a return that the policy or a partial refund does not allow


@attrs.frozen(kw_only=True)
class AcquireRequest:
    """One acquisition for a template to decide (CPN-2..4). ``key`` makes it idempotent per
    (template, user, key)."""

    user_id: uuid.UUID
    via: Via
    key: str | None = None
    campaign_key: str | None = None
    code: str | None = None
    actor: str = ""


@attrs.define(slots=False, eq=False)
class Coupon(Aggregate):
    template_id: uuid.UUID
    user_id: uuid.UUID
    state: CouponState
    via: Via
    acquired_at: dt.datetime
    acquired_on: dt.date
    valid_from: dt.datetime
    valid_until: dt.datetime
    returnable: bool
    acquisition_key: str | None = None
    campaign_key: str | None = None
    code: str | None = None
    order_id: uuid.UUID | None = None
    locked_at: dt.datetime | None = None
    used_at: dt.datetime | None = None
    discount: Money | None = None
    order_amount: Money | None = None
    closed_at: dt.datetime | None = None
    note: str = ""

    @classmethod
    def acquired(
        cls,
        *,
        id: uuid.UUID,
        template_id: uuid.UUID,
        request: AcquireRequest,
        valid_from: dt.datetime,
        valid_until: dt.datetime,
        returnable: bool,
        first_for_user: bool,
        now: dt.datetime,
        today: dt.date,
    ) -> Coupon:
        coupon = cls(
            id=id,
            template_id=template_id,
            user_id=request.user_id,
            state=CouponState.AVAILABLE,
            via=request.via,
            acquired_at=now,
            acquired_on=today,
            valid_from=valid_from,
            valid_until=valid_until,
            returnable=returnable,
            acquisition_key=request.key,
            campaign_key=request.campaign_key,
            code=request.code,
        )
        common: dict[str, Any] = {
            "occurred_at": now,
            "coupon_id": id,
            "template_id": template_id,
            "user_id": request.user_id,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "first_for_user": first_for_user,
        }
        if request.via is Via.ISSUE:
            coupon.record(
                ev.CouponIssued(
                    **common, campaign_key=request.campaign_key or "", issued_by=request.actor
                )
            )
        else:
            coupon.record(ev.CouponClaimed(**common, via=request.via.value))
        return coupon

    # --- reading ------------------------------------------------------------------------------
    def effective_state(self, now: dt.datetime) -> CouponState:
        """CPN-12: expiry is applied when read, before any sweep has written it."""
        if self.state is CouponState.AVAILABLE and now >= self.valid_until:
            return CouponState.EXPIRED
        return self.state

    def usable_at(self, now: dt.datetime) -> bool:
        return self.effective_state(now) is CouponState.AVAILABLE and now >= self.valid_from

    def _check_owner(self, user_id: uuid.UUID) -> None:
        if user_id != self.user_id:
            raise NotYourCoupon("this coupon belongs to someone else")

    def _event(self, now: dt.datetime) -> dict[str, Any]:
        return {
            "occurred_at": now,
            "coupon_id": self.id,
            "template_id": self.template_id,
            "user_id": self.user_id,
        }

    # --- order-facing (CPN-5, CPN-10, CPN-12) --------------------------------------------------
    def lock(self, order_id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> Outcome:
        """Reserve the coupon for an order at submission."""
        self._check_owner(user_id)
        if self.state is CouponState.LOCKED and self.order_id == order_id:
            return Outcome.ALREADY
        if self.effective_state(now) is CouponState.EXPIRED:
            raise CouponValidityEnded("this coupon's validity has ended")
        if self.state is not CouponState.AVAILABLE:
            raise CouponNotAvailable(f"this coupon is {self.state.value}")
        if now < self.valid_from:
            raise CouponNotYetValid("this coupon is not valid yet")
        self.state = CouponState.LOCKED
        self.order_id = order_id
        self.locked_at = now
        self.record(ev.CouponLocked(**self._event(now), order_id=order_id))
        return Outcome.DONE

    def use(
        self, order_id: uuid.UUID, discount: Money, order_amount: Money, now: dt.datetime
    ) -> Outcome:
        """The order was paid: the coupon is spent (CPN-9 logs it)."""
        if self.state is CouponState.USED and self.order_id == order_id:
            return Outcome.ALREADY
        if self.state is not CouponState.LOCKED or self.order_id != order_id:
            raise CouponNotAvailable("this coupon is not locked to this order")
        if discount.is_negative() or order_amount.is_negative():
            raise InvalidValue("a discount and an order amount are never negative")
        if discount.currency != order_amount.currency:
            raise CurrencyMismatch("the discount and the order amount are in one currency")
        self.state = CouponState.USED
        self.used_at = now
        self.discount = discount
        self.order_amount = order_amount
        self.record(
            ev.CouponUsed(
                **self._event(now),
                order_id=order_id,
                discount=discount,
                order_amount=order_amount,
            )
        )
        return Outcome.DONE

    def release(self, order_id: uuid.UUID, now: dt.datetime) -> Outcome:
        """The order was cancelled before payment: back to available, or expired (CPN-12)."""
        if self.state is not CouponState.LOCKED or self.order_id != order_id:
            if self.state is CouponState.USED and self.order_id == order_id:
                raise CouponNotAvailable("this coupon was used: return it, do not release it")
            return Outcome.ALREADY
        to_state = self._reopened(now)
        self.record(
            ev.CouponReleased(
                **self._event(now),
                order_id=order_id,
                to_state=to_state.value,
            )
        )
        return Outcome.DONE

    def give_back(self, order_id: uuid.UUID, whole_order: bool, now: dt.datetime) -> Outcome:
        """The order was refunded (CPN-10): the coupon comes back only when the whole order was
        refunded and the template allows it."""
        if self.state is not CouponState.USED or self.order_id != order_id:
            if self.state is CouponState.LOCKED and self.order_id == order_id:
                raise CouponNotAvailable("this coupon was never used: release it instead")
            return Outcome.ALREADY
        if not whole_order or not self.returnable:
            return Outcome.KEPT
        discount, order_amount = self.discount, self.order_amount
        assert discount is not None
        assert order_amount is not None
        to_state = self._reopened(now)
        self.record(
            ev.CouponReturned(
                **self._event(now),
                order_id=order_id,
                to_state=to_state.value,
                discount=discount,
                order_amount=order_amount,
            )
        )
        return Outcome.DONE

    def _reopened(self, now: dt.datetime) -> CouponState:
        expired = now >= self.valid_until
        self.state = CouponState.EXPIRED if expired else CouponState.AVAILABLE
        self.order_id = None
        self.locked_at = None
        self.used_at = None
        self.discount = None
        self.order_amount = None
        self.closed_at = now if expired else None
        return self.state

    # --- housekeeping -------------------------------------------------------------------------
    def expire(self, now: dt.datetime) -> bool:
        """Write down an expiry that has happened; False when there is nothing to do."""
        if self.state is not CouponState.AVAILABLE or now < self.valid_until:
            return False
        self.state = CouponState.EXPIRED
        self.closed_at = now
        self.record(ev.CouponExpired(**self._event(now), valid_until=self.valid_until))
        return True

    def void(self, reason: str, voided_by: str, now: dt.datetime) -> Outcome:
        """An operator takes back an unused coupon."""
        if self.state is CouponState.VOIDED:
            return Outcome.ALREADY
        state = self.effective_state(now)  # CPN-12: an expired coupon is not voided
        if state is not CouponState.AVAILABLE:
            raise CouponNotAvailable(f"a {state.value} coupon cannot be voided")
        reason = reason.strip()
        if not reason or len(reason) > VOID_REASON_MAX:
            raise InvalidValue(f"say why the coupon is voided (up to {VOID_REASON_MAX} characters)")
        self.state = CouponState.VOIDED
        self.closed_at = now
        self.note = reason
        self.record(ev.CouponVoided(**self._event(now), reason=reason, voided_by=voided_by))
        return Outcome.DONE
