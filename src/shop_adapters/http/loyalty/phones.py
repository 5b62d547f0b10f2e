"""A member's verified phone over HTTP (MEM, GC-5; decision 0037).

The signed-in customer asks for a code (``POST /me/phone/code``: an SMS to the number, bound to
them and that number) and sends it back with the number (``POST /me/phone``): the number is
then theirs — gift cards an operator bound to it show in ``/me/giftcards`` and pay for them —
in place of any earlier one. A wrong, expired or used code is 403 ``otp.invalid`` and changes
nothing; a number another member verified is 409 ``member.phone_taken``; what is not a phone
number is 400 (the schema) or 422 ``phone.invalid``. Answers show the number masked. Neither
route takes an ``Idempotency-Key`` (it is not passed on: a spent code cannot be spent again,
and a retry is a new request).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from shop_adapters.http.auth import customer_only
from shop_adapters.http.giftcards.customer import user_id_of
from shop_adapters.http.problems import problem_spec
from shop_adapters.http.schemas import OneTimeCode, Phone
from shop_adapters.runtime import Runtime
from shop_app.loyalty.phones import PhoneHeld, RequestPhoneCode, VerifyPhone
from shop_app.shared.auth import Principal
from shop_app.shared.otp import Challenge

NOT_A_PHONE: Final = problem_spec("Not a phone number (`phone.invalid`)")
TOO_SOON: Final = problem_spec(
    "A code was sent to this number moments ago (`otp.too_soon`), or the caller was sent five "
    "codes this hour (`member.too_many_codes`); see `Retry-After`"
)
CODE_REFUSED: Final = problem_spec(
    "The code is wrong, expired or used up (`otp.invalid`), whatever the reason; nothing changed"
)
PHONE_TAKEN: Final = problem_spec(
    "Another member verified this number (`member.phone_taken`); nothing changed"
)


class PhoneIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    phone: Phone


class VerifyPhoneIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    phone: Phone
    code: OneTimeCode


class PhoneCodeSentOut(msgspec.Struct, frozen=True):
    """A code went by SMS to ``phone`` (masked); it works until ``expires_at``."""

    phone: str
    expires_at: dt.datetime


class PhoneOut(msgspec.Struct, frozen=True):
    """The caller's verified phone (masked), and since when."""

    phone: str
    verified_at: dt.datetime


class MemberPhoneController(Controller):
    path = "/me/phone"
    tags = ["membership"]
    guards = [customer_only]

    @post(
        "/code",
        summary="Send a code by SMS to a phone the caller wants to verify",
        description="The code works for this caller and this number only, for a few minutes; "
        "asking again for the same number within a minute is 429 `otp.too_soon`; a sixth code "
        "within an hour, to any number, is 429 `member.too_many_codes`.",
        status_code=202,
        responses={422: NOT_A_PHONE, 429: TOO_SOON},
    )
    async def request_code(
        self,
        data: JSONBody[PhoneIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> PhoneCodeSentOut:
        command = RequestPhoneCode(user_id=user_id_of(principal), phone=data.phone)
        challenge: Challenge = await runtime.bus.handle(command, actor=principal)
        return PhoneCodeSentOut(phone=challenge.phone_masked, expires_at=challenge.expires_at)

    @post(
        "",
        summary="Verify a phone with the code sent to it: it becomes the caller's",
        description="Replaces the caller's earlier verified phone, if any. Gift cards bound to "
        "the number (by an operator) then count as the caller's (GC-5).",
        status_code=200,
        responses={403: CODE_REFUSED, 409: PHONE_TAKEN, 422: NOT_A_PHONE},
    )
    async def verify(
        self,
        data: JSONBody[VerifyPhoneIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> PhoneOut:
        command = VerifyPhone(user_id=user_id_of(principal), phone=data.phone, code=data.code)
        held: PhoneHeld = await runtime.bus.handle(command, actor=principal)
        return PhoneOut(phone=held.phone_masked, verified_at=held.verified_at)


__all__ = ["MemberPhoneController"]
