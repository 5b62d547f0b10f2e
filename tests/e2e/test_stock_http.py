"""Warehouses and stock over HTTP (STK-1, SEC-1): operators with ``stock.write`` add warehouses
and adjust stock (audited, never below what is reserved); with ``stock.read`` they read it;
nobody else does either, and bad input changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer, problem
from tests.e2e.coupon_http_support import Client

from shop_adapters.http.fulfillment import FULFILLMENT_CONTROLLERS
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_app.fulfillment.stock import ReserveStock, StockLine
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
MUG = uuid.UUID(int=0x5C01)
pytestmark = pytest.mark.rule("STK-1")


@pytest.fixture
async def shop(settings: Settings) -> AsyncIterator[MemoryShop]:
    made = memory_shop(settings, clock=FixedClock(NOW))
    yield made
    await made.close()


@pytest.fixture
async def client(shop: MemoryShop) -> AsyncIterator[Client]:
    with seated_app(shop.runtime, FULFILLMENT_CONTROLLERS) as app:
        async with AsyncTestClient(app) as client:
            yield client


async def test_an_operator_stocks_a_warehouse_and_reads_what_is_reserved(
    client: Client, shop: MemoryShop, settings: Settings
) -> None:
    writer = bearer(settings, "op-1", "operator", "stock.write")
    reader = bearer(settings, "op-2", "operator", "stock.read")
    body = {"code": "SH-1", "name": "Shanghai", "regions": ["310000", "320500"]}
    made = await client.post("/warehouses", json=body, headers=writer)
    assert made.status_code == 201, made.text
    house = made.json()["id"]
    problem(
        await client.post("/warehouses", json=body, headers=writer),
        409,
        "stock.warehouse_code_taken",
    )
    [listed] = (await client.get("/warehouses", headers=reader)).json()
    assert (listed["code"], listed["regions"], listed["active"]) == (
        "SH-1",
        ["310000", "320500"],
        True,
    )
    path = f"/stock/{MUG}/{house}/adjustments"
    added = await client.post(path, json={"change": 10, "reason": "received"}, headers=writer)
    assert added.json()["available"] == 10
    await shop.runtime.bus.handle(
        ReserveStock(order_id=uuid.uuid4(), lines=(StockLine(MUG, uuid.UUID(house), 7),))
    )
    problem(
        await client.post(path, json={"change": -4, "reason": "damaged"}, headers=writer),
        409,
        "stock.below_reserved",
    )
    levels = (await client.get(f"/stock/{MUG}", headers=reader)).json()
    assert [(s["on_hand"], s["reserved"], s["available"]) for s in levels] == [(10, 7, 3)]


async def test_only_operators_with_the_permission_and_good_input_change_stock(
    client: Client, settings: Settings
) -> None:
    writer = bearer(settings, "op-1", "operator", "stock.write")
    reader = bearer(settings, "op-2", "operator", "stock.read")
    customer = bearer(settings, str(uuid.uuid4()), "customer", "stock.write")
    body = {"code": "BJ-1", "name": "Beijing", "regions": ["110000"]}
    problem(
        await client.post("/warehouses", json=body, headers=reader), 403, "auth.permission_required"
    )
    problem(
        await client.post("/warehouses", json=body, headers=customer), 403, "auth.operator_only"
    )
    problem(await client.get("/warehouses"), 401, "auth.unauthenticated")
    for bad in (
        {**body, "regions": []},
        {**body, "regions": ["31"]},
        {**body, "code": ""},
        {**body, "extra": 1},
    ):
        problem(await client.post("/warehouses", json=bad, headers=writer), 400, "request.invalid")
    problem(
        await client.post("/warehouses", json={**body, "regions": ["000000"]}, headers=writer),
        422,
        "stock.invalid",
    )
    assert (await client.get("/warehouses", headers=reader)).json() == []
    nowhere = f"/stock/{MUG}/{uuid.uuid4()}/adjustments"
    problem(
        await client.post(nowhere, json={"change": 1, "reason": "x"}, headers=writer),
        404,
        "stock.warehouse_not_found",
    )
    problem(
        await client.post(nowhere, json={"change": 0, "reason": "x"}, headers=writer),
        404,
        "stock.warehouse_not_found",
    )
    assert (await client.get(f"/stock/{MUG}", headers=reader)).json() == []
