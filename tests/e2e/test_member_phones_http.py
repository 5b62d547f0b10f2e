"""A member's verified phone over HTTP, and the gift cards bound to it (GC-5, MEM-1, SEC-1):
the code goes by SMS to the number; a wrong one is refused and changes nothing; the verified
number shows masked in ``/me/membership``; a card an operator bound to it is then the member's —
listed, readable and paid with — and nobody else's; one member per number; bad input is a 4xx
with a stable code."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.giftcard_http_support import (
    ALL_PERMISSIONS,
    VANITY,
    Client,
    GiftWorld,
    build_world,
    card_by_number,
    customer,
    giftcard_settings,
    given_batch,
    ok,
    operator,
    problem,
    yuan,
)

from shop_adapters.http.giftcards import GIFTCARD_CONTROLLERS
from shop_adapters.http.loyalty import LOYALTY_CONTROLLERS

OPERATOR_TYPED = "+86 138 0013 1234"
MEMBER_TYPED = "13800131234"
CANONICAL = "+8613800131234"
MASKED = "*********1234"
OTHER_PHONE = "139 0000 5678"

pytestmark = [pytest.mark.rule("GC-5"), pytest.mark.rule("MEM-1")]


@pytest.fixture
def world(tmp_path: Path) -> GiftWorld:
    """The whole shop in memory (loyalty and gift cards), its SMS in a list."""
    return build_world(giftcard_settings(tmp_path))


@pytest.fixture
async def client(world: GiftWorld) -> AsyncIterator[Client]:
    with seated_app(world.runtime, [*LOYALTY_CONTROLLERS, *GIFTCARD_CONTROLLERS]) as app:
        async with AsyncTestClient(app) as client:
            yield client


@pytest.fixture
def admin(world: GiftWorld) -> dict[str, str]:
    return operator(world.settings, *ALL_PERMISSIONS, subject="op-admin")


async def send_code(client: Client, who: dict[str, str], phone: str) -> Any:
    return await client.post("/me/phone/code", json={"phone": phone}, headers=who)


async def verify(client: Client, who: dict[str, str], phone: str, code: str) -> Any:
    return await client.post("/me/phone", json={"phone": phone, "code": code}, headers=who)


async def verified(client: Client, world: GiftWorld, who: dict[str, str], phone: str) -> None:
    ok(await send_code(client, who, phone), 202)
    sent = world.sms.sent[-1].phone
    ok(await verify(client, who, phone, world.last_code(sent)))
    world.clock.advance(seconds=61)


async def phone_card(client: Client, admin: dict[str, str]) -> str:
    """A card of an open batch, bound by an operator to :data:`OPERATOR_TYPED`; its id."""
    batch_id = await given_batch(client, admin)
    card_id: str = (await card_by_number(client, admin, batch_id, VANITY[0]))["id"]
    bound = ok(
        await client.post(
            f"/giftcards/cards/{card_id}/bind", json={"phone": OPERATOR_TYPED}, headers=admin
        ),
        201,
    )
    assert (bound["phone"], bound["user_id"]) == (CANONICAL, None)
    return card_id


async def pay(client: Client, admin: dict[str, str], user: uuid.UUID, card_id: str) -> Any:
    body = {
        "order_id": str(uuid.uuid4()),
        "user_id": str(user),
        "amount": "30.00",
        "currency": "CNY",
        "card_ids": [card_id],
    }
    return await client.post("/giftcards/payments", json=body, headers=admin)


async def my_card_ids(client: Client, who: dict[str, str]) -> list[str]:
    page = ok(await client.get("/me/giftcards", headers=who))
    return [card["id"] for card in page["items"]]


async def test_a_code_by_sms_verifies_the_number_which_shows_masked(
    client: Client, world: GiftWorld
) -> None:
    alice = customer(world.settings, uuid.uuid4())
    sent = ok(await send_code(client, alice, MEMBER_TYPED), 202)
    assert sent["phone"] == MASKED
    assert [sms.phone for sms in world.sms.sent] == [CANONICAL]
    code = world.last_code(CANONICAL)
    assert code not in str(sent)
    problem(await send_code(client, alice, MEMBER_TYPED), 429, "otp.too_soon")

    wrong = "000000" if code != "000000" else "111111"
    problem(await verify(client, alice, MEMBER_TYPED, wrong), 403, "otp.invalid")
    problem(await verify(client, alice, OTHER_PHONE, code), 403, "otp.invalid")  # another number
    membership = ok(await client.get("/me/membership", headers=alice))
    assert (membership["phone"], membership["phone_verified_at"]) == (None, None)

    # the same number, spelt so; an Idempotency-Key is not passed on (a code is spent once)
    keyed = {**alice, "Idempotency-Key": "verify-1"}
    held = ok(await verify(client, keyed, OPERATOR_TYPED, code))
    assert held == {"phone": MASKED, "verified_at": held["verified_at"]}
    membership = ok(await client.get("/me/membership", headers=alice))
    assert (membership["phone"], membership["phone_verified_at"]) == (
        MASKED,
        held["verified_at"],
    )
    problem(await verify(client, alice, MEMBER_TYPED, code), 403, "otp.invalid")  # spent


async def test_a_card_bound_to_the_number_is_the_members_and_nobody_elses(
    client: Client, world: GiftWorld, admin: dict[str, str]
) -> None:
    card_id = await phone_card(client, admin)
    alice_id, bob_id = uuid.uuid4(), uuid.uuid4()
    alice, bob = customer(world.settings, alice_id), customer(world.settings, bob_id)
    assert await my_card_ids(client, alice) == []
    problem(await pay(client, admin, alice_id, card_id), 403, "giftcard.not_owner")

    await verified(client, world, alice, MEMBER_TYPED)
    await verified(client, world, bob, OTHER_PHONE)
    assert await my_card_ids(client, alice) == [card_id]
    mine = ok(await client.get(f"/me/giftcards/{card_id}", headers=alice))
    assert (mine["balance"], mine["usable"]) == (yuan("100.00"), True)
    assert await my_card_ids(client, bob) == []
    problem(
        await client.get(f"/me/giftcards/{card_id}", headers=bob), 404, "giftcard.card_not_found"
    )

    problem(await pay(client, admin, bob_id, card_id), 403, "giftcard.not_owner")
    charged = ok(await pay(client, admin, alice_id, card_id), 201)
    assert charged["charges"][0]["balance"] == yuan("70.00")
    [usage] = ok(await client.get(f"/me/giftcards/{card_id}/usages", headers=alice))["items"]
    assert (usage["amount"], "phone" in usage) == (yuan("30.00"), False)
    [record] = ok(await client.get("/giftcards/usages", headers=admin))["items"]
    assert (record["user_id"], record["phone"]) == (str(alice_id), CANONICAL)
    problem(
        await client.get(f"/me/giftcards/{card_id}/usages", headers=bob),
        404,
        "giftcard.card_not_found",
    )

    # bob cannot take alice's number; once she moves to another, he may
    world.clock.advance(seconds=61)
    ok(await send_code(client, bob, OPERATOR_TYPED), 202)
    problem(
        await verify(client, bob, OPERATOR_TYPED, world.last_code(CANONICAL)),
        409,
        "member.phone_taken",
    )
    assert await my_card_ids(client, bob) == []
    assert ok(await client.get("/me/membership", headers=bob))["phone"] == "*********5678"
    await verified(client, world, alice, "137 0000 0001")
    assert await my_card_ids(client, alice) == []
    await verified(client, world, bob, MEMBER_TYPED)
    assert await my_card_ids(client, bob) == [card_id]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"phone": "call me maybe"}, 400, "request.invalid"),
        ({"phone": "1234"}, 400, "request.invalid"),
        ({"phone": "+0 000 0000"}, 422, "phone.invalid"),
        ({"phone": MEMBER_TYPED, "extra": 1}, 400, "request.invalid"),
        ({}, 400, "request.invalid"),
    ],
)
async def test_what_is_not_a_phone_number_is_refused_and_nothing_is_sent(
    client: Client, world: GiftWorld, body: Any, status: int, code: str
) -> None:
    alice = customer(world.settings, uuid.uuid4())
    problem(await client.post("/me/phone/code", json=body, headers=alice), status, code)
    problem(
        await client.post("/me/phone", json={**body, "code": "123456"}, headers=alice),
        status,
        code,
    )
    assert world.sms.sent == []


async def test_only_a_customer_verifies_a_phone_and_only_their_own(
    client: Client, world: GiftWorld, admin: dict[str, str]
) -> None:
    problem(await send_code(client, admin, MEMBER_TYPED), 403, "auth.customer_only")
    assert (await client.post("/me/phone/code", json={"phone": MEMBER_TYPED})).status_code == 401
    alice, bob = customer(world.settings, uuid.uuid4()), customer(world.settings, uuid.uuid4())
    ok(await send_code(client, alice, MEMBER_TYPED), 202)
    # the code alice received does not verify the number for bob
    problem(await verify(client, bob, MEMBER_TYPED, world.last_code(CANONICAL)), 403, "otp.invalid")
    assert ok(await client.get("/me/membership", headers=bob))["phone"] is None
