"""The gift-card back office as a client sees it: batches (GC-1, GC-3, GC-13) and their
generation job, cards and their filters (GC-4), secrets (GC-11), manual binding (GC-5),
discarding, lookup (GC-14), activation records (GC-9), history (GC-10), selling (GC-6), who may
do what (SEC-1, SEC-2) and bad input (SEC-4). Payments are in ``test_giftcards_http_tender``,
exports in ``test_giftcards_http_exports``."""

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
    T0,
    VANITY,
    Client,
    GiftWorld,
    audit,
    batch_body,
    bearer,
    bind,
    build_world,
    card_by_number,
    cards_of,
    create_batch,
    customer,
    dump,
    footprint,
    get_batch,
    get_card,
    giftcard_settings,
    given_batch,
    history,
    last,
    ok,
    open_batch,
    operator,
    problem,
    seated_app_for,
    with_key,
)

from shop_adapters.settings import Settings
from shop_domain.giftcards.numbers import luhn_valid

ZERO = "00000000-0000-0000-0000-000000000000"

# --- fixtures -------------------------------------------------------------------------------


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
def reader(settings: Settings) -> dict[str, str]:
    return operator(settings, "giftcards.read", subject="op-reader")


# --- creating batches and the generation job (GC-1) -------------------------------------------


@pytest.mark.rule("GC-1")
@pytest.mark.rule("GC-2")
@pytest.mark.rule("GC-10")
async def test_a_generated_batch_is_written_by_its_job(
    client: Client, admin: dict[str, str], world: GiftWorld
) -> None:
    started = await create_batch(client, admin, count=5, number_prefix="62")
    assert started["requested"] == 5
    assert started["job_id"] is not None
    batch = started["batch"]
    assert (batch["state"], batch["mode"], batch["generated"], batch["requested"]) == (
        "created",
        "generated",
        0,
        5,
    )
    assert await cards_of(client, admin, started["batch_id"]) == []
    job = ok(await client.get(f"/jobs/{started['job_id']}", headers=admin))
    assert (job["kind"], job["state"], job["total"]) == ("giftcards.generate_cards", "queued", 5)

    assert await world.run_jobs() == 1

    job = ok(await client.get(f"/jobs/{started['job_id']}", headers=admin))
    assert job["state"] == "succeeded", job
    batch = await get_batch(client, admin, started["batch_id"])
    assert (batch["generated"], batch["requested"]) == (5, 5)
    counts = batch["cards_by_state"]
    assert (counts["pending"], counts["activated"], counts["discarded"]) == (5, 0, 0)
    cards = await cards_of(client, admin, started["batch_id"])
    numbers = [card["number"] for card in cards]
    assert len(set(numbers)) == 5
    assert numbers == sorted(numbers)
    assert all(n.startswith("62") and len(n) == 16 and luhn_valid(n) for n in numbers)
    for card in cards:
        assert card["balance"] == card["face_value"] == {"amount": "100.00", "currency": "CNY"}
        assert (card["state"], card["sales_state"], card["user_id"]) == (
            "pending",
            "not_for_sale",
            None,
        )
        assert "secret" not in card
    actions = [entry["action"] for entry in await history(client, admin, batch_id=batch["id"])]
    assert sorted(actions) == ["cards_generated", "create"]


@pytest.mark.rule("GC-1")
async def test_a_batch_holds_every_gc1_field(client: Client, admin: dict[str, str]) -> None:
    starts = T0.isoformat().replace("+00:00", "Z")
    ends = (T0 + dt.timedelta(days=90)).isoformat().replace("+00:00", "Z")
    started = await create_batch(
        client,
        admin,
        numbers=["8888 8888 8888", "6666-6666-6666"],
        name="Vanity ¥500",
        face_value="500.00",
        validity={"starts_at": starts, "ends_at": ends},
        owner="op-boss",
    )
    assert started["job_id"] is None  # given numbers are written at once
    batch = started["batch"]
    assert batch == {
        **batch,
        "name": "Vanity ¥500",
        "kind": "physical",
        "mode": "given",
        "face_value": {"amount": "500.00", "currency": "CNY"},
        "validity": {"starts_at": starts, "ends_at": ends, "days_from_activation": None},
        "owner": "op-boss",
        "owner_phone": "+86 138 0013 1234",
        "card_maker": "Acme Print",
        "remark": "for the spring fair",
        "state": "created",
        "requested": 2,
        "generated": 2,
        "created_by": "op-admin",
    }
    numbers = [c["number"] for c in await cards_of(client, admin, batch["id"])]
    assert numbers == ["666666666666", "888888888888"]  # normalised, by number

    relative = await create_batch(
        client,
        admin,
        count=1,
        kind="virtual",
        card_maker=None,
        validity={"days_from_activation": 30},
    )
    assert relative["batch"]["owner"] == "op-admin"  # the caller unless told
    assert relative["batch"]["validity"] == {
        "starts_at": None,
        "ends_at": None,
        "days_from_activation": 30,
    }


BAD_BATCHES: list[tuple[dict[str, Any], int, str]] = [
    ({"count": 2, "numbers": ["123456"]}, 400, "request.invalid"),
    ({}, 400, "request.invalid"),
    ({"count": 0}, 400, "request.invalid"),
    ({"count": 2, "face_value": 100.0}, 400, "request.invalid"),
    ({"count": 2, "colour": "red"}, 400, "request.invalid"),
    ({"count": 2, "kind": "plastic"}, 400, "request.invalid"),
    ({"count": 2, "name": ""}, 400, "request.invalid"),
    ({"count": 2, "validity": {"ends_at": "2027-01-01T00:00:00"}}, 400, "request.invalid"),
    ({"count": 2, "name": "   "}, 422, "giftcard.invalid_batch"),
    # the schema says what the domain refuses (issue 9): a face value is positive, a prefix
    # is up to 8 digits not starting with 0, chosen numbers are digits, a phone is a phone,
    # validity days are 1..MAX_DAYS
    ({"count": 2, "face_value": "0.00"}, 400, "request.invalid"),
    ({"count": 2, "face_value": "-1.00"}, 400, "request.invalid"),
    ({"count": 2, "number_prefix": "0123"}, 400, "request.invalid"),
    ({"count": 2, "number_prefix": "123456789"}, 400, "request.invalid"),
    ({"numbers": ["12345a789"]}, 400, "request.invalid"),
    ({"count": 2, "owner_phone": "call me"}, 400, "request.invalid"),
    ({"count": 2, "validity": {"days_from_activation": 3661}}, 400, "request.invalid"),
    ({"count": 2, "remark": "x" * 501}, 400, "request.invalid"),
    ({"count": 2, "face_value": "1.001"}, 422, "money.too_precise"),
    # the schema lists the currencies the server knows
    ({"count": 2, "currency": "XXX"}, 400, "request.invalid"),
    (
        {
            "count": 2,
            "validity": {"starts_at": "2026-06-01T00:00:00Z", "ends_at": "2026-05-01T00:00:00Z"},
        },
        422,
        "giftcard.invalid_batch",
    ),
    (
        {"count": 2, "validity": {"ends_at": "2027-01-01T00:00:00Z", "days_from_activation": 9}},
        422,
        "giftcard.invalid_batch",
    ),
    ({"count": 2, "kind": "virtual"}, 422, "giftcard.invalid_batch"),  # a card maker
    ({"numbers": ["1" * 33]}, 422, "giftcard.number_invalid"),
    ({"numbers": ["123456789", "123 456 789"]}, 422, "giftcard.number_repeated"),
    ({"numbers": [VANITY[0]]}, 422, "giftcard.number_taken"),
]


@pytest.mark.rule("SEC-4")
@pytest.mark.rule("GC-1")
@pytest.mark.parametrize(("overrides", "status", "code"), BAD_BATCHES)
async def test_bad_batches_are_refused_and_write_nothing(
    client: Client,
    admin: dict[str, str],
    world: GiftWorld,
    overrides: dict[str, Any],
    status: int,
    code: str,
) -> None:
    await given_batch(client, admin)
    before = await footprint(client, admin, world)
    body = batch_body(**overrides)
    problem(await client.post("/giftcards/batches", json=body, headers=admin), status, code)
    assert await footprint(client, admin, world) == before


@pytest.mark.rule("SEC-2")
async def test_a_refused_batch_command_is_audited(client: Client, admin: dict[str, str]) -> None:
    await given_batch(client, admin)
    body = batch_body(numbers=[VANITY[1]])
    problem(
        await client.post("/giftcards/batches", json=body, headers=admin),
        422,
        "giftcard.number_taken",
    )
    entries = await audit(client, admin, action="create_batch")
    assert [(e["outcome"], e["actor"]) for e in entries] == [
        ("refused", "op-admin"),
        ("done", "op-admin"),
    ]
    assert entries[0]["detail"]["$error"] == "giftcard.number_taken"


# --- listing, editing and adding cards (GC-13) ------------------------------------------------


async def test_batches_are_listed_newest_first_with_a_state_filter_and_paging(
    client: Client, admin: dict[str, str], reader: dict[str, str], world: GiftWorld
) -> None:
    ids = []
    for name in ("one", "two", "three"):
        started = await create_batch(client, admin, count=1, name=name)
        ids.append(started["batch_id"])
        world.clock.advance(seconds=1)
    await open_batch(client, admin, ids[1])
    page = ok(await client.get("/giftcards/batches", headers=reader))
    assert [b["id"] for b in page["items"]] == ids[::-1]
    assert page["total"] == 3
    opened = ok(await client.get("/giftcards/batches?state=opened", headers=reader))
    assert [b["id"] for b in opened["items"]] == [ids[1]]
    second = ok(await client.get("/giftcards/batches?limit=1&offset=1", headers=reader))
    assert ([b["id"] for b in second["items"]], second["total"]) == ([ids[1]], 3)
    problem(
        await client.get("/giftcards/batches?state=open", headers=reader), 400, "request.invalid"
    )
    problem(await client.get("/giftcards/batches?limit=0", headers=reader), 400, "request.invalid")


@pytest.mark.rule("GC-13")
@pytest.mark.rule("GC-10")
async def test_editing_a_batch_changes_name_remark_and_end_with_history(
    client: Client, admin: dict[str, str], world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    new_end = (T0 + dt.timedelta(days=30)).isoformat().replace("+00:00", "Z")
    response = await client.patch(
        f"/giftcards/batches/{batch_id}",
        json={"name": "Renamed", "remark": "", "ends_at": new_end},
        headers=admin,
    )
    batch = ok(response)
    assert (batch["name"], batch["remark"], batch["validity"]["ends_at"]) == (
        "Renamed",
        "",
        new_end,
    )
    edit = last(await history(client, admin, batch_id=batch_id), "edit")
    assert (edit["action"], edit["actor"]) == ("edit", "op-admin")
    assert set(edit["detail"]["changes"]) == {"name", "remark", "ends_at"}
    assert edit["detail"]["changes"]["name"] == ["Spring ¥100", "Renamed"]
    card = (await cards_of(client, admin, batch_id))[0]
    assert card["valid_until"] == new_end

    before = await footprint(client, admin, world)
    problem(
        await client.patch(f"/giftcards/batches/{batch_id}", json={}, headers=admin),
        400,
        "request.invalid",
    )
    problem(
        await client.patch(f"/giftcards/batches/{batch_id}", json={"name": 3}, headers=admin),
        400,
        "request.invalid",
    )
    problem(
        await client.patch(f"/giftcards/batches/{batch_id}", json={"name": " "}, headers=admin),
        422,
        "giftcard.invalid_batch",
    )
    problem(
        await client.patch(f"/giftcards/batches/{ZERO}", json={"name": "x"}, headers=admin),
        404,
        "giftcard.batch_not_found",
    )
    assert await footprint(client, admin, world) == before

    relative = await create_batch(client, admin, count=1, validity={"days_from_activation": 30})
    problem(
        await client.patch(
            f"/giftcards/batches/{relative['batch_id']}", json={"ends_at": new_end}, headers=admin
        ),
        422,
        "giftcard.invalid_batch",
    )
    ok(await client.post(f"/giftcards/batches/{batch_id}/discard", headers=admin))
    problem(
        await client.patch(f"/giftcards/batches/{batch_id}", json={"name": "x"}, headers=admin),
        409,
        "giftcard.batch_state",
    )


@pytest.mark.rule("GC-13")
async def test_cards_are_added_to_a_batch_by_count_or_by_number(
    client: Client, admin: dict[str, str], world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    url = f"/giftcards/batches/{batch_id}/cards"
    response = await client.post(url, json={"count": 4}, headers=admin)
    added = ok(response, 202)
    assert response.headers["location"] == f"/giftcards/batches/{batch_id}"
    assert (added["requested"], added["batch"]["generated"]) == (7, 3)
    assert added["job_id"] is not None
    assert await world.run_jobs() == 1
    batch = await get_batch(client, admin, batch_id)
    assert (batch["requested"], batch["generated"]) == (7, 7)

    given = ok(await client.post(url, json={"numbers": ["777777777"]}, headers=admin), 201)
    assert (given["job_id"], given["requested"], given["batch"]["generated"]) == (None, 8, 8)
    assert len(await cards_of(client, admin, batch_id)) == 8
    actions = [e["action"] for e in await history(client, admin, batch_id=batch_id)]
    assert actions.count("add_cards") == 2

    before = await footprint(client, admin, world)
    for body, status, code in [
        ({}, 400, "request.invalid"),
        ({"count": 1, "numbers": ["1234567"]}, 400, "request.invalid"),
        ({"numbers": ["777777777"]}, 422, "giftcard.number_taken"),
    ]:
        problem(await client.post(url, json=body, headers=admin), status, code)
    problem(
        await client.post(f"/giftcards/batches/{ZERO}/cards", json={"count": 1}, headers=admin),
        404,
        "giftcard.batch_not_found",
    )
    assert await footprint(client, admin, world) == before
    ok(await client.post(f"/giftcards/batches/{batch_id}/discard", headers=admin))
    problem(await client.post(url, json={"count": 1}, headers=admin), 409, "giftcard.batch_state")


# --- batch life and the key (GC-3) --------------------------------------------------------------


@pytest.mark.rule("GC-3")
@pytest.mark.rule("GC-10")
async def test_batch_life_open_pause_resume_discard(
    client: Client, admin: dict[str, str], world: GiftWorld
) -> None:
    batch_id = (await create_batch(client, admin, numbers=list(VANITY)))["batch_id"]
    base = f"/giftcards/batches/{batch_id}"
    problem(await client.post(f"{base}/pause", headers=admin), 409, "giftcard.batch_state")
    steps = [
        ("open", "opened"),
        ("pause", "paused"),
        ("resume", "opened"),
        ("pause", "paused"),
        ("open", "opened"),  # opening a paused batch resumes it
        ("discard", "discarded"),
    ]
    for action, state in steps:
        world.clock.advance(seconds=1)
        assert ok(await client.post(f"{base}/{action}", headers=admin))["state"] == state
        if action == "open":
            problem(await client.post(f"{base}/open", headers=admin), 409, "giftcard.batch_state")
    for action in ("open", "resume", "pause", "discard"):
        problem(await client.post(f"{base}/{action}", headers=admin), 409, "giftcard.batch_state")
    actions = [e["action"] for e in await history(client, admin, batch_id=batch_id)]
    # written in one transaction, the first two share their time
    assert sorted(actions[:2]) == ["cards_generated", "create"]
    assert actions[2:] == [
        "open",
        "pause",
        "resume",
        "pause",
        "resume",
        "discard",
    ]


@pytest.mark.rule("GC-3")
@pytest.mark.rule("SEC-2")
async def test_opening_needs_the_key_the_owner_or_the_open_permission(
    client: Client, settings: Settings, admin: dict[str, str], world: GiftWorld
) -> None:
    manager = ("giftcards.read", "giftcards.manage")
    owner = operator(settings, *manager, subject="op-owner")
    other = operator(settings, *manager, subject="op-other")
    keyholder = operator(settings, *manager, "giftcards.open", subject="op-key")
    batch_id = (await create_batch(client, owner, numbers=list(VANITY)))["batch_id"]
    base = f"/giftcards/batches/{batch_id}"

    before = await footprint(client, admin, world)
    for action in ("open", "resume", "discard"):
        problem(await client.post(f"{base}/{action}", headers=other), 403, "giftcard.key_required")
    assert await footprint(client, admin, world) == before
    refused = await audit(client, admin, actor="op-other")
    assert [(e["action"], e["outcome"], e["detail"]["$error"]) for e in refused] == [
        ("discard_batch", "refused", "giftcard.key_required"),
        ("open_batch", "refused", "giftcard.key_required"),
        ("open_batch", "refused", "giftcard.key_required"),
    ]
    assert all(e["target"] == batch_id for e in refused)

    # the owner holds the key to their own batch without the permission
    assert ok(await client.post(f"{base}/open", headers=owner))["state"] == "opened"
    # pausing is an emergency brake any manager may pull; resuming needs the key again
    assert ok(await client.post(f"{base}/pause", headers=other))["state"] == "paused"
    problem(await client.post(f"{base}/resume", headers=other), 403, "giftcard.key_required")
    # a holder of the open permission holds every batch's key
    assert ok(await client.post(f"{base}/resume", headers=keyholder))["state"] == "opened"
    assert ok(await client.post(f"{base}/discard", headers=keyholder))["state"] == "discarded"
    done = await audit(client, admin, action="open_batch")
    assert [(e["actor"], e["outcome"]) for e in done][:2] == [
        ("op-key", "done"),
        ("op-other", "refused"),
    ]


# --- cards: listing, filters, discarding (GC-4) ----------------------------------------------


@pytest.mark.rule("GC-4")
async def test_cards_are_filtered_by_effective_state_and_sales_state(
    client: Client, admin: dict[str, str], world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    cards = {c["number"]: c for c in await cards_of(client, admin, batch_id)}
    bound, discarded, pending = (cards[n]["id"] for n in VANITY)
    await bind(client, admin, bound, uuid.uuid4())
    ok(await client.post(f"/giftcards/cards/{discarded}/discard", json={}, headers=admin))

    async def ids(query: str) -> list[str]:
        return [c["id"] for c in await cards_of(client, admin, batch_id, query)]

    assert await ids("&state=pending") == [pending]
    assert await ids("&state=activated") == [bound]
    assert await ids("&state=discarded") == [discarded]
    assert await ids("&state=expired") == []
    assert len(await ids("&sales_state=not_for_sale")) == 3
    assert await ids("&sales_state=sold") == []
    problem(
        await client.get(f"/giftcards/batches/{batch_id}/cards?state=lost", headers=admin),
        400,
        "request.invalid",
    )
    problem(
        await client.get(f"/giftcards/batches/{ZERO}/cards", headers=admin),
        404,
        "giftcard.batch_not_found",
    )

    world.clock.advance(days=366)  # past the validity's end
    assert sorted(await ids("&state=expired")) == sorted([bound, pending])
    assert await ids("&state=discarded") == [discarded]
    assert (await get_card(client, admin, bound))["state"] == "expired"


@pytest.mark.rule("GC-4")
@pytest.mark.rule("GC-10")
async def test_discarding_a_card_is_final(
    client: Client, admin: dict[str, str], world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    card = await card_by_number(client, admin, batch_id, VANITY[0])
    url = f"/giftcards/cards/{card['id']}/discard"
    discarded = ok(await client.post(url, json={"reason": "lost in the post"}, headers=admin))
    assert discarded["state"] == "discarded"
    entry = last(await history(client, admin, card_id=card["id"]), "discard")
    assert (entry["action"], entry["actor"], entry["detail"]["reason"]) == (
        "discard",
        "op-admin",
        "lost in the post",
    )
    before = await footprint(client, admin, world)
    problem(await client.post(url, json={}, headers=admin), 409, "giftcard.card_state")
    problem(
        await client.post(
            f"/giftcards/cards/{card['id']}/bind",
            json={"user_id": str(uuid.uuid4())},
            headers=admin,
        ),
        409,
        "giftcard.card_discarded",
    )
    problem(
        await client.post(url, json={"reason": "x" * 501}, headers=admin), 400, "request.invalid"
    )
    problem(
        await client.post(f"/giftcards/cards/{ZERO}/discard", json={}, headers=admin),
        404,
        "giftcard.card_not_found",
    )
    assert await footprint(client, admin, world) == before


# --- secrets (GC-11) --------------------------------------------------------------------------


@pytest.mark.rule("GC-11")
@pytest.mark.rule("SEC-2")
@pytest.mark.rule("SEC-3")
async def test_revealing_a_secret_is_audited_recorded_and_never_listed(
    client: Client, admin: dict[str, str], settings: Settings
) -> None:
    batch_id = await given_batch(client, admin)
    card = await card_by_number(client, admin, batch_id, VANITY[0])
    viewer = operator(settings, "giftcards.secrets", subject="op-viewer")
    response = await client.post(f"/giftcards/cards/{card['id']}/secret", headers=viewer)
    revealed = ok(response)
    assert response.headers["cache-control"] == "no-store"
    assert set(revealed) == {"card_id", "number", "secret"}
    assert (revealed["card_id"], revealed["number"]) == (card["id"], VANITY[0])
    secret = revealed["secret"]
    assert len(secret) == 16

    viewed = last(await history(client, admin, card_id=card["id"]), "secret_viewed")
    assert (viewed["action"], viewed["actor"]) == ("secret_viewed", "op-viewer")
    entries = await audit(client, admin, action="reveal_secret")
    assert [(e["actor"], e["outcome"], e["target"]) for e in entries] == [
        ("op-viewer", "done", card["id"])
    ]

    # an Idempotency-Key changes nothing: each request is a viewing of its own
    again = await client.post(
        f"/giftcards/cards/{card['id']}/secret", headers=with_key(viewer, "k-1")
    )
    assert ok(again)["secret"] == secret
    again = await client.post(
        f"/giftcards/cards/{card['id']}/secret", headers=with_key(viewer, "k-1")
    )
    assert ok(again)["secret"] == secret
    actions = [e["action"] for e in await history(client, admin, card_id=card["id"])]
    assert actions.count("secret_viewed") == 3
    assert len(await audit(client, admin, action="reveal_secret")) == 3

    # no list, view, history, lookup, record or audit entry carries the secret
    await bind(client, admin, card["id"], uuid.uuid4())
    shown = [
        ok(await client.get(f"/giftcards/batches/{batch_id}/cards?limit=100", headers=admin)),
        ok(await client.get(f"/giftcards/batches/{batch_id}", headers=admin)),
        ok(await client.get(f"/giftcards/cards/{card['id']}", headers=admin)),
        ok(await client.get(f"/giftcards/cards/{card['id']}/history", headers=admin)),
        ok(await client.get(f"/giftcards/batches/{batch_id}/history", headers=admin)),
        ok(await client.get(f"/giftcards/lookup?number={VANITY[0]}", headers=admin)),
        ok(await client.get("/giftcards/activations", headers=admin)),
        ok(await client.get("/audit?limit=100", headers=admin)),
    ]
    text = dump(shown)
    assert secret not in text
    assert "-".join(secret[i : i + 4] for i in range(0, 16, 4)) not in text


@pytest.mark.rule("GC-11")
@pytest.mark.rule("SEC-1")
async def test_only_holders_of_the_permission_see_a_secret(
    client: Client, admin: dict[str, str], settings: Settings, world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    card = await card_by_number(client, admin, batch_id, VANITY[0])
    url = f"/giftcards/cards/{card['id']}/secret"
    before = await footprint(client, admin, world)
    others = [p for p in ALL_PERMISSIONS if p != "giftcards.secrets"]
    refused = problem(
        await client.post(url, headers=operator(settings, *others, subject="op-nosecret")),
        403,
        "auth.permission_required",
    )
    assert refused["details"] == {"permission": "giftcards.secrets"}
    assert "secret" not in refused
    problem(
        await client.post(url, headers=customer(settings, uuid.uuid4())),
        403,
        "auth.permission_required",
    )
    problem(await client.post(url), 401, "auth.unauthenticated")
    problem(
        await client.post(f"/giftcards/cards/{ZERO}/secret", headers=admin),
        404,
        "giftcard.card_not_found",
    )
    assert await footprint(client, admin, world) == before
    # the guards refused before anything ran; the unknown card was refused by the bus
    entries = await audit(client, admin, action="reveal_secret")
    assert [(e["actor"], e["outcome"]) for e in entries] == [("op-admin", "refused")]


# --- manual binding (GC-5) and activation records (GC-9) ---------------------------------------


@pytest.mark.rule("GC-5")
@pytest.mark.rule("GC-9")
async def test_an_operator_binds_a_card_to_a_user_or_a_phone(
    client: Client, admin: dict[str, str], settings: Settings
) -> None:
    batch_id = await given_batch(client, admin)
    to_user, to_phone, _ = [
        (await card_by_number(client, admin, batch_id, n))["id"] for n in VANITY
    ]
    binder = operator(settings, "giftcards.activate", subject="op-binder")
    user_id = uuid.uuid4()
    card = ok(
        await client.post(
            f"/giftcards/cards/{to_user}/bind", json={"user_id": str(user_id)}, headers=binder
        ),
        201,
    )
    assert (card["state"], card["user_id"], card["activated_by"]) == (
        "activated",
        str(user_id),
        "op-binder",
    )
    card = ok(
        await client.post(
            f"/giftcards/cards/{to_phone}/bind", json={"phone": "13800138000"}, headers=binder
        ),
        201,
    )
    assert (card["state"], card["phone"], card["user_id"]) == ("activated", "+8613800138000", None)

    records = ok(await client.get("/giftcards/activations", headers=admin))["items"]
    assert {(r["card_id"], r["via"], r["actor"]) for r in records} == {
        (to_user, "manual", "op-binder"),
        (to_phone, "manual", "op-binder"),
    }
    first = next(r for r in records if r["card_id"] == to_user)
    assert first == {
        **first,
        "batch_id": batch_id,
        "batch_name": "Spring ¥100",
        "number": VANITY[0],
        "amount": {"amount": "100.00", "currency": "CNY"},
        "user_id": str(user_id),
        "phone": None,
        "card_state": "activated",
    }
    entry = last(await history(client, admin, card_id=to_user), "activate")
    assert (entry["action"], entry["actor"]) == ("activate", "op-binder")
    problem(
        await client.post(
            f"/giftcards/cards/{to_user}/bind", json={"user_id": str(user_id)}, headers=binder
        ),
        409,
        "giftcard.already_activated",
    )


@pytest.mark.rule("GC-5")
@pytest.mark.rule("GC-3")
@pytest.mark.rule("SEC-4")
async def test_manual_binding_refusals_write_nothing(
    client: Client, admin: dict[str, str], world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    closed_id = (await create_batch(client, admin, numbers=["12341234"], name="closed"))["batch_id"]
    card = await card_by_number(client, admin, batch_id, VANITY[0])
    closed = await card_by_number(client, admin, closed_id, "12341234")
    before = await footprint(client, admin, world)
    url = f"/giftcards/cards/{card['id']}/bind"
    user = str(uuid.uuid4())
    for body in ({}, {"user_id": user, "phone": "13800138000"}, {"user_id": "nope"}, {"x": 1}):
        problem(await client.post(url, json=body, headers=admin), 400, "request.invalid")
    problem(
        await client.post(f"/giftcards/cards/{ZERO}/bind", json={"user_id": user}, headers=admin),
        404,
        "giftcard.card_not_found",
    )
    problem(
        await client.post(
            f"/giftcards/cards/{closed['id']}/bind", json={"user_id": user}, headers=admin
        ),
        409,
        "giftcard.batch_not_open",
    )
    ok(await client.post(f"/giftcards/batches/{batch_id}/pause", headers=admin))
    paused = await footprint(client, admin, world)
    problem(
        await client.post(url, json={"user_id": user}, headers=admin),
        409,
        "giftcard.batch_not_open",
    )
    assert await footprint(client, admin, world) == paused
    assert paused != before  # only the pause changed things


@pytest.mark.rule("GC-9")
@pytest.mark.rule("SEC-4")
async def test_activation_records_are_filtered(
    client: Client, admin: dict[str, str], world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    other_batch = await given_batch(client, admin, ("55555555",), name="other")
    ids = [(await card_by_number(client, admin, batch_id, n))["id"] for n in VANITY]
    alice, bob = uuid.uuid4(), uuid.uuid4()
    await bind(client, admin, ids[0], alice)
    world.clock.advance(hours=1)
    await bind(client, admin, ids[1], bob)
    world.clock.advance(hours=1)
    await bind(client, admin, (await cards_of(client, admin, other_batch))[0]["id"], alice)

    async def found(query: str) -> list[str]:
        page = ok(await client.get(f"/giftcards/activations?{query}", headers=admin))
        return [r["number"] for r in page["items"]]

    assert await found("") == ["55555555", VANITY[1], VANITY[0]]  # newest first
    assert await found(f"batch_id={batch_id}") == [VANITY[1], VANITY[0]]
    assert await found(f"user_id={alice}") == ["55555555", VANITY[0]]
    assert await found(f"number={VANITY[1]}") == [VANITY[1]]
    assert await found("via=manual") == ["55555555", VANITY[1], VANITY[0]]
    assert await found("via=self") == []
    since = (T0 + dt.timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    until = (T0 + dt.timedelta(minutes=90)).isoformat().replace("+00:00", "Z")
    assert await found(f"since={since}&until={until}") == [VANITY[1]]
    assert await found("limit=1&offset=1") == [VANITY[1]]
    for query in ("via=magic", "since=2026-03-01T00:00:00", "batch_id=nope", "limit=101"):
        problem(
            await client.get(f"/giftcards/activations?{query}", headers=admin),
            400,
            "request.invalid",
        )


# --- lookup (GC-14) ---------------------------------------------------------------------------


@pytest.mark.rule("GC-14")
async def test_lookup_by_number_returns_everything_about_the_card(
    client: Client, admin: dict[str, str], settings: Settings, world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    card = await card_by_number(client, admin, batch_id, VANITY[0])
    user_id = uuid.uuid4()
    world.clock.advance(seconds=1)
    await bind(client, admin, card["id"], user_id)
    world.clock.advance(seconds=1)
    order_id = str(uuid.uuid4())
    ok(
        await client.post(
            "/giftcards/payments",
            json={
                "order_id": order_id,
                "user_id": str(user_id),
                "amount": "30.00",
                "currency": "CNY",
                "card_ids": [card["id"]],
            },
            headers=admin,
        ),
        201,
    )
    helpdesk = operator(settings, "giftcards.lookup", subject="op-helpdesk")
    found = ok(await client.get("/giftcards/lookup?number=8888 8888-8888", headers=helpdesk))
    assert found["card"]["id"] == card["id"]
    assert found["card"]["balance"] == {"amount": "70.00", "currency": "CNY"}
    assert found["batch"]["id"] == batch_id
    assert found["activation"]["user_id"] == str(user_id)
    assert found["activation"]["via"] == "manual"
    assert [u["order_id"] for u in found["usages"]] == [order_id]
    assert [op["action"] for op in found["operations"]] == ["create", "activate", "spend"]

    problem(
        await client.get("/giftcards/lookup?number=1234567890", headers=helpdesk),
        404,
        "giftcard.card_not_found",
    )
    for query in ("", "?number=", f"?number={'1' * 65}"):
        problem(
            await client.get(f"/giftcards/lookup{query}", headers=helpdesk),
            400,
            "request.invalid",
        )
    problem(
        await client.get(
            f"/giftcards/lookup?number={VANITY[0]}", headers=operator(settings, "giftcards.read")
        ),
        403,
        "auth.permission_required",
    )


# --- selling virtual cards (GC-6) -------------------------------------------------------------


@pytest.mark.rule("GC-6")
async def test_selling_virtual_cards_assigns_unsold_cards_to_the_buyer(
    client: Client, admin: dict[str, str], settings: Settings, world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin, kind="virtual", card_maker=None)
    seller = operator(settings, "giftcards.sell", subject="op-shop")
    buyer = str(uuid.uuid4())
    url = f"/giftcards/batches/{batch_id}/sales"
    sale = {"buyer_id": buyer, "quantity": 2, "sale_ref": "order-1"}
    sold = ok(await client.post(url, json=sale, headers=seller))
    assert (sold["batch_id"], sold["buyer_id"], sold["sale_ref"]) == (batch_id, buyer, "order-1")
    numbers = [c["number"] for c in sold["cards"]]
    assert numbers == sorted(VANITY)[:2]  # lowest numbers first
    again = ok(await client.post(url, json=sale, headers=seller))
    assert again == sold  # the same sale reference answers the first sale

    listed = await cards_of(client, admin, batch_id, "&sales_state=sold")
    assert [c["number"] for c in listed] == numbers
    assert {c["buyer_id"] for c in listed} == {buyer}
    assert (await get_batch(client, admin, batch_id))["cards_by_state"]["sold"] == 2
    entry = last(await history(client, admin, card_id=listed[0]["id"]), "sell")
    assert (entry["action"], entry["actor"]) == ("sell", "op-shop")

    before = await footprint(client, admin, world)
    for body, status, code in [
        ({**sale, "quantity": 1}, 422, "giftcard.sale_ref_used"),
        ({**sale, "sale_ref": "order-2", "quantity": 2}, 409, "giftcard.sold_out"),
        ({**sale, "quantity": 0}, 400, "request.invalid"),
        ({**sale, "quantity": 101}, 400, "request.invalid"),
        ({**sale, "sale_ref": ""}, 400, "request.invalid"),
        ({"buyer_id": buyer, "quantity": 1}, 400, "request.invalid"),
    ]:
        problem(await client.post(url, json=body, headers=seller), status, code)
    problem(
        await client.post(f"/giftcards/batches/{ZERO}/sales", json=sale, headers=seller),
        404,
        "giftcard.batch_not_found",
    )
    assert await footprint(client, admin, world) == before
    physical = await given_batch(client, admin, ("1231231234",), name="paper")
    before = await footprint(client, admin, world)
    problem(
        await client.post(
            f"/giftcards/batches/{physical}/sales",
            json={**sale, "sale_ref": "order-3", "quantity": 1},
            headers=seller,
        ),
        409,
        "giftcard.not_for_sale",
    )
    assert await footprint(client, admin, world) == before
    ok(await client.post(f"/giftcards/batches/{batch_id}/pause", headers=admin))
    paused = await footprint(client, admin, world)
    problem(
        await client.post(url, json={**sale, "sale_ref": "order-4", "quantity": 1}, headers=seller),
        409,
        "giftcard.batch_not_open",
    )
    assert await footprint(client, admin, world) == paused


# --- who may do what (SEC-1) ------------------------------------------------------------------

OPERATOR_ROUTES: list[tuple[str, str, Any, str]] = [
    ("POST", "/giftcards/batches", "batch", "giftcards.manage"),
    ("GET", "/giftcards/batches", None, "giftcards.read"),
    ("GET", "/giftcards/batches/{batch}", None, "giftcards.read"),
    ("PATCH", "/giftcards/batches/{batch}", {"name": "x"}, "giftcards.manage"),
    ("POST", "/giftcards/batches/{batch}/cards", {"count": 1}, "giftcards.manage"),
    ("POST", "/giftcards/batches/{batch}/open", None, "giftcards.manage"),
    ("POST", "/giftcards/batches/{batch}/resume", None, "giftcards.manage"),
    ("POST", "/giftcards/batches/{batch}/pause", None, "giftcards.manage"),
    ("POST", "/giftcards/batches/{batch}/discard", None, "giftcards.manage"),
    ("GET", "/giftcards/batches/{batch}/cards", None, "giftcards.read"),
    ("GET", "/giftcards/batches/{batch}/history", None, "giftcards.read"),
    ("GET", "/giftcards/cards/{card}", None, "giftcards.read"),
    ("GET", "/giftcards/cards/{card}/history", None, "giftcards.read"),
    ("POST", "/giftcards/cards/{card}/secret", None, "giftcards.secrets"),
    ("POST", "/giftcards/cards/{card}/bind", {"user_id": "{user}"}, "giftcards.activate"),
    ("POST", "/giftcards/cards/{card}/discard", {"reason": "x"}, "giftcards.manage"),
    ("GET", "/giftcards/lookup?number=888888888888", None, "giftcards.lookup"),
    ("GET", "/giftcards/activations", None, "giftcards.read"),
    ("GET", "/giftcards/usages", None, "giftcards.read"),
    (
        "POST",
        "/giftcards/batches/{batch}/sales",
        {"buyer_id": "{user}", "quantity": 1, "sale_ref": "s-1"},
        "giftcards.sell",
    ),
    (
        "POST",
        "/giftcards/payments",
        {
            "order_id": "{order}",
            "user_id": "{user}",
            "amount": "10.00",
            "currency": "CNY",
            "card_ids": ["{bound}"],
        },
        "giftcards.tender",
    ),
    (
        "POST",
        "/giftcards/payments/{paid}/restore",
        {"key": "r-1", "reason": "cancelled"},
        "giftcards.tender",
    ),
    ("POST", "/giftcards/batches/{batch}/export-code", None, "giftcards.export"),
    (
        "POST",
        "/giftcards/batches/{batch}/exports",
        {"password": "long enough", "code": "123456"},
        "giftcards.export",
    ),
    ("GET", "/giftcards/batches/{batch}/exports", None, "giftcards.read"),
    ("GET", "/giftcards/exports/{zero}", None, "giftcards.read"),
    ("GET", "/giftcards/exports/{zero}/file", None, "giftcards.export"),
]
EXPORTER_CHECKED = {
    ("POST", "/giftcards/batches/{batch}/export-code"),
    ("POST", "/giftcards/batches/{batch}/exports"),
}
"""Guarded by ``operator_only`` alone: the exporter checks (and audits) the permission."""


async def _scene(client: Client, admin: dict[str, str]) -> dict[str, str]:
    """An open batch, a card bound to a user who paid an order with it."""
    batch_id = await given_batch(client, admin)
    cards = {c["number"]: c["id"] for c in await cards_of(client, admin, batch_id)}
    user = uuid.uuid4()
    await bind(client, admin, cards[VANITY[1]], user)
    paid = str(uuid.uuid4())
    body = {
        "order_id": paid,
        "user_id": str(user),
        "amount": "5.00",
        "currency": "CNY",
        "card_ids": [cards[VANITY[1]]],
    }
    ok(await client.post("/giftcards/payments", json=body, headers=admin), 201)
    return {
        "batch": batch_id,
        "card": cards[VANITY[0]],
        "bound": cards[VANITY[1]],
        "user": str(user),
        "order": str(uuid.uuid4()),
        "paid": paid,
        "zero": ZERO,
    }


def _fill(value: Any, scene: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, replacement in scene.items():
            value = value.replace(f"{{{name}}}", replacement)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, scene) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, scene) for v in value]
    return value


async def _send(
    client: Client,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    scene: dict[str, str],
) -> Any:
    payload = batch_body(count=1) if body == "batch" else _fill(body, scene)
    kwargs: dict[str, Any] = {"headers": headers}
    if payload is not None:
        kwargs["json"] = payload
    return await client.request(method, _fill(path, scene), **kwargs)


@pytest.mark.rule("SEC-1")
@pytest.mark.rule("SEC-2")
@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(("method", "path", "body", "permission"), OPERATOR_ROUTES)
async def test_operator_routes_need_their_permission_and_refusals_write_nothing(
    client: Client,
    settings: Settings,
    admin: dict[str, str],
    world: GiftWorld,
    method: str,
    path: str,
    body: Any,
    permission: str,
) -> None:
    scene = await _scene(client, admin)
    before = await footprint(client, admin, world)
    others = [p for p in ALL_PERMISSIONS if p != permission]
    exporter_checked = (method, path) in EXPORTER_CHECKED
    callers = {
        "anonymous": ({}, 401, "auth.unauthenticated"),
        "customer": (
            customer(settings, uuid.uuid4()),
            403,
            "auth.operator_only" if exporter_checked else "auth.permission_required",
        ),
        "operator without it": (
            operator(settings, *others, subject="op-other"),
            403,
            "auth.permission_required",
        ),
        "customer holding it": (customer_with(settings, permission), 403, "auth.operator_only"),
    }
    for who, (headers, status, code) in callers.items():
        response = await _send(client, method, path, body, headers, scene)
        refused = problem(response, status, code)
        if code == "auth.permission_required":
            assert refused["details"] == {"permission": permission}, who
        assert await footprint(client, admin, world) == before, who
    assert world.sms.sent == []
    entries = await audit(client, admin, actor="op-other")
    if exporter_checked:
        # refused by the exporter, and so audited (SEC-2)
        assert [(e["outcome"], e["detail"]["$error"]) for e in entries] == [
            ("refused", "auth.permission_required")
        ]
    else:
        assert entries == []  # a guard refused before any command existed


def customer_with(settings: Settings, permission: str) -> dict[str, str]:
    return bearer(settings, str(uuid.uuid4()), "customer", permission)


@pytest.mark.rule("SEC-1")
@pytest.mark.parametrize(("method", "path", "body", "permission"), OPERATOR_ROUTES)
async def test_the_permission_alone_lets_an_operator_through(
    client: Client,
    settings: Settings,
    admin: dict[str, str],
    method: str,
    path: str,
    body: Any,
    permission: str,
) -> None:
    scene = await _scene(client, admin)
    headers = operator(settings, permission, subject="op-single")
    response = await _send(client, method, path, body, headers, scene)
    # past the guards: unknown ids answer 404, a wrong one-time code `otp.invalid`, someone
    # else's batch `giftcard.key_required` — never a missing permission
    assert response.status_code != 401, response.text
    if response.status_code == 403:
        assert response.json()["code"] in ("otp.invalid", "giftcard.key_required"), response.text


UNKNOWN_IDS: list[tuple[str, str, Any, str]] = [
    ("GET", "/giftcards/batches/{zero}", None, "giftcard.batch_not_found"),
    ("PATCH", "/giftcards/batches/{zero}", {"name": "x"}, "giftcard.batch_not_found"),
    ("POST", "/giftcards/batches/{zero}/cards", {"count": 1}, "giftcard.batch_not_found"),
    ("POST", "/giftcards/batches/{zero}/open", None, "giftcard.batch_not_found"),
    ("POST", "/giftcards/batches/{zero}/resume", None, "giftcard.batch_not_found"),
    ("POST", "/giftcards/batches/{zero}/pause", None, "giftcard.batch_not_found"),
    ("POST", "/giftcards/batches/{zero}/discard", None, "giftcard.batch_not_found"),
    ("GET", "/giftcards/batches/{zero}/cards", None, "giftcard.batch_not_found"),
    ("GET", "/giftcards/batches/{zero}/history", None, "giftcard.batch_not_found"),
    ("GET", "/giftcards/cards/{zero}", None, "giftcard.card_not_found"),
    ("GET", "/giftcards/cards/{zero}/history", None, "giftcard.card_not_found"),
    ("POST", "/giftcards/cards/{zero}/secret", None, "giftcard.card_not_found"),
    ("POST", "/giftcards/cards/{zero}/bind", {"user_id": "{user}"}, "giftcard.card_not_found"),
    ("POST", "/giftcards/cards/{zero}/discard", {}, "giftcard.card_not_found"),
    (
        "POST",
        "/giftcards/batches/{zero}/sales",
        {"buyer_id": "{user}", "quantity": 1, "sale_ref": "s"},
        "giftcard.batch_not_found",
    ),
    (
        "POST",
        "/giftcards/payments",
        {
            "order_id": "{order}",
            "user_id": "{user}",
            "amount": "1.00",
            "currency": "CNY",
            "card_ids": ["{zero}"],
        },
        "giftcard.card_not_found",
    ),
    ("POST", "/giftcards/batches/{zero}/export-code", None, "giftcard.batch_not_found"),
    ("GET", "/giftcards/batches/{zero}/exports", None, "giftcard.batch_not_found"),
    ("GET", "/giftcards/exports/{zero}", None, "giftcard.export_not_found"),
    ("GET", "/giftcards/exports/{zero}/file", None, "giftcard.export_not_found"),
    ("GET", "/giftcards/batches/not-a-uuid", None, "http.not_found"),
    ("GET", "/giftcards/cards/not-a-uuid", None, "http.not_found"),
]


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(("method", "path", "body", "code"), UNKNOWN_IDS)
async def test_unknown_ids_are_404_and_write_nothing(
    client: Client,
    admin: dict[str, str],
    world: GiftWorld,
    method: str,
    path: str,
    body: Any,
    code: str,
) -> None:
    scene = await _scene(client, admin)
    before = await footprint(client, admin, world)
    response = await _send(client, method, path, body, admin, scene)
    problem(response, 404, code)
    assert await footprint(client, admin, world) == before
    assert world.sms.sent == []


async def test_the_openapi_document_describes_the_gift_card_api(
    client: Client, settings: Settings
) -> None:
    response = await client.get("/schema/openapi.json")
    document = ok(response)
    paths = document["paths"]
    for path in (
        "/giftcards/batches",
        "/giftcards/batches/{batch_id}",
        "/giftcards/cards/{card_id}/secret",
        "/giftcards/exports/{export_id}/file",
        "/giftcards/activate",
        "/me/giftcards",
    ):
        assert path in paths, sorted(paths)
    create = paths["/giftcards/batches"]["post"]
    assert "`giftcards.manage`" in create["description"]
    assert {"201", "202", "400", "401", "403", "422"} <= set(create["responses"])
    secret = paths["/giftcards/cards/{card_id}/secret"]["post"]
    assert "`giftcards.secrets`" in secret["description"]
