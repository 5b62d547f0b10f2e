"""A member's verified phone (MEM, GC-5; decision 0037): proved by an SMS code, one member per
number. Gift cards an operator bound to the number then count as the member's (the gift cards
ask through their ``VerifiedPhones`` port, which the loyalty plug-in answers).

Two commands, both the customer's own:

1. :class:`RequestPhoneCode` sends a one-time code to the phone
   (:class:`RequestPhoneCodeHandler`; ``otp.too_soon`` within a minute of the last one for the
   same number). A customer is sent at most :data:`CODES_PER_USER` codes, whatever the numbers
   (5 an hour, then an hour's wait: ``member.too_many_codes``), so nobody can text strangers'
   phones through the shop. The code is bound to the user *and* the canonical number
   (:func:`phone_code_subject`), so a code sent to one phone never verifies another, nor
   another user.
2. :class:`VerifyPhone` carries the code, which the bus spends before the command runs, in the
   code store's own transaction (:func:`phone_middlewares`; a wrong one is ``otp.invalid`` and
   counted). The handler opens the member if need be, refuses a number another member holds
   (``member.phone_taken``, nothing changed — also when two verify it at once: the unique index
   decides, :meth:`~shop_app.loyalty.ports.MemberRepository.keep_phone`) and holds it in place
   of any earlier one.

Neither command takes an idempotency key (a spent code cannot be spent again), and both keep the
number and the code out of the audit log and of reprs: only the mask leaves (SEC-3).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import ClassVar, Final

import attrs

from shop_app.loyalty.ports import LoyaltyUnitOfWork
from shop_app.shared import codec
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.middleware import Middleware
from shop_app.shared.otp import Challenge, CodeGate, OneTimeCodeCheck, OneTimeCodes
from shop_app.shared.ports import Clock
from shop_app.shared.ratelimit import AttemptLimiter, AttemptPolicy, TooManyAttempts, locked_out
from shop_domain.loyalty.errors import PhoneTaken
from shop_domain.shared.phones import mask_phone, normalize_phone

CODE_PURPOSE: Final = "loyalty.phone"
SUBJECT_DIGEST: Final = 32
"""Hex digits of the number's digest in a code's subject (128 bits)."""
CODES_SENT: Final = "loyalty.phone_codes.user"
"""The limiter's scope counting the codes sent for each customer (every send counts)."""
CODES_PER_USER: Final = AttemptPolicy(
    max_failures=5, window=dt.timedelta(hours=1), lockout=dt.timedelta(hours=1)
)


class TooManyPhoneCodes(TooManyAttempts):
    """The customer was sent as many codes as an hour allows. ``details``:
    ``retry_after_seconds``, ``locked_until``."""

    code = "member.too_many_codes"


def phone_code_subject(user_id: uuid.UUID, phone: str) -> str:
    """What a phone's one-time code is bound to: the user and the canonical number (raises
    ``phone.invalid`` for what is not a number). The number goes in as a SHA-256 digest, so the
    code store keeps its promise of holding numbers masked only — a digest binds the number,
    it does not make it secret (anyone may hash every number)."""
    digest = hashlib.sha256(normalize_phone(phone).encode("ascii")).hexdigest()
    return f"{user_id}:{digest[:SUBJECT_DIGEST]}"


@attrs.frozen(kw_only=True)
class RequestPhoneCode:
    """Send a one-time code to ``phone`` for ``user_id`` to verify it. Answers the
    ``Challenge`` (the masked number, until when the code works)."""

    idempotent: ClassVar[bool] = False
    secret_fields: ClassVar[tuple[str, ...]] = ("phone",)
    user_id: uuid.UUID
    phone: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class VerifyPhone:
    """Hold ``phone`` as ``user_id``'s verified phone, with the ``code`` just sent to it (the
    bus spends it first; without one the command is refused there)."""

    idempotent: ClassVar[bool] = False
    secret_fields: ClassVar[tuple[str, ...]] = ("phone", "code")
    user_id: uuid.UUID
    phone: str = attrs.field(repr=False)
    code: str | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class PhoneHeld:
    """What :class:`VerifyPhone` answers: the number, masked, and since when it is verified."""

    phone_masked: str
    verified_at: dt.datetime


codec.register(PhoneHeld)


class RequestPhoneCodeHandler:
    """The ``RequestPhoneCode`` handler. It works in the code store's transactions and leaves the
    unit of work untouched, so the command holds no transaction while the code is stored and
    the SMS sent (the export code's pattern)."""

    def __init__(
        self,
        codes: OneTimeCodes,
        limiter: AttemptLimiter | None = None,
        policy: AttemptPolicy = CODES_PER_USER,
    ) -> None:
        self._codes = codes
        self._limiter = limiter
        self._policy = policy

    async def __call__(self, command: RequestPhoneCode, uow: LoyaltyUnitOfWork) -> Challenge:
        phone = normalize_phone(command.phone)
        subject = phone_code_subject(command.user_id, phone)
        now, user = uow.clock.now(), str(command.user_id)
        if self._limiter is not None:
            until = await self._limiter.blocked_until(CODES_SENT, user, now)
            if until is not None:
                raise locked_out(until, now, error=TooManyPhoneCodes)
        challenge = await self._codes.issue(CODE_PURPOSE, subject, phone, now)
        if self._limiter is not None:  # sent: it counts
            await self._limiter.record_failure(CODES_SENT, user, now, self._policy)
        return challenge


async def verify_phone(command: VerifyPhone, uow: LoyaltyUnitOfWork) -> PhoneHeld:
    """The code was right (the bus spent it): hold the number, unless another member does."""
    phone = normalize_phone(command.phone)
    holder = await uow.members.phone_holder(phone)
    if holder is not None and holder != command.user_id:
        raise PhoneTaken("this phone number is verified by another member")
    now = uow.clock.now()
    member = await uow.members.opened(command.user_id, now, uow.ids.new_id())
    member.verify_phone(phone, now)
    await uow.members.keep_phone(member)
    return PhoneHeld(phone_masked=mask_phone(phone), verified_at=now)


PHONE_CODE: Final = CodeGate(
    purpose=CODE_PURPOSE,
    subject=lambda call: phone_code_subject(call.message.user_id, call.message.phone),
    code=lambda command: command.code,
)


def phone_handlers(
    codes: OneTimeCodes, limiter: AttemptLimiter | None = None
) -> dict[type, CommandHandler]:
    return {RequestPhoneCode: RequestPhoneCodeHandler(codes, limiter), VerifyPhone: verify_phone}


def phone_middlewares(codes: OneTimeCodes, clock: Clock) -> list[Middleware]:
    """The code check of :class:`VerifyPhone`, for ``MessageBus(..., middlewares=...)``."""
    return [OneTimeCodeCheck(codes, clock, {VerifyPhone: PHONE_CODE})]


__all__ = [
    "CODES_PER_USER",
    "CODES_SENT",
    "CODE_PURPOSE",
    "PHONE_CODE",
    "PhoneHeld",
    "RequestPhoneCode",
    "RequestPhoneCodeHandler",
    "TooManyPhoneCodes",
    "VerifyPhone",
    "phone_code_subject",
    "phone_handlers",
    "phone_middlewares",
    "verify_phone",
]
