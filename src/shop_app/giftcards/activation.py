"""Self-service activation with brute force locked out (GC-5).

Wrong number/secret pairs are counted twice: per user (one account guessing many cards) and per
card number (many accounts guessing one card). Either count reaching the policy's limit locks
that subject out for a while; a locked-out user or card is refused before anything is looked at,
so guessing cannot go on during a lock-out, right or wrong. Failures are recorded in short
transactions of their own, since the activation itself rolls back; a success resets nothing (a
guesser holding one real card must not be able to launder failures with it).
"""

from __future__ import annotations

import uuid

from shop_app.giftcards.commands import ActivateCard
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ports import Clock
from shop_app.shared.ratelimit import AttemptLimiter, AttemptPolicy
from shop_domain.giftcards import numbers
from shop_domain.giftcards.errors import ActivationFailed

USER_SCOPE = "giftcard.activation.user"
CARD_SCOPE = "giftcard.activation.card"
TOO_MANY = "giftcard.too_many_attempts"


class CardActivator:
    def __init__(
        self, bus: MessageBus, limiter: AttemptLimiter, clock: Clock, policy: GiftCardPolicy
    ) -> None:
        self._bus = bus
        self._limiter = limiter
        self._clock = clock
        self._policy = AttemptPolicy(
            max_failures=policy.activation_attempts,
            window=policy.activation_window,
            lockout=policy.activation_lockout,
        )

    async def activate(
        self, command: ActivateCard, *, idempotency_key: str | None = None, owner: str = ""
    ) -> uuid.UUID:
        user = str(command.user_id)
        card = numbers.normalise_number(command.number)[:40] or "-"
        now = self._clock.now()
        await self._limiter.check(USER_SCOPE, user, now, code=TOO_MANY)
        await self._limiter.check(CARD_SCOPE, card, now, code=TOO_MANY)
        try:
            card_id: uuid.UUID = await self._bus.handle(
                command, idempotency_key=idempotency_key, idempotency_owner=owner
            )
        except ActivationFailed:
            now = self._clock.now()
            await self._limiter.record_failure(USER_SCOPE, user, now, self._policy)
            await self._limiter.record_failure(CARD_SCOPE, card, now, self._policy)
            raise
        return card_id
