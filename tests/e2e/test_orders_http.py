"""Checking out and paying over HTTP (ORD-2, ORD-3, ORD-5, PAY-1, PAY-2, SEC-1, SEC-5): confirm
prices without holding anything; submit holds and splits; the gateway's signed notification pays;
a bad signature changes nothing; another customer's order is unknown to a customer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.catalog_support import problem
from tests.e2e.coupon_http_support import Client
from tests.e2e.orders_http_support import (
    body,
    client,
    cny,
    goods,
    me,
    operator,
    settings,
    shop,
    someone_else,
)
from tests.unit.ordering.checkout_support import gateway
from tests.unit.pricing.quote_support import USER, Catalog

from shop_adapters.settings import Settings
from shop_adapters.sql.fulfillment.tables import stock_items
from shop_domain.shared.money import Money
from shop_testing.harness import MemoryShop

__all__ = ["client", "goods", "settings", "shop"]  # the fixtures


async def reserved(shop: MemoryShop) -> dict[uuid.UUID, int]:
    async with shop.engine.connect() as conn:
        rows = (await conn.execute(select(stock_items))).all()
    return {row.sku_id: row.reserved for row in rows}


async def submitted(client: Client, settings: Settings, goods: Catalog, **fields: Any) -> Any:
    made = await client.post("/orders", json=body(goods, **fields), headers=me(settings))
    assert made.status_code == 201, made.text
    return made.json()


async def paid_through_notify(client: Client, shop: MemoryShop, order: dict[str, Any]) -> Any:
    page = await client.post(
        f"/me/orders/{order['order_id']}/pay",
        json={"return_url": "https://shop.test/paid"},
        headers=me(shop.runtime.settings),
    )
    assert page.status_code == 200, page.text
    note = gateway(shop).pay(order["payment_number"])
    return await client.post("/payments/notify", content=note.body, headers=note.headers)


@pytest.mark.rule("ORD-2")
@pytest.mark.rule("ORD-3")
@pytest.mark.rule("PAY-2")
async def test_confirm_submit_pay(
    client: Client, shop: MemoryShop, settings: Settings, goods: Catalog
) -> None:
    confirmed = await client.post("/checkout/confirm", json=body(goods), headers=me(settings))
    assert confirmed.status_code == 200, confirmed.text
    priced = confirmed.json()
    assert priced["summary"]["payable"] == cny("320.00")
    assert priced["summary"]["goods"] == cny("320.00")
    assert sorted(line["quantity"] for line in priced["lines"]) == [1, 2]
    assert priced["gift_card"] == {"cards": [], "max_amount": cny("0.00")}
    assert await reserved(shop) == {goods.phone_sku: 0, goods.laptop_sku: 0, goods.case_sku: 0}

    order = await submitted(client, settings, goods, expected_payable=priced["summary"]["payable"])
    assert order["state"] == "pending_payment"
    assert order["external"] == cny("320.00")
    assert order["children"] == [f"{order['number']}-01", f"{order['number']}-02"]
    assert await reserved(shop) == {goods.phone_sku: 2, goods.laptop_sku: 0, goods.case_sku: 1}

    page = await client.post(
        f"/me/orders/{order['order_id']}/pay",
        json={"return_url": "https://shop.test/paid"},
        headers=me(settings),
    )
    assert page.status_code == 200, page.text
    assert page.json()["amount"] == cny("320.00")
    [created] = gateway(shop).created
    assert created.notify_url.endswith("/payments/notify")
    assert created.notify_url.startswith("http")

    note = gateway(shop).pay(order["payment_number"])
    first = await client.post("/payments/notify", content=note.body, headers=note.headers)
    assert (first.status_code, first.json()) == (200, {"code": "SUCCESS"})
    again = await client.post("/payments/notify", content=note.body, headers=note.headers)
    assert (again.status_code, again.json()) == (200, {"code": "SUCCESS"})

    detail = (await client.get(f"/me/orders/{order['order_id']}", headers=me(settings))).json()
    assert detail["summary"]["state"] == "paid"
    assert {child["state"] for child in detail["children"]} == {"pending_shipment"}
    assert detail["payment"]["state"] == "paid"
    listed = (await client.get("/me/orders?state=paid", headers=me(settings))).json()
    assert [o["number"] for o in listed["items"]] == [order["number"]]
    assert (await client.get("/me/orders?state=cancelled", headers=me(settings))).json()[
        "total"
    ] == 0


@pytest.mark.rule("SEC-5")
async def test_the_same_idempotency_key_answers_the_same_order(
    client: Client, shop: MemoryShop, settings: Settings, goods: Catalog
) -> None:
    headers = {**me(settings), "Idempotency-Key": "checkout-1"}
    first = await client.post("/orders", json=body(goods), headers=headers)
    again = await client.post("/orders", json=body(goods), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["order_id"] == again.json()["order_id"]
    assert await reserved(shop) == {goods.phone_sku: 2, goods.laptop_sku: 0, goods.case_sku: 1}
    other = await client.post(
        "/orders", json=body(goods, points=0, from_cart=True), headers=headers
    )
    problem(other, 409, "idempotency.key_reused")


@pytest.mark.rule("ORD-2")
async def test_a_changed_price_is_409_with_the_new_quote(
    client: Client, shop: MemoryShop, settings: Settings, goods: Catalog
) -> None:
    refused = await client.post(
        "/orders", json=body(goods, expected_payable=cny("300.00")), headers=me(settings)
    )
    found = problem(refused, 409, "order.price_changed")
    assert found["details"]["quote"]["payable"] == 32000
    assert await reserved(shop) == {goods.phone_sku: 0, goods.laptop_sku: 0, goods.case_sku: 0}


@pytest.mark.rule("ORD-5")
async def test_cancelling_releases_the_stock(
    client: Client, shop: MemoryShop, settings: Settings, goods: Catalog
) -> None:
    order = await submitted(client, settings, goods)
    url = f"/me/orders/{order['order_id']}/cancel"
    done = await client.post(url, headers=me(settings))
    assert (done.status_code, done.json()["state"], done.json()["changed"]) == (
        200,
        "cancelled",
        True,
    )
    assert await reserved(shop) == {goods.phone_sku: 0, goods.laptop_sku: 0, goods.case_sku: 0}
    again = await client.post(url, headers=me(settings))
    assert again.json()["changed"] is False
    problem(
        await client.post(
            f"/me/orders/{order['order_id']}/pay",
            json={"return_url": "https://shop.test/"},
            headers=me(settings),
        ),
        409,
        "order.invalid_state",
    )


@pytest.mark.rule("PAY-2")
async def test_a_bad_signature_changes_nothing(
    client: Client, shop: MemoryShop, settings: Settings, goods: Catalog
) -> None:
    order = await submitted(client, settings, goods)
    await client.post(
        f"/me/orders/{order['order_id']}/pay",
        json={"return_url": "https://shop.test/"},
        headers=me(settings),
    )
    note = gateway(shop).pay(order["payment_number"])
    forged = {**note.headers}
    signature = next(k for k in forged if "signature" in k.lower())
    forged[signature] = "0" * len(forged[signature])
    problem(
        await client.post("/payments/notify", content=note.body, headers=forged),
        403,
        "payment.bad_signature",
    )
    tampered = note.body.replace(b"32000", b"1")
    problem(
        await client.post("/payments/notify", content=tampered, headers=note.headers),
        403,
        "payment.bad_signature",
    )
    unsigned = await client.post("/payments/notify", content=note.body)
    problem(unsigned, 403, "payment.bad_signature")
    detail = (await client.get(f"/me/orders/{order['order_id']}", headers=me(settings))).json()
    assert detail["summary"]["state"] == "pending_payment"
    assert detail["payment"]["state"] == "pending"


@pytest.mark.rule("SEC-1")
async def test_another_customer_cannot_see_pay_or_cancel_my_order(
    client: Client, shop: MemoryShop, settings: Settings, goods: Catalog
) -> None:
    order = await submitted(client, settings, goods)
    base = f"/me/orders/{order['order_id']}"
    them = someone_else(settings)
    problem(await client.get(base, headers=them), 404, "order.not_found")
    problem(await client.post(f"{base}/cancel", headers=them), 404, "order.not_found")
    problem(
        await client.post(f"{base}/pay", json={"return_url": "https://x.test/"}, headers=them),
        404,
        "order.not_found",
    )
    assert (await client.get("/me/orders", headers=them)).json()["total"] == 0
    problem(await client.get("/orders", headers=me(settings)), 403, "auth.permission_required")
    problem(
        await client.post("/orders", json=body(goods), headers=operator(settings, "*")),
        403,
        "auth.customer_only",
    )
    assert await reserved(shop) == {goods.phone_sku: 2, goods.laptop_sku: 0, goods.case_sku: 1}


@pytest.mark.rule("ORD-4")
async def test_operators_search_ship_and_refund(
    client: Client, shop: MemoryShop, settings: Settings, goods: Catalog
) -> None:
    order = await submitted(client, settings, goods)
    other = await submitted(client, settings, goods)
    reader = operator(settings, "orders.read")
    by_number = (await client.get(f"/orders?number={order['number']}", headers=reader)).json()
    assert [o["id"] for o in by_number["items"]] == [order["order_id"]]
    assert by_number["items"][0]["user_id"] == str(USER)
    await paid_through_notify(client, shop, order)
    paid = (await client.get("/orders?state=paid", headers=reader)).json()
    assert [o["id"] for o in paid["items"]] == [order["order_id"]]
    pending = await client.get(f"/orders?state=pending_payment&user_id={USER}", headers=reader)
    assert [o["id"] for o in pending.json()["items"]] == [other["order_id"]]

    writer = operator(settings, "orders.write")
    detail = (await client.get(f"/orders/{order['order_id']}", headers=reader)).json()
    child = detail["children"][0]["id"]
    shipped = await client.post(
        f"/orders/{order['order_id']}/children/{child}/shipment", headers=writer
    )
    assert (shipped.status_code, shipped.json()["state"]) == (200, "pending_receipt"), shipped.text
    received = await client.post(
        f"/me/orders/{order['order_id']}/children/{child}/receipt", headers=me(settings)
    )
    assert received.json()["state"] == "completed"
    cancelled = await client.post(f"/orders/{other['order_id']}/cancel", headers=writer)
    assert cancelled.json()["state"] == "cancelled"

    refund = {"key": "afs-1", "amount": cny("10.00"), "reason": "a scratch"}
    problem(
        await client.post(f"/orders/{order['order_id']}/refunds", json=refund, headers=writer),
        403,
        "auth.permission_required",
    )
    refunder = operator(settings, "orders.refund")
    made = await client.post(f"/orders/{order['order_id']}/refunds", json=refund, headers=refunder)
    assert made.status_code == 201, made.text
    assert made.json()["external"] == cny("10.00")
    again = await client.post(f"/orders/{order['order_id']}/refunds", json=refund, headers=refunder)
    assert again.json()["refund_id"] == made.json()["refund_id"]
    assert [r.amount for r in gateway(shop).refunds] == [Money.of("10.00", "CNY")]
