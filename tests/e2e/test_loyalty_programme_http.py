"""The points programme over HTTP (PTS-1..4, MEM-1..3, SEC-1): operators read the programme in
force and its revisions; those with ``points.programme`` change it — the next command follows
the new rules; a change from a stale revision or with a rule the programme refuses changes
nothing; nobody else may change it."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer, problem
from tests.e2e.coupon_http_support import Client

from shop_adapters.http.loyalty import LOYALTY_CONTROLLERS
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_app.loyalty import commands as c
from shop_app.loyalty.membership import OrderCompleted
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 4, 10, 2, 0, tzinfo=dt.UTC)
ALICE = uuid.UUID(int=0xA11CE)
PATH = "/loyalty/programme"
pytestmark = [pytest.mark.rule("PTS-1"), pytest.mark.rule("MEM-1")]


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


def operator(settings: Settings, *perms: str) -> dict[str, str]:
    return bearer(settings, "op-1", "operator", *perms)


async def read(client: Client, settings: Settings) -> dict[str, Any]:
    answer = await client.get(PATH, headers=operator(settings, "points.read"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_an_operator_changes_the_programme_and_the_next_commands_follow_it(
    client: Client, shop: MemoryShop, settings: Settings
) -> None:
    before = await read(client, settings)
    assert (before["revision"], before["changed_by"], before["changed_at"]) == (
        0,
        "installation",
        None,
    )
    programme = copy.deepcopy(before["programme"])
    programme["earning"]["check_in_scale"] = [7, 9]
    programme["levels"]["levels"][1]["min_growth"] = 500  # silver from 500 growth
    programme["levels"]["levels"][1]["points_multiplier"] = "3"
    body = {"revision": 0, "reason": "spring campaign", "programme": programme}
    changed = await client.put(PATH, json=body, headers=operator(settings, "points.programme"))
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert (after["revision"], after["changed_by"], after["reason"]) == (
        1,
        "op-1",
        "spring campaign",
    )
    assert after["programme"] == programme
    assert await read(client, settings) == after

    alice = bearer(settings, str(ALICE), "customer")
    checked = (await client.post("/me/points/check-in", headers=alice)).json()
    assert checked["points"] == 7  # the new scale's first day
    bus = shop.runtime.bus
    await bus.handle(OrderCompleted(user_id=ALICE, order_id=uuid.uuid4(), paid=60_000))
    membership = (await client.get("/me/membership", headers=alice)).json()
    assert (membership["level_name"], membership["points_multiplier"]) == ("silver", "3")
    earned = await bus.handle(
        c.EarnPurchasePoints(user_id=ALICE, order_id=uuid.uuid4(), key="k", paid=100_000)
    )
    assert earned.pending == 300  # 100 yuan at 1 point a 10 yuan, × 3


async def test_a_change_from_a_stale_revision_or_of_a_refused_rule_changes_nothing(
    client: Client, settings: Settings
) -> None:
    changer = operator(settings, "points.programme")
    programme = (await read(client, settings))["programme"]
    first = copy.deepcopy(programme)
    first["shortfall"] = "negative"
    assert (
        await client.put(
            PATH, json={"revision": 0, "reason": "a", "programme": first}, headers=changer
        )
    ).status_code == 200
    stale = copy.deepcopy(programme)
    stale["checkout"]["max_share"] = "0.3"
    conflict = problem(
        await client.put(
            PATH, json={"revision": 0, "reason": "b", "programme": stale}, headers=changer
        ),
        409,
        "points.programme_conflict",
    )
    assert conflict["details"] == {"revision": 1}

    refused = copy.deepcopy(first)
    refused["levels"]["levels"][2]["min_growth"] = 10  # below silver's
    bad = problem(
        await client.put(
            PATH, json={"revision": 1, "reason": "c", "programme": refused}, headers=changer
        ),
        422,
        "points.invalid_programme",
    )
    assert bad["details"]["field"] == "levels"
    for spoiled in (
        {"revision": 1, "reason": "d", "programme": {**first, "colour": "blue"}},
        {"revision": 1, "reason": "", "programme": first},
        {"revision": -1, "reason": "e", "programme": first},
        {"revision": 1, "reason": "f", "programme": {**first, "shortfall": "maybe"}},
        {"revision": 1, "reason": "g"},
        [],
    ):
        problem(await client.put(PATH, json=spoiled, headers=changer), 400, "request.invalid")
    now = await read(client, settings)
    assert (now["revision"], now["programme"]) == (1, first)

    again = await client.put(
        PATH, json={"revision": 1, "reason": "same", "programme": first}, headers=changer
    )
    assert (again.json()["revision"], again.json()["reason"]) == (1, "a")  # nothing written


async def test_revisions_are_kept_newest_first_with_who_and_why(
    client: Client, settings: Settings
) -> None:
    changer = operator(settings, "points.programme")
    programme = (await read(client, settings))["programme"]
    for revision, share in enumerate(("0.4", "0.3", "0.2")):
        programme["checkout"]["max_share"] = share
        body = {"revision": revision, "reason": f"share {share}", "programme": programme}
        assert (await client.put(PATH, json=body, headers=changer)).status_code == 200
    reader = operator(settings, "points.read")
    revisions = (await client.get(f"{PATH}/revisions", headers=reader)).json()
    assert [(r["revision"], r["reason"]) for r in revisions] == [
        (3, "share 0.2"),
        (2, "share 0.3"),
        (1, "share 0.4"),
    ]
    assert revisions[1]["programme"]["checkout"]["max_share"] == "0.3"
    older = (await client.get(f"{PATH}/revisions?before=3&limit=1", headers=reader)).json()
    assert [r["revision"] for r in older] == [2]
    problem(await client.get(f"{PATH}/revisions?limit=0", headers=reader), 400, "request.invalid")


async def test_only_operators_with_the_permission_change_the_programme(
    client: Client, settings: Settings
) -> None:
    programme = (await read(client, settings))["programme"]
    body = {"revision": 0, "reason": "mine", "programme": programme}
    alice = bearer(settings, str(ALICE), "customer", "points.programme")
    for headers, status, code in (
        ({}, 401, "auth.unauthenticated"),
        (bearer(settings, str(ALICE), "customer"), 403, "auth.permission_required"),
        (alice, 403, "auth.operator_only"),
        (operator(settings, "points.read", "points.write"), 403, "auth.permission_required"),
    ):
        problem(await client.put(PATH, json=body, headers=headers), status, code)
    problem(await client.get(f"{PATH}/revisions", headers=alice), 403, "auth.permission_required")
    assert (await read(client, settings))["revision"] == 0
