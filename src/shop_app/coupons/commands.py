"""Commands of the coupons context: one per use case, each handled by one handler."""

from __future__ import annotations

import uuid
from typing import ClassVar

import attrs

from shop_domain.coupons.template import TemplateDefinition
from shop_domain.shared.money import Money

# --- templates (operator) ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CreateTemplate:
    definition: TemplateDefinition
    created_by: str


@attrs.frozen(kw_only=True)
class EditTemplate:
    template_id: uuid.UUID
    definition: TemplateDefinition


@attrs.frozen(kw_only=True)
class ActivateTemplate:
    template_id: uuid.UUID


@attrs.frozen(kw_only=True)
class PauseTemplate:
    template_id: uuid.UUID


@attrs.frozen(kw_only=True)
class EndTemplate:
    template_id: uuid.UUID


# --- handing coupons out ----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ClaimCoupon:
    """CPN-2: a signed-in user claims one coupon. ``key`` (the client's idempotency key) makes a
    retry return the coupon of the first attempt. The bus may decide it together with other
    claims of its template (``ClaimBatch``, see ``shop_app.coupons.claiming``); a refused claim
    raises ``ClaimRefused`` with the rule's code."""

    template_id: uuid.UUID
    user_id: uuid.UUID
    key: str | None = None


@attrs.frozen(kw_only=True)
class ClaimBatch:
    """Many claims of one template decided in one transaction (what the bus's claim batching
    sends; see ``shop_app.coupons.claiming``). Answers one ``Acquired`` or ``Refused`` per claim,
    in order."""

    template_id: uuid.UUID
    claims: tuple[ClaimCoupon, ...]


@attrs.frozen(kw_only=True)
class IssueCoupons:
    """CPN-3: an operator or a system trigger gives one coupon to each user, idempotent per
    (campaign key, user): a user who already got one for this campaign key is skipped."""

    template_id: uuid.UUID
    campaign_key: str
    user_ids: tuple[uuid.UUID, ...]
    issued_by: str


@attrs.frozen(kw_only=True)
class IssueSegment:
    """CPN-3: issue the template to a staged segment of users (``SegmentIssuer.stage``), as a
    job queued in this command's transaction once the template is found active and issuable.
    Idempotent per (campaign key, user), like ``IssueCoupons``. Answers the job's id."""

    template_id: uuid.UUID
    campaign_key: str
    segment_id: uuid.UUID
    users: int
    issued_by: str


@attrs.frozen(kw_only=True)
class RedeemCode:
    """CPN-4: a user enters a code (the template's shared code or a one-time code). Wrong codes
    are counted per user; too many lock the user out (the bus's attempt limiting, see
    ``shop_app.coupons.middlewares``)."""

    user_id: uuid.UUID
    code: str
    key: str | None = None
    secret_fields: ClassVar[tuple[str, ...]] = ("code",)


@attrs.frozen(kw_only=True)
class ReserveCodeBatch:
    """Set aside ``count`` one-time codes on a template and queue the job that generates them
    (``GENERATE_CODES``), in one transaction."""

    template_id: uuid.UUID
    count: int
    created_by: str


@attrs.frozen(kw_only=True)
class VoidCoupon:
    coupon_id: uuid.UUID
    reason: str
    voided_by: str


# --- order-facing (the ordering context calls these) -----------------------------------------


@attrs.frozen(kw_only=True)
class LockCoupons:
    """At order submission: lock every coupon to the order, or none (CPN-5)."""

    order_id: uuid.UUID
    user_id: uuid.UUID
    coupon_ids: tuple[uuid.UUID, ...]


@attrs.frozen(kw_only=True)
class CouponUse:
    coupon_id: uuid.UUID
    discount: Money


@attrs.frozen(kw_only=True)
class UseCoupons:
    """At payment: the order's locked coupons are used, each with the discount it gave
    (CPN-9 logs it). ``order_amount`` is what the order came to (for GMV, CPN-11)."""

    order_id: uuid.UUID
    uses: tuple[CouponUse, ...]
    order_amount: Money


@attrs.frozen(kw_only=True)
class ReleaseCoupons:
    """The order was cancelled before payment: its coupons come back (or expire, CPN-12)."""

    order_id: uuid.UUID


@attrs.frozen(kw_only=True)
class ReturnCoupons:
    """The order was refunded. Coupons come back only when ``whole_order`` is true and their
    template's policy allows it; a partial refund never returns a coupon (CPN-10)."""

    order_id: uuid.UUID
    whole_order: bool


# --- housekeeping -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ExpireCoupons:
    """CPN-12: write down up to ``limit`` expiries that have happened (a sweep step)."""

    limit: int = 1000
