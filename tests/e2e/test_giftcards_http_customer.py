"""Gift cards as their holders use them, through the API: self-service activation with
brute force locked out (GC-5), the caller's cards and payments, binding a card bought online
(GC-6), acting on one's own cards only (SEC-1), bad input (SEC-4) and retries (SEC-5)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.giftcard_http_support import (
    ALL_PERMISSIONS,
    ATTEMPTS,
    VANITY,
    Client,
    GiftWorld,
    bind,
    build_world,
    card_by_number,
    create_batch,
    customer,
    footprint,
    get_card,
    giftcard_settings,
    given_batch,
    ok,
    operator,
    problem,
    reveal,
    seated_app_for,
    with_key,
)

from shop_adapters.settings import Settings

ZERO = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return giftcard_settings(tmp_path)


@pytest.fixture
def world(settings: Settings) -> GiftWorld:
    return build_world(settings)


@pytest.fixture
async def client(world: GiftWorld) -> AsyncIterator[Client]:
    with seated_app_for(world) as app:
        async with AsyncTestClient(app) as client:
            yield client


@pytest.fixture
def admin(settings: Settings) -> dict[str, str]:
    return operator(settings, *ALL_PERMISSIONS, subject="op-admin")


@pytest.fixture
def alice_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def alice(settings: Settings, alice_id: uuid.UUID) -> dict[str, str]:
    return customer(settings, alice_id)


@pytest.fixture
def bob(settings: Settings) -> dict[str, str]:
    return customer(settings, uuid.uuid4())


@pytest.fixture
async def printed(client: Client, admin: dict[str, str]) -> dict[str, dict[str, Any]]:
    """An open batch of physical cards: number → ``{"id", "number", "secret"}``."""
    batch_id = await given_batch(client, admin)
    cards = {}
    for number in VANITY:
        card = await card_by_number(client, admin, batch_id, number)
        cards[number] = {
            "id": card["id"],
            "number": number,
            "secret": await reveal(client, admin, card["id"]),
            "batch_id": batch_id,
        }
    return cards


async def activate(
    client: Client, headers: dict[str, str], number: str, secret: str, key: str | None = None
) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    return await client.post(
        "/giftcards/activate",
        json={"number": number, "secret": secret},
        headers={**headers, **extra},
    )


def wrong(secret: str) -> str:
    """Another secret of the same shape."""
    return ("A" if secret[0] != "A" else "B") + secret[1:]


async def my_cards(client: Client, headers: dict[str, str], path: str = "") -> dict[str, Any]:
    page: dict[str, Any] = ok(await client.get(f"/me/giftcards{path}", headers=headers))
    return page


# --- self-service activation (GC-5) -----------------------------------------------------------


@pytest.mark.rule("GC-5")
@pytest.mark.rule("GC-9")
@pytest.mark.rule("SEC-5")
async def test_a_customer_activates_a_card_with_its_number_and_secret(
    client: Client,
    admin: dict[str, str],
    alice: dict[str, str],
    alice_id: uuid.UUID,
    printed: dict[str, dict[str, Any]],
) -> None:
    card = printed[VANITY[0]]
    # typed as printed: spaces, dashes and case do not matter
    typed_number = " ".join(card["number"][i : i + 4] for i in range(0, 12, 4))
    typed_secret = "-".join(card["secret"][i : i + 4] for i in range(0, 16, 4)).lower()
    response = await activate(client, alice, typed_number, typed_secret, key="act-1")
    mine = ok(response, 201)
    assert response.headers["location"] == f"/me/giftcards/{card['id']}"
    assert mine == {
        **mine,
        "id": card["id"],
        "number": card["number"],
        "name": "Spring ¥100",
        "kind": "physical",
        "face_value": {"amount": "100.00", "currency": "CNY"},
        "balance": {"amount": "100.00", "currency": "CNY"},
        "state": "activated",
        "usable": True,
    }
    assert "secret" not in mine
    assert card["secret"] not in response.text

    # a retry with the same key answers the first outcome
    again = await activate(client, alice, typed_number, typed_secret, key="act-1")
    assert ok(again, 201) == mine
    records = ok(await client.get("/giftcards/activations", headers=admin))["items"]
    assert [(r["card_id"], r["via"], r["actor"], r["user_id"]) for r in records] == [
        (card["id"], "self", f"user:{alice_id}", str(alice_id))
    ]
    assert (await get_card(client, admin, card["id"]))["activated_by"] == "self"
    # without the key, the card is simply activated already
    problem(
        await activate(client, alice, card["number"], card["secret"]),
        409,
        "giftcard.already_activated",
    )

    page = await my_cards(client, alice)
    assert ([c["id"] for c in page["items"]], page["total"]) == ([card["id"]], 1)


@pytest.mark.rule("GC-5")
@pytest.mark.rule("GC-3")
async def test_a_card_of_a_batch_not_open_is_not_activated(
    client: Client, admin: dict[str, str], alice: dict[str, str], world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin, open_it=False)
    card = await card_by_number(client, admin, batch_id, VANITY[0])
    secret = await reveal(client, admin, card["id"])
    before = await footprint(client, admin, world)
    problem(await activate(client, alice, VANITY[0], secret), 409, "giftcard.batch_not_open")
    assert await footprint(client, admin, world) == before
    world.clock.advance(seconds=1)
    ok(await client.post(f"/giftcards/batches/{batch_id}/open", headers=admin))
    world.clock.advance(days=366)
    problem(await activate(client, alice, VANITY[0], secret), 409, "giftcard.expired")


@pytest.mark.rule("GC-5")
@pytest.mark.rule("SEC-4")
async def test_wrong_pairs_get_one_answer_and_bad_input_is_refused(
    client: Client,
    admin: dict[str, str],
    alice: dict[str, str],
    printed: dict[str, dict[str, Any]],
    world: GiftWorld,
) -> None:
    card = printed[VANITY[0]]
    before = await footprint(client, admin, world)
    wrong_secret = problem(
        await activate(client, alice, card["number"], wrong(card["secret"])),
        404,
        "giftcard.activation_failed",
    )
    wrong_number = problem(
        await activate(client, alice, "123412341234", card["secret"]),
        404,
        "giftcard.activation_failed",
    )
    assert wrong_secret["detail"] == wrong_number["detail"]  # nothing tells them apart
    assert card["secret"] not in str(wrong_number)
    for body in (
        {"number": card["number"]},
        {"secret": card["secret"]},
        {"number": "", "secret": "x"},
        {"number": card["number"], "secret": "x" * 65},
        {"number": card["number"], "secret": card["secret"], "user_id": str(uuid.uuid4())},
    ):
        problem(
            await client.post("/giftcards/activate", json=body, headers=alice),
            400,
            "request.invalid",
        )
    assert await footprint(client, admin, world) == before


@pytest.mark.rule("GC-5")
async def test_guessing_secrets_locks_the_user_out_even_for_the_right_secret(
    client: Client,
    admin: dict[str, str],
    alice: dict[str, str],
    printed: dict[str, dict[str, Any]],
    world: GiftWorld,
) -> None:
    target, other = printed[VANITY[0]], printed[VANITY[1]]
    # one account guessing many cards: a wrong pair on each
    for number in VANITY[: ATTEMPTS - 1]:
        problem(
            await activate(client, alice, number, wrong(printed[number]["secret"])),
            404,
            "giftcard.activation_failed",
        )
    problem(
        await activate(client, alice, "999999999999", target["secret"]),
        404,
        "giftcard.activation_failed",
    )
    before = await footprint(client, admin, world)
    locked = problem(
        await activate(client, alice, target["number"], target["secret"]),
        429,
        "giftcard.too_many_attempts",
    )
    response = await activate(client, alice, other["number"], other["secret"])
    problem(response, 429, "giftcard.too_many_attempts")
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 30 * 60
    assert "retry_after_seconds" in locked["details"]
    assert await footprint(client, admin, world) == before
    assert (await get_card(client, admin, target["id"]))["state"] == "pending"

    # the lock-out ends; then the right pair works
    world.clock.advance(seconds=retry_after + 1)
    ok(await activate(client, alice, target["number"], target["secret"]), 201)


@pytest.mark.rule("GC-5")
async def test_guessing_one_card_from_many_accounts_locks_the_card_out(
    client: Client,
    admin: dict[str, str],
    settings: Settings,
    printed: dict[str, dict[str, Any]],
    world: GiftWorld,
) -> None:
    target = printed[VANITY[0]]
    first, second, owner = (customer(settings, uuid.uuid4()) for _ in range(3))
    # the failures of two users add up on the card
    for headers in (first, first, second)[:ATTEMPTS]:
        problem(
            await activate(client, headers, target["number"], wrong(target["secret"])),
            404,
            "giftcard.activation_failed",
        )
    before = await footprint(client, admin, world)
    # a third user who has the right secret (and never failed) is refused while it lasts
    response = await activate(client, owner, target["number"], target["secret"])
    problem(response, 429, "giftcard.too_many_attempts")
    assert int(response.headers["retry-after"]) >= 1
    assert await footprint(client, admin, world) == before
    # other cards are not locked for them
    other = printed[VANITY[1]]
    ok(await activate(client, second, other["number"], other["secret"]), 201)
    world.clock.advance(minutes=31)
    ok(await activate(client, owner, target["number"], target["secret"]), 201)


# --- the caller's cards (SEC-1) ---------------------------------------------------------------


@pytest.mark.rule("SEC-1")
@pytest.mark.rule("GC-8")
async def test_a_customer_sees_only_their_own_cards_and_payments(
    client: Client,
    admin: dict[str, str],
    alice: dict[str, str],
    alice_id: uuid.UUID,
    bob: dict[str, str],
    printed: dict[str, dict[str, Any]],
    world: GiftWorld,
) -> None:
    first, second, bobs = (printed[n]["id"] for n in VANITY)
    await bind(client, admin, first, alice_id)
    world.clock.advance(minutes=1)
    await bind(client, admin, second, alice_id)
    ok(await activate(client, bob, VANITY[2], printed[VANITY[2]]["secret"]), 201)
    order = str(uuid.uuid4())
    body = {
        "order_id": order,
        "user_id": str(alice_id),
        "amount": "30.00",
        "currency": "CNY",
        "card_ids": [first],
    }
    ok(await client.post("/giftcards/payments", json=body, headers=admin), 201)

    page = await my_cards(client, alice)
    assert [c["id"] for c in page["items"]] == [second, first]  # newest activation first
    assert page["items"][1]["balance"] == {"amount": "70.00", "currency": "CNY"}
    assert [c["id"] for c in (await my_cards(client, alice, "?limit=1&offset=1"))["items"]] == [
        first
    ]
    assert ok(await client.get(f"/me/giftcards/{first}", headers=alice))["id"] == first
    used = ok(await client.get(f"/me/giftcards/{first}/usages", headers=alice))
    assert [(u["order_id"], u["amount"]["amount"], u["state"]) for u in used["items"]] == [
        (order, "30.00", "valid")
    ]
    assert ok(await client.get(f"/me/giftcards/{second}/usages", headers=alice))["items"] == []

    # another user's card is as unknown as a missing one
    for path in (f"/me/giftcards/{bobs}", f"/me/giftcards/{bobs}/usages"):
        problem(await client.get(path, headers=alice), 404, "giftcard.card_not_found")
    for path in (f"/me/giftcards/{ZERO}", f"/me/giftcards/{ZERO}/usages"):
        problem(await client.get(path, headers=alice), 404, "giftcard.card_not_found")
    problem(await client.get("/me/giftcards/nope", headers=alice), 404, "http.not_found")
    assert [c["id"] for c in (await my_cards(client, bob))["items"]] == [bobs]

    # the cards of a paused batch are listed, but cannot pay
    ok(
        await client.post(
            f"/giftcards/batches/{printed[VANITY[0]]['batch_id']}/pause", headers=admin
        )
    )
    assert {c["usable"] for c in (await my_cards(client, alice))["items"]} == {False}


CUSTOMER_ROUTES: list[tuple[str, str, Any]] = [
    ("POST", "/giftcards/activate", {"number": "888888888888", "secret": "ABCDEFGHJKMNPQRS"}),
    ("GET", "/me/giftcards", None),
    ("GET", "/me/giftcards/purchased", None),
    ("GET", "/me/giftcards/{card}", None),
    ("GET", "/me/giftcards/{card}/usages", None),
    ("POST", "/me/giftcards/{card}/bind", None),
]


@pytest.mark.rule("SEC-1")
@pytest.mark.parametrize(("method", "path", "body"), CUSTOMER_ROUTES)
async def test_customer_routes_need_a_customer_token(
    client: Client,
    admin: dict[str, str],
    printed: dict[str, dict[str, Any]],
    world: GiftWorld,
    method: str,
    path: str,
    body: Any,
) -> None:
    url = path.replace("{card}", printed[VANITY[0]]["id"])
    before = await footprint(client, admin, world)
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    problem(await client.request(method, url, **kwargs), 401, "auth.unauthenticated")
    problem(await client.request(method, url, headers=admin, **kwargs), 403, "auth.customer_only")
    bad_subject = customer(world.settings, "not-a-uuid")
    problem(
        await client.request(method, url, headers=bad_subject, **kwargs),
        403,
        "auth.invalid_subject",
    )
    assert await footprint(client, admin, world) == before


# --- cards bought online (GC-6) ---------------------------------------------------------------


@pytest.mark.rule("GC-6")
@pytest.mark.rule("SEC-1")
async def test_a_buyer_binds_a_purchased_card_without_typing(
    client: Client,
    admin: dict[str, str],
    alice: dict[str, str],
    alice_id: uuid.UUID,
    bob: dict[str, str],
    world: GiftWorld,
) -> None:
    batch_id = await given_batch(
        client, admin, kind="virtual", card_maker=None, validity={"days_from_activation": 30}
    )
    sale = {"buyer_id": str(alice_id), "quantity": 2, "sale_ref": "order-9"}
    sold = ok(await client.post(f"/giftcards/batches/{batch_id}/sales", json=sale, headers=admin))
    bought = [c["card_id"] for c in sold["cards"]]

    purchased = await my_cards(client, alice, "/purchased")
    assert sorted(c["id"] for c in purchased["items"]) == sorted(bought)
    assert {(c["state"], c["sales_state"]) for c in purchased["items"]} == {("pending", "sold")}
    assert (await my_cards(client, alice, "/purchased?limit=1"))["total"] == 2
    assert (await my_cards(client, bob, "/purchased"))["items"] == []
    assert (await my_cards(client, alice))["items"] == []
    # a bought card is the buyer's to look at, nobody else's
    ok(await client.get(f"/me/giftcards/{bought[0]}", headers=alice))
    problem(
        await client.get(f"/me/giftcards/{bought[0]}", headers=bob), 404, "giftcard.card_not_found"
    )

    before = await footprint(client, admin, world)
    problem(
        await client.post(f"/me/giftcards/{bought[0]}/bind", headers=bob),
        404,
        "giftcard.card_not_found",
    )
    problem(
        await client.post(f"/me/giftcards/{ZERO}/bind", headers=alice),
        404,
        "giftcard.card_not_found",
    )
    assert await footprint(client, admin, world) == before

    world.clock.advance(hours=1)
    response = await client.post(
        f"/me/giftcards/{bought[0]}/bind", headers=with_key(alice, "bind-1")
    )
    bound = ok(response, 201)  # an activation is a new record (docs/http.md)
    assert response.headers["Location"] == f"/me/giftcards/{bought[0]}"
    assert (bound["id"], bound["state"], bound["usable"]) == (bought[0], "activated", True)
    # valid for 30 days from now
    assert bound["valid_until"] == (world.clock.now() + dt.timedelta(days=30)).isoformat().replace(
        "+00:00", "Z"
    )
    again = await client.post(f"/me/giftcards/{bought[0]}/bind", headers=with_key(alice, "bind-1"))
    assert ok(again, 201) == bound
    problem(
        await client.post(f"/me/giftcards/{bought[0]}/bind", headers=alice),
        409,
        "giftcard.already_activated",
    )
    assert [c["id"] for c in (await my_cards(client, alice, "/purchased"))["items"]] == [bought[1]]
    assert [c["id"] for c in (await my_cards(client, alice))["items"]] == [bought[0]]
    records = ok(await client.get("/giftcards/activations?via=purchase", headers=admin))["items"]
    assert [(r["card_id"], r["actor"]) for r in records] == [(bought[0], f"user:{alice_id}")]


@pytest.mark.rule("GC-6")
@pytest.mark.rule("GC-4")
async def test_a_physical_or_discarded_card_is_not_bound_from_the_account(
    client: Client,
    admin: dict[str, str],
    alice: dict[str, str],
    alice_id: uuid.UUID,
    world: GiftWorld,
) -> None:
    physical = await given_batch(client, admin)
    card = await card_by_number(client, admin, physical, VANITY[0])
    problem(
        await client.post(f"/me/giftcards/{card['id']}/bind", headers=alice),
        404,
        "giftcard.card_not_found",
    )
    virtual = (
        await create_batch(
            client, admin, numbers=["31313131"], kind="virtual", card_maker=None, name="v"
        )
    )["batch_id"]
    ok(await client.post(f"/giftcards/batches/{virtual}/open", headers=admin))
    sale = {"buyer_id": str(alice_id), "quantity": 1, "sale_ref": "o-1"}
    sold = ok(await client.post(f"/giftcards/batches/{virtual}/sales", json=sale, headers=admin))
    card_id = sold["cards"][0]["card_id"]
    ok(await client.post(f"/giftcards/cards/{card_id}/discard", json={}, headers=admin))
    before = await footprint(client, admin, world)
    problem(
        await client.post(f"/me/giftcards/{card_id}/bind", headers=alice),
        409,
        "giftcard.card_discarded",
    )
    assert await footprint(client, admin, world) == before
