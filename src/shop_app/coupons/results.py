"""What the coupons' commands answer."""

from __future__ import annotations

import datetime as dt
import uuid

import attrs

from shop_app.shared import codec
from shop_domain.coupons.coupon import Coupon, Outcome


@attrs.frozen
class Acquired:
    """A coupon now in the user's wallet. ``replayed`` is true when a retry found the coupon
    the first attempt got."""

    coupon_id: uuid.UUID
    template_id: uuid.UUID
    valid_from: dt.datetime
    valid_until: dt.datetime
    replayed: bool = False

    @classmethod
    def of(cls, coupon: Coupon, *, replayed: bool = False) -> Acquired:
        return cls(coupon.id, coupon.template_id, coupon.valid_from, coupon.valid_until, replayed)


@attrs.frozen
class Refused:
    """A claim or an issue that was refused, with the stable error code."""

    code: str
    message: str
    kind: str = "conflict"


@attrs.frozen
class IssueReport:
    """CPN-3: what an ``IssueCoupons`` did for each user."""

    issued: tuple[tuple[uuid.UUID, uuid.UUID], ...]  # (user, coupon)
    already: tuple[tuple[uuid.UUID, uuid.UUID], ...]  # this campaign key gave them one before
    refused: tuple[tuple[uuid.UUID, str], ...]  # (user, error code), e.g. coupon.sold_out


@attrs.frozen
class CodeBatchStarted:
    """A batch of one-time codes was reserved and its generation job queued."""

    batch_id: uuid.UUID
    job_id: uuid.UUID
    count: int


@attrs.frozen
class CouponOutcome:
    coupon_id: uuid.UUID
    outcome: Outcome


@attrs.frozen
class OrderCoupons:
    """What an order-facing command did to each of the order's coupons."""

    order_id: uuid.UUID
    coupons: tuple[CouponOutcome, ...]


# a retried command answers its first result, stored by the bus (SEC-5)
codec.register(
    Acquired, Refused, IssueReport, CodeBatchStarted, CouponOutcome, OrderCoupons, Outcome
)
