"""Points over HTTP (PTS-1, PTS-8, SEC-1): a customer reads their own points and history and
checks in once a day; an operator with ``points.read`` reads anyone's and with ``points.write``
adjusts them (audited, never below zero); every other caller is refused, and bad input is
refused changing nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer, problem
from tests.e2e.coupon_http_support import Client

from shop_adapters.http.loyalty import LOYALTY_CONTROLLERS
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_app.loyalty.membership import OrderCompleted
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 4, 10, 2, 0, tzinfo=dt.UTC)
ALICE, BOB = uuid.UUID(int=0xA11CE), uuid.UUID(int=0xB0B)


@pytest.fixture
async def shop(settings: Settings) -> AsyncIterator[MemoryShop]:
    made = memory_shop(settings, clock=FixedClock(NOW))
    yield made
    await made.close()


@pytest.fixture
async def client(shop: MemoryShop) -> AsyncIterator[Client]:
    with seated_app(shop.runtime, LOYALTY_CONTROLLERS) as app:
        async with AsyncTestClient(app) as client:
            yield client


@pytest.mark.rule("PTS-1")
@pytest.mark.rule("PTS-8")
async def test_a_customer_checks_in_once_a_day_and_reads_their_points(
    client: Client, shop: MemoryShop, settings: Settings
) -> None:
    alice = bearer(settings, str(ALICE), "customer")
    first = await client.post("/me/points/check-in", headers=alice)
    assert first.status_code == 201
    assert first.json() == {"day": "2026-04-10", "streak": 1, "points": 5, "balance": 5}
    again = await client.post("/me/points/check-in", headers=alice)
    problem(again, 409, "points.already_checked_in")
    shop.clock.advance(days=1)
    assert (await client.post("/me/points/check-in", headers=alice)).json()["points"] == 8
    mine = (await client.get("/me/points", headers=alice)).json()
    assert (mine["balance"], mine["available"], mine["pending"]) == (13, 13, 0)
    history = (await client.get("/me/points/history?limit=1", headers=alice)).json()
    assert history["total"] == 2
    assert [(e["kind"], e["points"], e["balance_after"]) for e in history["items"]] == [
        ("earn", 8, 13)
    ]
    bob = bearer(settings, str(BOB), "customer")
    assert (await client.get("/me/points", headers=bob)).json()["balance"] == 0


async def test_operators_read_and_adjust_with_their_permissions_only(
    client: Client, settings: Settings
) -> None:
    alice = bearer(settings, str(ALICE), "customer")
    await client.post("/me/points/check-in", headers=alice)
    reader = bearer(settings, "op-1", "operator", "points.read")
    writer = bearer(settings, "op-2", "operator", "points.write")
    path = f"/points/accounts/{ALICE}"
    assert (await client.get(path, headers=reader)).json()["balance"] == 5
    body = {"points": 20, "reason": "goodwill"}
    denied = await client.post(f"{path}/adjustments", json=body, headers=reader)
    problem(denied, 403, "auth.permission_required")
    added = await client.post(f"{path}/adjustments", json=body, headers=writer)
    assert added.status_code == 201
    assert added.json() == {"points": 20, "balance": 25, "pending": 0, "held": 0}
    too_much = {"points": -26, "reason": "fraud"}
    refused = await client.post(f"{path}/adjustments", json=too_much, headers=writer)
    problem(refused, 409, "points.insufficient")
    assert (await client.get(path, headers=reader)).json()["balance"] == 25
    # customers never reach the back office, operators never the customer's routes
    problem(await client.get(path, headers=alice), 403, "auth.permission_required")
    problem(await client.get("/me/points", headers=reader), 403, "auth.customer_only")
    assert (await client.get("/me/points")).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"points": 0, "reason": "x"},
        {"points": 5, "reason": ""},
        {"points": "5", "reason": "x"},
        {"points": 5},
        {"points": 5, "reason": "x", "extra": 1},
        {"points": 10**13, "reason": "x"},
    ],
)
async def test_a_bad_adjustment_is_refused_and_changes_nothing(
    client: Client, settings: Settings, body: dict[str, object]
) -> None:
    writer = bearer(settings, "op-2", "operator", "points.write", "points.read")
    path = f"/points/accounts/{ALICE}"
    response = await client.post(f"{path}/adjustments", json=body, headers=writer)
    assert response.status_code in (400, 422)
    assert (await client.get(path, headers=writer)).json()["balance"] == 0


@pytest.mark.rule("MEM-1")
async def test_a_customer_reads_their_level_and_what_the_next_one_needs(
    client: Client, shop: MemoryShop, settings: Settings
) -> None:
    alice = bearer(settings, str(ALICE), "customer")
    before = (await client.get("/me/membership", headers=alice)).json()
    assert before == {
        "level": 0,
        "level_name": "normal",
        "points_multiplier": "1",
        "growth": 0,
        "window_growth": 0,
        "next_level": "silver",
        "growth_to_next_level": 1000,
        "phone": None,
        "phone_verified_at": None,
    }
    await shop.runtime.bus.handle(
        OrderCompleted(user_id=ALICE, order_id=uuid.uuid4(), paid=120_000)
    )
    after = (await client.get("/me/membership", headers=alice)).json()
    assert (after["level_name"], after["growth"], after["growth_to_next_level"]) == (
        "silver",
        1200,
        3800,
    )
    operator = bearer(settings, "op-1", "operator", "points.read")
    problem(await client.get("/me/membership", headers=operator), 403, "auth.customer_only")


async def test_operators_read_a_members_level_and_the_programme(
    client: Client, shop: MemoryShop, settings: Settings
) -> None:
    await shop.runtime.bus.handle(
        OrderCompleted(user_id=ALICE, order_id=uuid.uuid4(), paid=600_000)
    )
    reader = bearer(settings, "op-1", "operator", "points.read")
    member = (await client.get(f"/members/{ALICE}", headers=reader)).json()
    assert (member["level_name"], member["growth"], member["next_level"]) == (
        "gold",
        6000,
        "diamond",
    )
    programme = (await client.get("/loyalty/programme", headers=reader)).json()["programme"]
    assert programme["expiry"]["policy"] == "calendar"
    assert programme["earning"]["check_in_scale"][:3] == [5, 8, 12]
    assert [level["name"] for level in programme["levels"]["levels"]] == [
        "normal",
        "silver",
        "gold",
        "diamond",
    ]
    alice = bearer(settings, str(ALICE), "customer")
    problem(await client.get(f"/members/{ALICE}", headers=alice), 403, "auth.permission_required")
    problem(await client.get("/loyalty/programme", headers=alice), 403, "auth.permission_required")


@pytest.mark.rule("MEM-1")
async def test_operators_list_members_the_most_growth_first_and_by_level(
    client: Client, shop: MemoryShop, settings: Settings
) -> None:
    carol = uuid.UUID(int=0xCA201)
    for user, paid in ((ALICE, 600_000), (BOB, 150_000), (carol, 20_000)):
        await shop.runtime.bus.handle(
            OrderCompleted(user_id=user, order_id=uuid.uuid4(), paid=paid)
        )
    reader = bearer(settings, "op-1", "operator", "points.read")
    listed = (await client.get("/members", headers=reader)).json()
    assert listed["total"] == 3
    assert [(m["user_id"], m["level_name"], m["growth"]) for m in listed["items"]] == [
        (str(ALICE), "gold", 6000),
        (str(BOB), "silver", 1500),
        (str(carol), "normal", 200),
    ]
    silver = (await client.get("/members?level=1&limit=5", headers=reader)).json()
    assert ([m["user_id"] for m in silver["items"]], silver["total"]) == ([str(BOB)], 1)
    second = (await client.get("/members?limit=1&offset=1", headers=reader)).json()
    assert [m["user_id"] for m in second["items"]] == [str(BOB)]
    problem(await client.get("/members?level=-1", headers=reader), 400, "request.invalid")
    alice = bearer(settings, str(ALICE), "customer")
    problem(await client.get("/members", headers=alice), 403, "auth.permission_required")
