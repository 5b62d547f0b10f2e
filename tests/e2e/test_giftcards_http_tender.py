"""Gift cards as a tender, through the back office API: paying orders (GC-7), usage records and
giving money back (GC-8), retries (SEC-5) and all-or-nothing refusals (SEC-4)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.giftcard_http_support import (
    ALL_PERMISSIONS,
    VANITY,
    Client,
    GiftWorld,
    audit,
    bind,
    build_world,
    card_by_number,
    footprint,
    get_card,
    giftcard_settings,
    given_batch,
    history,
    ok,
    operator,
    problem,
    seated_app_for,
    with_key,
    yuan,
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
def till(settings: Settings) -> dict[str, str]:
    """The ordering context's service account: it may pay and restore, nothing else."""
    return operator(settings, "giftcards.tender", subject="svc-orders")


@attrs.frozen
class Wallet:
    batch_id: str
    alice: uuid.UUID
    first: str
    """¥100, Alice's."""
    second: str
    """¥100, Alice's."""
    bobs: str
    """¥100, Bob's."""


@pytest.fixture
async def wallet(client: Client, admin: dict[str, str]) -> Wallet:
    batch_id = await given_batch(client, admin)
    ids = [(await card_by_number(client, admin, batch_id, n))["id"] for n in VANITY]
    alice = uuid.uuid4()
    await bind(client, admin, ids[0], alice)
    await bind(client, admin, ids[1], alice)
    await bind(client, admin, ids[2], uuid.uuid4())
    return Wallet(batch_id, alice, ids[0], ids[1], ids[2])


def payment(
    user: uuid.UUID, cards: list[str], amount: str, order: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "order_id": order or str(uuid.uuid4()),
        "user_id": str(user),
        "amount": amount,
        "currency": "CNY",
        "card_ids": cards,
        **extra,
    }


async def balances(client: Client, admin: dict[str, str], *card_ids: str) -> list[str]:
    return [(await get_card(client, admin, c))["balance"]["amount"] for c in card_ids]


async def usages(client: Client, admin: dict[str, str], query: str = "") -> list[dict[str, Any]]:
    # a parameter is given once (the kernel refuses a repeated one)
    limit = "" if "&limit=" in query else "limit=100"
    page = ok(await client.get(f"/giftcards/usages?{limit}{query}", headers=admin))
    items: list[dict[str, Any]] = page["items"]
    return items


# --- paying (GC-7, GC-8) ------------------------------------------------------------------------


@pytest.mark.rule("GC-7")
@pytest.mark.rule("GC-8")
@pytest.mark.rule("SEC-5")
async def test_cards_pay_an_order_in_the_order_given_and_a_retry_pays_once(
    client: Client, admin: dict[str, str], till: dict[str, str], wallet: Wallet
) -> None:
    body = payment(
        wallet.alice,
        [wallet.first, wallet.second],
        "150.00",
        sub_order_id="sub-1",
        tender={"cash": "50.00", "points": "0.00", "gift_cards": "150.00"},
    )
    response = await client.post("/giftcards/payments", json=body, headers=with_key(till, "pay-1"))
    # a payment records new usages: 201, and `Location` lists them (docs/http.md)
    charged = ok(response, 201)
    assert response.headers["Location"] == f"/giftcards/usages?order_id={body['order_id']}"
    assert charged["order_id"] == body["order_id"]
    assert charged["amount"] == yuan("150.00")
    assert [(c["card_id"], c["amount"], c["balance"]) for c in charged["charges"]] == [
        (wallet.first, yuan("100.00"), yuan("0.00")),
        (wallet.second, yuan("50.00"), yuan("50.00")),
    ]
    records = await usages(client, admin, f"&order_id={body['order_id']}")
    assert {r["id"] for r in records} == {c["usage_id"] for c in charged["charges"]}
    record = next(r for r in records if r["card_id"] == wallet.second)
    assert record == {
        **record,
        "batch_id": wallet.batch_id,
        "number": VANITY[1],
        "user_id": str(wallet.alice),
        "sub_order_id": "sub-1",
        "amount": yuan("50.00"),
        "restored": yuan("0.00"),
        "state": "valid",
        "tender": {
            "cash": yuan("50.00"),
            "points": yuan("0.00"),
            "gift_cards": yuan("150.00"),
        },
    }
    spent = [
        e for e in await history(client, admin, card_id=wallet.first) if e["action"] == "spend"
    ]
    assert [e["actor"] for e in spent] == ["svc-orders"]

    # a retry with the same key answers the first outcome; so does the same request without one
    again = await client.post("/giftcards/payments", json=body, headers=with_key(till, "pay-1"))
    assert ok(again, 201) == charged
    assert ok(await client.post("/giftcards/payments", json=body, headers=till), 201) == charged
    assert await balances(client, admin, wallet.first, wallet.second) == ["0.00", "50.00"]
    assert len(await usages(client, admin)) == 2
    entries = await audit(client, admin, action="spend_gift_cards")
    # the keyed replay wrote no entry; the unkeyed repeat was a command of its own (that the
    # handler answered from the order's usages)
    assert [e["outcome"] for e in entries] == ["done", "done"]

    # the same key for another request is refused; another payment of the order too
    other = {**body, "amount": "10.00"}
    problem(
        await client.post("/giftcards/payments", json=other, headers=with_key(till, "pay-1")),
        409,
        "idempotency.key_reused",
    )
    problem(
        await client.post("/giftcards/payments", json=other, headers=till),
        409,
        "giftcard.order_already_charged",
    )
    assert await balances(client, admin, wallet.first, wallet.second) == ["0.00", "50.00"]


@pytest.mark.rule("GC-7")
@pytest.mark.rule("GC-3")
@pytest.mark.rule("SEC-4")
async def test_a_refused_payment_charges_no_card_at_all(
    client: Client,
    admin: dict[str, str],
    till: dict[str, str],
    wallet: Wallet,
    world: GiftWorld,
) -> None:
    ok(
        await client.post(
            "/giftcards/payments",
            json=payment(wallet.alice, [wallet.second], "60.00"),
            headers=till,
        ),
        201,
    )
    before = await footprint(client, admin, world)
    refusals: list[tuple[dict[str, Any], int, str]] = [
        # the first card could pay its part; the second cannot pay the rest: nothing is taken
        (
            payment(wallet.alice, [wallet.first, wallet.second], "150.00"),
            409,
            "giftcard.insufficient_balance",
        ),
        (payment(wallet.alice, [wallet.first, wallet.bobs], "150.00"), 403, "giftcard.not_owner"),
        (payment(wallet.alice, [wallet.first, ZERO], "150.00"), 404, "giftcard.card_not_found"),
        (
            payment(wallet.alice, [wallet.first, wallet.first], "10.00"),
            422,
            "validation.invalid_value",
        ),
        # the schema says a payment is positive (issue 9)
        (payment(wallet.alice, [wallet.first], "0.00"), 400, "request.invalid"),
        (payment(wallet.alice, [wallet.first], "-1.00"), 400, "request.invalid"),
        (payment(wallet.alice, [wallet.first], "1.001"), 422, "money.too_precise"),
        (payment(wallet.alice, [wallet.first] * 11, "1.00"), 422, "validation.invalid_value"),
        # MON-1: dollars asked of a yuan card are a currency mistake, not a shortfall
        (
            payment(wallet.alice, [wallet.first], "1.00", currency="USD"),
            422,
            "money.currency_mismatch",
        ),
        (payment(wallet.alice, [wallet.first], 1.0), 400, "request.invalid"),
        (payment(wallet.alice, [], "1.00"), 400, "request.invalid"),
        (payment(wallet.alice, [wallet.first], "1.00", tip="x"), 400, "request.invalid"),
        (
            payment(
                wallet.alice,
                [wallet.first],
                "1.00",
                tender={"cash": "1.00", "points": "0.00"},
            ),
            400,
            "request.invalid",
        ),
        ({"order_id": "nope"}, 400, "request.invalid"),
    ]
    for body, status, code in refusals:
        response = await client.post("/giftcards/payments", json=body, headers=till)
        problem(response, status, code)
        assert await footprint(client, admin, world) == before, body

    ok(await client.post(f"/giftcards/batches/{wallet.batch_id}/pause", headers=admin))
    paused = await footprint(client, admin, world)
    problem(
        await client.post(
            "/giftcards/payments", json=payment(wallet.alice, [wallet.first], "1.00"), headers=till
        ),
        409,
        "giftcard.batch_not_open",
    )
    assert await footprint(client, admin, world) == paused


# --- restoring (GC-8) -------------------------------------------------------------------------


@pytest.mark.rule("GC-8")
@pytest.mark.rule("SEC-5")
async def test_a_refund_gives_back_in_proportion_once_per_key(
    client: Client, admin: dict[str, str], till: dict[str, str], wallet: Wallet
) -> None:
    order = str(uuid.uuid4())
    body = payment(wallet.alice, [wallet.first, wallet.second], "150.00", order=order)
    ok(await client.post("/giftcards/payments", json=body, headers=till), 201)
    url = f"/giftcards/payments/{order}/restore"

    partial = {"key": "refund-1", "reason": "refunded", "amount": "30.00", "currency": "CNY"}
    restored = ok(await client.post(url, json=partial, headers=with_key(till, "r-1")))
    assert (restored["order_id"], restored["key"], restored["amount"], restored["repeated"]) == (
        order,
        "refund-1",
        yuan("30.00"),
        False,
    )
    # in proportion to what each card paid: 100 : 50
    assert sorted(
        (g["card_id"], g["amount"]["amount"], g["usage_state"]) for g in restored["given"]
    ) == sorted(
        [
            (wallet.first, "20.00", "partially_refunded"),
            (wallet.second, "10.00", "partially_refunded"),
        ]
    )
    assert await balances(client, admin, wallet.first, wallet.second) == ["20.00", "60.00"]

    # the same HTTP retry answers the first outcome; the same refund key again changes nothing
    again = await client.post(url, json=partial, headers=with_key(till, "r-1"))
    assert ok(again) == restored
    repeated = ok(await client.post(url, json=partial, headers=till))
    assert (repeated["repeated"], repeated["given"], repeated["amount"]) == (True, [], None)
    assert await balances(client, admin, wallet.first, wallet.second) == ["20.00", "60.00"]
    refunds = [
        e for e in await history(client, admin, card_id=wallet.first) if e["action"] == "refund"
    ]
    assert len(refunds) == 1
    assert refunds[0]["actor"] == "svc-orders"

    # the order is cancelled: everything left goes back
    rest = ok(await client.post(url, json={"key": "cancel-1", "reason": "cancelled"}, headers=till))
    assert rest["amount"] == yuan("120.00")
    assert {g["usage_state"] for g in rest["given"]} == {"invalid"}
    assert await balances(client, admin, wallet.first, wallet.second) == ["100.00", "100.00"]
    records = await usages(client, admin, f"&order_id={order}")
    assert {(r["state"], r["restored"]["amount"]) for r in records} == {
        ("invalid", "100.00"),
        ("invalid", "50.00"),
    }
    assert len(await usages(client, admin, "&state=invalid")) == 2
    assert await usages(client, admin, "&state=valid") == []

    nothing_left = {"key": "refund-2", "reason": "refunded", "amount": "1.00", "currency": "CNY"}
    problem(
        await client.post(url, json=nothing_left, headers=till),
        409,
        "giftcard.restore_exceeds_spent",
    )
    # giving everything back again finds nothing left
    empty = ok(
        await client.post(url, json={"key": "cancel-2", "reason": "cancelled"}, headers=till)
    )
    assert (empty["amount"], empty["given"], empty["repeated"]) == (None, [], False)


@pytest.mark.rule("GC-8")
@pytest.mark.rule("SEC-4")
async def test_restore_refusals_write_nothing(
    client: Client,
    admin: dict[str, str],
    till: dict[str, str],
    wallet: Wallet,
    world: GiftWorld,
) -> None:
    order = str(uuid.uuid4())
    ok(
        await client.post(
            "/giftcards/payments",
            json=payment(wallet.alice, [wallet.first], "40.00", order=order),
            headers=till,
        ),
        201,
    )
    before = await footprint(client, admin, world)
    url = f"/giftcards/payments/{order}/restore"
    for body, status, code in [
        (
            {"key": "k", "reason": "refunded", "amount": "41.00", "currency": "CNY"},
            409,
            "giftcard.restore_exceeds_spent",
        ),
        (
            {"key": "k", "reason": "refunded", "amount": "0.00", "currency": "CNY"},
            400,
            "request.invalid",
        ),
        ({"key": "k", "reason": "refunded", "amount": "1.00"}, 400, "request.invalid"),
        ({"key": "k", "reason": "refunded", "currency": "CNY"}, 400, "request.invalid"),
        ({"key": "k", "reason": "lost"}, 400, "request.invalid"),
        ({"key": "", "reason": "cancelled"}, 400, "request.invalid"),
        ({"reason": "cancelled"}, 400, "request.invalid"),
        (
            {"key": "k", "reason": "refunded", "amount": 1.5, "currency": "CNY"},
            400,
            "request.invalid",
        ),
    ]:
        problem(await client.post(url, json=body, headers=till), status, code)
        assert await footprint(client, admin, world) == before, body
    problem(
        await client.post(
            f"/giftcards/payments/{uuid.uuid4()}/restore",
            json={"key": "k", "reason": "cancelled"},
            headers=till,
        ),
        422,
        "giftcard.order_not_charged",
    )
    problem(
        await client.post(
            "/giftcards/payments/not-an-id/restore",
            json={"key": "k", "reason": "cancelled"},
            headers=till,
        ),
        404,
        "http.not_found",
    )
    assert await footprint(client, admin, world) == before


@pytest.mark.rule("GC-8")
async def test_usage_records_are_filtered(
    client: Client, admin: dict[str, str], till: dict[str, str], wallet: Wallet, world: GiftWorld
) -> None:
    first_order, second_order = str(uuid.uuid4()), str(uuid.uuid4())
    ok(
        await client.post(
            "/giftcards/payments",
            json=payment(wallet.alice, [wallet.first], "10.00", order=first_order),
            headers=till,
        ),
        201,
    )
    world.clock.advance(hours=1)
    ok(
        await client.post(
            "/giftcards/payments",
            json=payment(wallet.alice, [wallet.second], "20.00", order=second_order),
            headers=till,
        ),
        201,
    )

    async def orders(query: str) -> list[str]:
        return [u["order_id"] for u in await usages(client, admin, query)]

    assert await orders("") == [second_order, first_order]  # newest first
    assert await orders(f"&card_id={wallet.first}") == [first_order]
    assert await orders(f"&order_id={second_order}") == [second_order]
    assert await orders(f"&user_id={wallet.alice}") == [second_order, first_order]
    assert await orders(f"&user_id={uuid.uuid4()}") == []
    assert await orders(f"&batch_id={wallet.batch_id}") == [second_order, first_order]
    assert await orders("&state=valid") == [second_order, first_order]
    assert await orders("&since=2026-03-01T09:30:00Z") == [second_order]
    assert await orders("&until=2026-03-01T09:30:00Z") == [first_order]
    assert await orders("&limit=1&offset=1") == [first_order]
    for query in ("state=spent", "since=2026-03-01T09:30:00", "card_id=x"):
        problem(
            await client.get(f"/giftcards/usages?{query}", headers=admin), 400, "request.invalid"
        )
