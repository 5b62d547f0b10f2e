"""The points mall over HTTP (PTS-9, SEC-1): anyone lists the items; a customer redeems with
their points and cancels their own before it ships; operators add items, restock and move
redemptions on; sold out and insufficient points are 409s that change nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer, problem
from tests.e2e.coupon_http_support import Client
from tests.unit.coupons.coupon_builders import definition, limits

from shop_adapters.http.loyalty import LOYALTY_CONTROLLERS
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_app.coupons import commands as cc
from shop_app.loyalty.commands import GrantPoints
from shop_domain.coupons.terms import Acquisition
from shop_domain.loyalty.lots import Source
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 4, 10, 2, 0, tzinfo=dt.UTC)
ALICE, BOB = uuid.UUID(int=0xA11CE), uuid.UUID(int=0xB0B)


@pytest.fixture
async def shop(settings: Settings) -> AsyncIterator[MemoryShop]:
    made = memory_shop(settings, clock=FixedClock(NOW))
    await made.runtime.bus.handle(GrantPoints(user_id=ALICE, points=500, source=Source.ACTIVITY))
    yield made
    await made.close()


@pytest.fixture
async def client(shop: MemoryShop) -> AsyncIterator[Client]:
    with seated_app(shop.runtime, LOYALTY_CONTROLLERS) as app:
        async with AsyncTestClient(app) as client:
            yield client


@pytest.mark.rule("PTS-9")
async def test_a_customer_redeems_and_cancels_and_an_operator_ships(
    client: Client, settings: Settings
) -> None:
    ops = bearer(settings, "op-1", "operator", "points.write", "points.read")
    alice = bearer(settings, str(ALICE), "customer")
    bob = bearer(settings, str(BOB), "customer")
    made = await client.post(
        "/mall/items",
        json={
            "name": "mug",
            "points": 200,
            "stock": 2,
            "cash": {"amount": "9.90", "currency": "CNY"},
        },
        headers=ops,
    )
    assert made.status_code == 201
    mug = made.json()["id"]
    listed = (await client.get("/mall/items")).json()  # no token needed
    assert [(i["name"], i["points"], i["stock"], i["cash"]["amount"]) for i in listed["items"]] == [
        ("mug", 200, 2, "9.90")
    ]
    placed = await client.post("/me/mall/redemptions", json={"item_id": mug}, headers=alice)
    assert placed.status_code == 201
    body = placed.json()
    assert (body["state"], body["points"], body["balance"]) == ("pending_payment", 200, 300)
    problem(
        await client.post("/me/mall/redemptions", json={"item_id": mug}, headers=bob),
        409,
        "points.insufficient",
    )
    redemption = body["redemption_id"]
    problem(
        await client.post(f"/me/mall/redemptions/{redemption}/cancel", headers=bob),
        404,
        "points.redemption_not_found",
    )
    for step, state in (("pay", "pending_shipment"), ("ship", "shipped")):
        moved = await client.post(f"/mall/redemptions/{redemption}/{step}", headers=ops)
        assert moved.json() == {"state": state}
    problem(
        await client.post(f"/me/mall/redemptions/{redemption}/cancel", headers=alice),
        409,
        "points.redemption_state",
    )
    second = await client.post(
        "/me/mall/redemptions", json={"item_id": mug, "quantity": 1}, headers=alice
    )
    cancelled = await client.post(
        f"/me/mall/redemptions/{second.json()['redemption_id']}/cancel", headers=alice
    )
    assert (cancelled.json()["state"], cancelled.json()["balance"]) == ("cancelled", 300)
    mine = (await client.get("/me/mall/redemptions", headers=alice)).json()
    assert [r["state"] for r in mine["items"]] == ["cancelled", "shipped"]
    assert (await client.get("/mall/redemptions", headers=ops)).json()["total"] == 2
    problem(
        await client.post(f"/mall/items/{mug}/restock", json={"quantity": 5}, headers=alice),
        403,
        "auth.permission_required",
    )
    restocked = await client.post(f"/mall/items/{mug}/restock", json={"quantity": 5}, headers=ops)
    assert restocked.json() == {"stock": 6}


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "points": 1, "stock": 1},
        {"name": "x", "points": 0, "stock": 1},
        {"name": "x", "points": 1, "stock": -1},
        {"name": "x", "points": 1, "stock": 1, "extra": 1},
        {"name": "x", "points": 1, "stock": 1, "cash": {"amount": "0", "currency": "CNY"}},
    ],
)
async def test_a_bad_item_is_refused_and_adds_nothing(
    client: Client, settings: Settings, body: dict[str, object]
) -> None:
    ops = bearer(settings, "op-1", "operator", "points.write")
    assert (await client.post("/mall/items", json=body, headers=ops)).status_code in (400, 422)
    assert (await client.get("/mall/items")).json()["total"] == 0


@pytest.mark.rule("CPN-1")
async def test_a_customer_exchanges_points_for_a_coupon(
    client: Client, shop: MemoryShop, settings: Settings
) -> None:
    bus = shop.runtime.bus
    priced = definition(limits=limits(per_user=5, per_day=None), acquisition=Acquisition(300))
    template = await bus.handle(cc.CreateTemplate(definition=priced, created_by="ops"))
    await bus.handle(cc.ActivateTemplate(template_id=template))
    alice = {**bearer(settings, str(ALICE), "customer"), "Idempotency-Key": "ex-1"}
    body = {"template_id": str(template)}
    first = await client.post("/me/mall/coupons", json=body, headers=alice)
    assert first.status_code == 201, first.text
    assert (first.json()["points"], first.json()["balance"]) == (300, 200)
    again = await client.post("/me/mall/coupons", json=body, headers=alice)
    assert again.json() == first.json()  # the same key: the same coupon, no more points
    other = {**alice, "Idempotency-Key": "ex-2"}
    problem(
        await client.post("/me/mall/coupons", json=body, headers=other), 409, "points.insufficient"
    )


@pytest.mark.rule("PTS-9")
async def test_a_withdrawn_item_is_redeemed_no_more_until_offered_again(
    client: Client, settings: Settings
) -> None:
    ops = bearer(settings, "op-1", "operator", "points.write")
    alice = bearer(settings, str(ALICE), "customer")
    body = {"name": "Umbrella", "points": 100, "stock": 3}
    item = (await client.post("/mall/items", json=body, headers=ops)).json()["id"]
    redeem = {"item_id": item}
    placed = await client.post("/me/mall/redemptions", json=redeem, headers=alice)
    assert placed.status_code == 201
    problem(
        await client.post(f"/mall/items/{item}/withdraw", headers=alice),
        403,
        "auth.permission_required",
    )
    withdrawn = await client.post(f"/mall/items/{item}/withdraw", headers=ops)
    assert withdrawn.json() == {"active": False}
    assert (await client.get("/mall/items")).json()["total"] == 0
    problem(
        await client.post("/me/mall/redemptions", json=redeem, headers=alice),
        409,
        "points.mall_item_unavailable",
    )
    assert (await client.get("/me/points", headers=alice)).json()["balance"] == 400
    redemption = placed.json()["redemption_id"]  # placed before: it goes on, and gives back
    cancelled = await client.post(f"/me/mall/redemptions/{redemption}/cancel", headers=alice)
    assert cancelled.json()["balance"] == 500
    offered = await client.post(f"/mall/items/{item}/offer", headers=ops)
    assert offered.json() == {"active": True}
    [listed] = (await client.get("/mall/items")).json()["items"]
    assert listed["stock"] == 3
    assert (
        await client.post("/me/mall/redemptions", json=redeem, headers=alice)
    ).status_code == 201
    problem(
        await client.post(f"/mall/items/{uuid.uuid4()}/withdraw", headers=ops),
        409,
        "points.mall_item_unavailable",
    )
