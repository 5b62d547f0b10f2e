"""What the coupons bring to the bus besides handlers: claim batching (CPN-2) and the attempt
limit on codes (CPN-4).

Wrong codes are rate-limited per user: a locked-out user is refused before the code is even
looked at (so guessing cannot go on during a lock-out, right or wrong); each wrong code
(``coupon.code_invalid``) is counted after the redemption rolled back; a right code does not
reset the count (a guesser who knows one valid code must not be able to launder failures with
it). A lock-out answers ``coupon.code_attempts_exceeded`` with ``retry_after_seconds``.
"""

from __future__ import annotations

from typing import Final

from shop_app.coupons.claiming import claim_batching
from shop_app.coupons.commands import RedeemCode
from shop_app.coupons.errors import CodeAttemptsExceeded
from shop_app.coupons.policy import CouponPolicy
from shop_app.shared.middleware import Middleware
from shop_app.shared.ports import Clock
from shop_app.shared.ratelimit import (
    AttemptLimiter,
    AttemptLimiting,
    AttemptPolicy,
    AttemptRule,
    Guard,
)
from shop_domain.coupons.errors import CodeNotFound

CODE_ATTEMPTS: Final = "coupon.code"
"""The limiter scope of wrong codes; the subject is the user id."""


def coupon_attempt_rules(policy: CouponPolicy) -> dict[type, AttemptRule]:
    return {
        RedeemCode: AttemptRule(
            guards=(Guard(CODE_ATTEMPTS, lambda command: str(command.user_id)),),
            failure=CodeNotFound,
            policy=AttemptPolicy(
                max_failures=policy.code_attempts,
                window=policy.code_attempt_window,
                lockout=policy.code_lockout,
            ),
            locked_out=CodeAttemptsExceeded,
        )
    }


def coupon_middlewares(
    policy: CouponPolicy, limiter: AttemptLimiter, clock: Clock, *, claim_batch: int = 200
) -> list[Middleware]:
    """The coupons' middlewares, for ``MessageBus(..., middlewares=...)``."""
    return [
        claim_batching(claim_batch),
        AttemptLimiting(limiter, clock, coupon_attempt_rules(policy)),
    ]


__all__ = ["CODE_ATTEMPTS", "coupon_attempt_rules", "coupon_middlewares"]
