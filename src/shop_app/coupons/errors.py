"""Errors the coupons' application layer raises (the domain's own are in
:mod:`shop_domain.coupons.errors`). Each code is defined here once."""

from __future__ import annotations

from shop_app.coupons.results import Refused
from shop_app.shared.ratelimit import TooManyAttempts
from shop_domain.coupons.errors import InvalidTemplate
from shop_domain.shared.errors import DomainError, InvalidValue


class ClaimRefused(DomainError):
    """A claim the template refused; ``code`` is the rule's (``coupon.sold_out``…)."""

    code = "coupon.claim_refused"
    kind = "conflict"

    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.message, code=refused.code)
        self.kind = refused.kind  # type: ignore[misc]


class CodeAttemptsExceeded(TooManyAttempts):
    """CPN-4: too many wrong codes lately; the user is locked out for a while."""

    code = "coupon.code_attempts_exceeded"


class PublicCodeTaken(InvalidTemplate):
    """Another template already uses this public code."""

    code = "coupon.public_code_taken"


class InvalidCouponList(InvalidValue):
    """The coupons of an order-facing command are not a list of distinct coupons within the
    policy's limit."""

    code = "coupon.invalid_coupon_list"


class CodesStalled(InvalidValue):
    """Code generation makes no progress (every drawn code collides)."""

    code = "coupon.codes_stalled"


class SegmentInvalid(InvalidValue):
    """A line of a segment file is not a user id (``details["line"]`` says which)."""

    code = "coupon.segment_invalid"


class SegmentTooBig(InvalidValue):
    code = "coupon.segment_too_big"


class SegmentEmpty(InvalidValue):
    code = "coupon.segment_empty"


class InvalidStateFilter(InvalidValue):
    """A wallet filter names no coupon state."""

    code = "coupon.invalid_state_filter"


__all__ = [
    "ClaimRefused",
    "CodeAttemptsExceeded",
    "CodesStalled",
    "InvalidCouponList",
    "InvalidStateFilter",
    "PublicCodeTaken",
    "SegmentEmpty",
    "SegmentInvalid",
    "SegmentTooBig",
]
