"""What the gift cards bring to the bus besides handlers: the export's permission and one-time
code (GC-12) and the attempt limit on self-service activation (GC-5).

Activation: wrong number/secret pairs (``giftcard.activation_failed``) are counted twice — per
user (one account guessing many cards) and per card number (many accounts guessing one card).
Either count reaching the policy's limit locks that subject out for a while
(``giftcard.too_many_attempts`` with ``retry_after_seconds``); a locked-out user or card is
refused before anything is looked at, so guessing cannot go on during a lock-out, right or wrong.
Failures are recorded after the activation rolled back; a success resets nothing (a guesser
holding one real card must not be able to launder failures with it).

Exports: ``RequestExportCode`` and ``StartExport`` need ``giftcards.export``; ``StartExport``
spends the one-time code it carries, bound to the operator who sends it and the batch, before it
runs. A refusal at either check is audited like any refused operator command.
"""

from __future__ import annotations

from typing import Final

from shop_app.giftcards.commands import (
    EXPORT_PERMISSION,
    ActivateCard,
    RequestExportCode,
    StartExport,
)
from shop_app.giftcards.errors import ActivationAttemptsExceeded
from shop_app.giftcards.exports import CODE_PURPOSE, export_code_subject
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.shared.middleware import Call, Middleware, PermissionCheck
from shop_app.shared.otp import CodeGate, OneTimeCodeCheck, OneTimeCodes
from shop_app.shared.ports import Clock
from shop_app.shared.ratelimit import (
    AttemptLimiter,
    AttemptLimiting,
    AttemptPolicy,
    AttemptRule,
    Guard,
)
from shop_domain.giftcards import numbers
from shop_domain.giftcards.errors import ActivationFailed

USER_SCOPE: Final = "giftcard.activation.user"
CARD_SCOPE: Final = "giftcard.activation.card"


def card_subject(command: ActivateCard) -> str:
    """The card number as typed, normalised (a limiter subject of at most 40 characters)."""
    return numbers.normalise_number(command.number)[:40] or "-"


def giftcard_attempt_rules(policy: GiftCardPolicy) -> dict[type, AttemptRule]:
    return {
        ActivateCard: AttemptRule(
            guards=(
                Guard(USER_SCOPE, lambda command: str(command.user_id)),
                Guard(CARD_SCOPE, card_subject),
            ),
            failure=ActivationFailed,
            policy=AttemptPolicy(
                max_failures=policy.activation_attempts,
                window=policy.activation_window,
                lockout=policy.activation_lockout,
            ),
            locked_out=ActivationAttemptsExceeded,
        )
    }


def _sender(call: Call) -> str:
    return call.actor.subject if call.actor is not None else ""


EXPORT_CODE: Final = CodeGate(
    purpose=CODE_PURPOSE,
    subject=lambda call: export_code_subject(_sender(call), call.message.batch_id),
    code=lambda command: command.code,
)


def giftcard_middlewares(
    policy: GiftCardPolicy, limiter: AttemptLimiter, clock: Clock, codes: OneTimeCodes
) -> list[Middleware]:
    """The gift cards' middlewares, for ``MessageBus(..., middlewares=...)``: the permission
    before the code (a caller without it spends no code)."""
    return [
        PermissionCheck({RequestExportCode: EXPORT_PERMISSION, StartExport: EXPORT_PERMISSION}),
        OneTimeCodeCheck(codes, clock, {StartExport: EXPORT_CODE}),
        AttemptLimiting(limiter, clock, giftcard_attempt_rules(policy)),
    ]


__all__ = [
    "CARD_SCOPE",
    "EXPORT_CODE",
    "USER_SCOPE",
    "card_subject",
    "giftcard_attempt_rules",
    "giftcard_middlewares",
]
