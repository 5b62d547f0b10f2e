"""Freight over HTTP (SHP-1, SEC-1): operators with ``freight.write`` keep a shop's templates
and rule, with ``freight.read`` they read them; nobody else does either; bad input changes
nothing; the checkout's quote sees what they set."""

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
from shop_app.fulfillment.freight import FreightQuotes, ShopShipment
from shop_domain.fulfillment.freight_quote import FreightLine
from shop_domain.shared.money import Money
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
SHOP = uuid.UUID(int=0x5A)
pytestmark = pytest.mark.rule("SHP-1")
TEMPLATE = {
    "name": "parcel",
    "currency": "CNY",
    "charging": "piece",
    "default": {"first": 1, "first_fee": "8.00", "step": 1, "step_fee": "2"},
    "regions": [{"region": "110000", "first": 1, "first_fee": "15", "step": 1, "step_fee": "5"}],
    "free": [{"type": "pieces", "pieces": 10}, {"type": "amount", "amount": "99"}],
}
RULE = {"currency": "CNY", "default": {"fee": "10", "free_from": "69"}, "combine": "max"}


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


async def test_an_operator_keeps_templates_and_the_rule_and_the_quote_follows(
    client: Client, shop: MemoryShop, settings: Settings
) -> None:
    writer = bearer(settings, "op-1", "operator", "freight.write")
    reader = bearer(settings, "op-2", "operator", "freight.read")
    base = f"/shops/{SHOP}/freight"
    made = await client.post(f"{base}/templates", json=TEMPLATE, headers=writer)
    assert made.status_code == 201, made.text
    template = made.json()
    assert template["default"]["first_fee"] == {"amount": "8.00", "currency": "CNY"}
    assert [f["kind"] for f in template["free"]] == ["pieces", "amount"]
    edited = await client.put(
        f"{base}/templates/{template['id']}", json={**TEMPLATE, "priority": True}, headers=writer
    )
    assert edited.json()["priority"] is True
    problem(await client.get(f"{base}/rule", headers=reader), 404, "freight.rule_not_found")
    set_rule = await client.put(f"{base}/rule", json=RULE, headers=writer)
    assert set_rule.json()["combine"] == "max", set_rule.text
    assert (await client.get(f"{base}/rule", headers=reader)).json()["default"]["free_from"] == {
        "amount": "69.00",
        "currency": "CNY",
    }
    [listed] = (await client.get(f"{base}/templates", headers=reader)).json()
    assert listed["id"] == template["id"]
    lines = (
        FreightLine(uuid.uuid4(), 2, 100, uuid.UUID(template["id"]), Money.of("30", "CNY")),
        FreightLine(uuid.uuid4(), 1, 100, None, Money.of("50", "CNY")),
    )
    fees = await shop.runtime.get(FreightQuotes).fees([ShopShipment(SHOP, lines)], "110105")
    assert fees[SHOP].fee == Money.of("20", "CNY")  # 80 ≥ 69: free but the priority template
    removed = await client.delete(f"{base}/templates/{template['id']}", headers=writer)
    assert removed.status_code == 204
    problem(
        await client.get(f"{base}/templates/{template['id']}", headers=reader),
        404,
        "freight.template_not_found",
    )


async def test_only_operators_with_the_permission_and_good_input_change_freight(
    client: Client, settings: Settings
) -> None:
    writer = bearer(settings, "op-1", "operator", "freight.write")
    reader = bearer(settings, "op-2", "operator", "freight.read")
    customer = bearer(settings, str(uuid.uuid4()), "customer", "freight.write")
    path = f"/shops/{SHOP}/freight/templates"
    problem(await client.post(path, json=TEMPLATE, headers=reader), 403, "auth.permission_required")
    problem(await client.post(path, json=TEMPLATE, headers=customer), 403, "auth.operator_only")
    problem(await client.get(path, headers=writer), 403, "auth.permission_required")
    problem(await client.get(path), 401, "auth.unauthenticated")
    for bad in (
        {**TEMPLATE, "default": {"first": 0, "first_fee": "1", "step": 1, "step_fee": "1"}},
        {
            **TEMPLATE,
            "regions": [{"region": "31", "first": 1, "first_fee": "1", "step": 1, "step_fee": "1"}],
        },
        {**TEMPLATE, "free": [{"type": "never"}]},
        {**TEMPLATE, "extra": 1},
    ):
        problem(await client.post(path, json=bad, headers=writer), 400, "request.invalid")
    for bad, code in (
        ({**TEMPLATE, "charging": "volume"}, "freight.invalid"),
        ({**TEMPLATE, "default": None, "regions": []}, "freight.invalid"),
        (
            {**TEMPLATE, "regions": [{**TEMPLATE["regions"][0], "region": "000000"}]},  # type: ignore[index]
            "freight.invalid",
        ),
    ):
        problem(await client.post(path, json=bad, headers=writer), 422, code)
    problem(
        await client.put(
            f"/shops/{SHOP}/freight/rule", json={**RULE, "combine": "avg"}, headers=writer
        ),
        422,
        "freight.invalid",
    )
    assert (await client.get(path, headers=reader)).json() == []
    problem(
        await client.delete(f"{path}/{uuid.uuid4()}", headers=writer),
        404,
        "freight.template_not_found",
    )
