"""The coupons' services beyond single commands, bundled for the adapters that serve them."""

from __future__ import annotations

import attrs

from shop_app.coupons.claiming import ClaimBatcher
from shop_app.coupons.codegen import CodeGenerator
from shop_app.coupons.commands import RedeemCode
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.queries import CouponQueries
from shop_app.coupons.results import Acquired
from shop_app.coupons.segments import SegmentIssuer
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ports import Clock
from shop_app.shared.ratelimit import AttemptLimiter, AttemptPolicy
from shop_domain.coupons.errors import CodeNotFound

CODE_ATTEMPTS = "coupon.code"
"""The limiter scope of wrong codes; the subject is the user id."""

ATTEMPTS_EXCEEDED = "coupon.code_attempts_exceeded"


class CodeRedeemer:
    """CPN-4: redeeming codes, with wrong codes rate-limited per user.

    A locked-out user is refused before the code is even looked at (so guessing cannot go on
    during a lock-out, right or wrong); each wrong code is counted in its own transaction, since
    the redemption itself rolls back; a right code does not reset the count (a guesser who
    knows one valid code must not be able to launder failures with it).
    """

    def __init__(
        self, bus: MessageBus, limiter: AttemptLimiter, clock: Clock, policy: CouponPolicy
    ) -> None:
        self._bus = bus
        self._limiter = limiter
        self._clock = clock
        self._policy = AttemptPolicy(
            max_failures=policy.code_attempts,
            window=policy.code_attempt_window,
            lockout=policy.code_lockout,
        )

    async def redeem(
        self, command: RedeemCode, *, idempotency_key: str | None = None, owner: str = ""
    ) -> Acquired:
        subject = str(command.user_id)
        await self._limiter.check(CODE_ATTEMPTS, subject, self._clock.now(), code=ATTEMPTS_EXCEEDED)
        try:
            result: Acquired = await self._bus.handle(
                command, idempotency_key=idempotency_key, idempotency_owner=owner
            )
        except CodeNotFound:
            await self._limiter.record_failure(
                CODE_ATTEMPTS, subject, self._clock.now(), self._policy
            )
            raise
        return result


@attrs.define(eq=False)
class CouponServices:
    """What the HTTP service, the CLI and embedders use besides the bus."""

    queries: CouponQueries
    claims: ClaimBatcher
    redeemer: CodeRedeemer
    generator: CodeGenerator
    segments: SegmentIssuer
    policy: CouponPolicy
