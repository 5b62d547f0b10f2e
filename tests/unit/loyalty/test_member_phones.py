"""A member's verified phone (MEM-1, GC-5; decision 0037): proved by an SMS code bound to the
user and the number, one member per number, replaced by the next one verified; the event and
every answer show the number masked."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from tests.unit.loyalty.phone_support import last_code, verified

from shop_adapters.shared.sms import MemorySmsSender
from shop_adapters.shared.system import FixedClock
from shop_app.loyalty.phones import RequestPhoneCode, VerifyPhone
from shop_app.loyalty.queries import MemberReads
from shop_domain.loyalty.membership import LevelRules, Member, PhoneVerified
from shop_domain.shared.errors import DomainError
from shop_domain.shared.events import to_jsonable
from shop_domain.shared.phones import InvalidPhoneNumber
from shop_testing.harness import MemoryShop, memory_shop
from shop_testing.invariants.points import check_member_books

NOW = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
ALICE, BOB = uuid.UUID(int=0xA11CE), uuid.UUID(int=0xB0B)
OPERATOR_TYPED = "+86 138 0013 1234"
MEMBER_TYPED = "13800131234"
CANONICAL = "+8613800131234"
OTHER = "+86 139 0000 5678"

pytestmark = pytest.mark.rule("MEM-1")


# --- the aggregate ------------------------------------------------------------------------------


def test_a_member_holds_a_verified_phone_canonical_and_says_so_masked() -> None:
    member = Member.open(id=uuid.UUID(int=1), user_id=ALICE, now=NOW)
    assert member.verify_phone(MEMBER_TYPED, NOW) == CANONICAL
    assert (member.phone, member.phone_verified_at) == (CANONICAL, NOW)
    [event] = member.pull_events()
    assert isinstance(event, PhoneVerified)
    assert (event.phone_masked, event.replaced) == ("*********1234", False)
    assert "0013" not in json.dumps(to_jsonable(event), default=str)  # never the whole number
    later = NOW + dt.timedelta(days=3)
    member.verify_phone(OTHER, later)
    assert (member.phone, member.phone_verified_at) == ("+8613900005678", later)
    assert member.pull_events()[0].replaced is True
    check_member_books(member, LevelRules())


def test_what_is_not_a_phone_number_changes_nothing() -> None:
    member = Member.open(id=uuid.UUID(int=1), user_id=ALICE, now=NOW)
    with pytest.raises(InvalidPhoneNumber):
        member.verify_phone("138-0013-12x4", NOW)
    assert (member.phone, member.phone_verified_at, member.pull_events()) == (None, None, [])


# --- through a runtime ------------------------------------------------------------------------


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(clock=FixedClock(NOW))
    yield made
    await made.close()


async def refusal(shop: MemoryShop, command: object) -> str:
    with pytest.raises(DomainError) as refused:
        await shop.runtime.bus.handle(command)
    return refused.value.code


async def phone_of(shop: MemoryShop, user: uuid.UUID) -> str | None:
    held = await shop.runtime.get(MemberReads).phone_of(user)
    return None if held is None else held[0]


async def test_the_code_sent_to_a_phone_makes_it_the_members(shop: MemoryShop) -> None:
    challenge = await shop.runtime.bus.handle(RequestPhoneCode(user_id=ALICE, phone=MEMBER_TYPED))
    assert (challenge.phone_masked, challenge.expires_at) == (
        "*********1234",
        NOW + dt.timedelta(minutes=5),
    )
    assert CANONICAL not in challenge.subject  # the code store never holds the whole number
    held = await shop.runtime.bus.handle(
        VerifyPhone(user_id=ALICE, phone=OPERATOR_TYPED, code=last_code(shop, CANONICAL))
    )
    assert (held.phone_masked, held.verified_at) == ("*********1234", NOW)
    assert await shop.runtime.get(MemberReads).phone_of(ALICE) == (CANONICAL, NOW)
    [message] = await shop.outbox()
    assert message.type == "loyalty.member_phone_verified"
    assert message.payload["phone_masked"] == "*********1234"
    assert "0013" not in json.dumps(message.payload)


async def test_a_wrong_code_or_one_sent_elsewhere_verifies_nothing(shop: MemoryShop) -> None:
    bus = shop.runtime.bus
    await bus.handle(RequestPhoneCode(user_id=ALICE, phone=MEMBER_TYPED))
    code = last_code(shop, CANONICAL)
    wrong = "000000" if code != "000000" else "111111"
    assert await refusal(shop, VerifyPhone(user_id=ALICE, phone=MEMBER_TYPED, code=wrong)) == (
        "otp.invalid"
    )
    # the code of one number does not verify another, nor serve another user
    assert await refusal(shop, VerifyPhone(user_id=ALICE, phone=OTHER, code=code)) == "otp.invalid"
    assert await refusal(shop, VerifyPhone(user_id=BOB, phone=MEMBER_TYPED, code=code)) == (
        "otp.invalid"
    )
    assert await refusal(shop, VerifyPhone(user_id=ALICE, phone=MEMBER_TYPED)) == "otp.invalid"
    assert (await phone_of(shop, ALICE), await phone_of(shop, BOB)) == (None, None)
    assert await shop.outbox() == []
    # the right code still works: one wrong try is not five
    await bus.handle(VerifyPhone(user_id=ALICE, phone=MEMBER_TYPED, code=code))
    assert await phone_of(shop, ALICE) == CANONICAL


async def test_a_number_another_member_holds_is_refused_and_nothing_changes(
    shop: MemoryShop,
) -> None:
    await verified(shop, ALICE, MEMBER_TYPED)
    await verified(shop, BOB, OTHER)
    bus = shop.runtime.bus
    await bus.handle(RequestPhoneCode(user_id=BOB, phone=OPERATOR_TYPED))
    taken = VerifyPhone(user_id=BOB, phone=OPERATOR_TYPED, code=last_code(shop, CANONICAL))
    assert await refusal(shop, taken) == "member.phone_taken"
    assert (await phone_of(shop, ALICE), await phone_of(shop, BOB)) == (CANONICAL, "+8613900005678")
    # verifying one's own number again is no clash: it renews the moment
    shop.clock.advance(days=1)
    await verified(shop, ALICE, OPERATOR_TYPED)
    held = await shop.runtime.get(MemberReads).phone_of(ALICE)
    assert held is not None
    assert held[1] > NOW + dt.timedelta(days=1)


async def test_a_new_number_replaces_the_old_which_another_member_may_then_verify(
    shop: MemoryShop,
) -> None:
    await verified(shop, ALICE, MEMBER_TYPED)
    await verified(shop, ALICE, OTHER)
    assert await phone_of(shop, ALICE) == "+8613900005678"
    await verified(shop, BOB, MEMBER_TYPED)
    assert await phone_of(shop, BOB) == CANONICAL


async def test_codes_are_not_sent_too_often_nor_to_what_is_not_a_number(shop: MemoryShop) -> None:
    await shop.runtime.bus.handle(RequestPhoneCode(user_id=ALICE, phone=MEMBER_TYPED))
    again = RequestPhoneCode(user_id=ALICE, phone=OPERATOR_TYPED)  # the same number
    assert await refusal(shop, again) == "otp.too_soon"
    assert await refusal(shop, RequestPhoneCode(user_id=ALICE, phone="12-34")) == "phone.invalid"
    not_a_number = VerifyPhone(user_id=ALICE, phone="call me", code="123456")
    assert await refusal(shop, not_a_number) == "phone.invalid"
    sender = shop.runtime.sms
    assert isinstance(sender, MemorySmsSender)
    assert [sms.phone for sms in sender.sent] == [CANONICAL]


async def test_a_customer_is_sent_five_codes_an_hour_whatever_the_numbers(
    shop: MemoryShop,
) -> None:
    """Nobody texts strangers' phones through the shop: the sixth code within the hour is
    refused, to any number, and sends nothing; an hour on, codes go out again."""
    numbers = [f"1380013{n:04d}" for n in range(7)]
    for number in numbers[:5]:
        await shop.runtime.bus.handle(RequestPhoneCode(user_id=ALICE, phone=number))
        shop.clock.advance(seconds=1)
    for number in numbers[5:]:
        assert (
            await refusal(shop, RequestPhoneCode(user_id=ALICE, phone=number))
            == "member.too_many_codes"
        )
    await shop.runtime.bus.handle(RequestPhoneCode(user_id=BOB, phone=numbers[6]))  # another's own
    sender = shop.runtime.sms
    assert isinstance(sender, MemorySmsSender)
    assert len(sender.sent) == 6
    shop.clock.advance(hours=1)
    await shop.runtime.bus.handle(RequestPhoneCode(user_id=ALICE, phone=numbers[5]))
    assert len(sender.sent) == 7
