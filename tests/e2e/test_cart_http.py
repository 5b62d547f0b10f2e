"""Carts and addresses over HTTP (ORD-1, SEC-1): a guest fills a cart by token, signs in and
merges it; lines that cannot be bought are shown invalid and left out of checkout; nobody
reaches another's cart or address; the phone is shown masked; bad input changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer, problem
from tests.e2e.coupon_http_support import Client
from tests.unit.ordering.cart_support import Goods, stock_goods

from shop_adapters.http.ordering import CART_CONTROLLERS
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_app.catalog.commands import UnlistProduct
from shop_app.ordering.cart_ports import AddressQueries, CartQueries
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
USER, OTHER = uuid.UUID(int=0xA1), uuid.UUID(int=0xA2)
ADDRESS = {
    "recipient": "Li Lei",
    "phone": "138 0013 1234",
    "province": "310000",
    "city": "310100",
    "district": "310104",
    "detail": "88 Caoxi Road",
}
pytestmark = pytest.mark.rule("ORD-1")


@pytest.fixture
async def shop(settings: Settings) -> AsyncIterator[MemoryShop]:
    made = memory_shop(settings, clock=FixedClock(NOW))
    yield made
    await made.close()


@pytest.fixture
async def goods(shop: MemoryShop) -> Goods:
    return await stock_goods(shop)


@pytest.fixture
async def client(shop: MemoryShop) -> AsyncIterator[Client]:
    with seated_app(shop.runtime, CART_CONTROLLERS) as app:
        async with AsyncTestClient(app) as client:
            yield client


def lines(body: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {line["sku_id"]: (line["quantity"], line["state"]) for line in body["lines"]}


@pytest.mark.rule("SEC-1")
async def test_a_guest_fills_a_cart_signs_in_and_merges_it(
    client: Client, shop: MemoryShop, goods: Goods, settings: Settings
) -> None:
    made = await client.post("/cart")
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    guest = {"X-Cart-Token": token}
    added = await client.post("/cart/lines", json={"sku_id": str(goods.mug)}, headers=guest)
    assert added.status_code == 200, added.text
    await client.post("/cart/lines", json={"sku_id": str(goods.tee), "quantity": 2}, headers=guest)
    changed = await client.patch(f"/cart/lines/{goods.mug}", json={"quantity": 3}, headers=guest)
    assert lines(changed.json()) == {
        str(goods.mug): (3, "valid"),
        str(goods.tee): (2, "out_of_stock"),
    }
    assert changed.json()["selected_amount"] == {"amount": "75.00", "currency": "CNY"}
    me = bearer(settings, str(USER), "customer")
    await client.post("/me/cart/lines", json={"sku_id": str(goods.mug), "quantity": 2}, headers=me)
    merged = await client.post("/me/cart/merge", json={"token": token}, headers=me)
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (body["added"], body["increased"]) == ([str(goods.tee)], [str(goods.mug)])
    assert lines(body["cart"]) == {
        str(goods.mug): (5, "valid"),
        str(goods.tee): (2, "out_of_stock"),
    }
    again = await client.post("/me/cart/merge", json={"token": token}, headers=me)
    assert again.json()["added"] == []
    assert lines(again.json()["cart"]) == lines(body["cart"])
    problem(await client.get("/cart", headers=guest), 404, "cart.not_found")
    # checkout takes the selected valid lines only
    assert await shop.runtime.get(CartQueries).checkout_lines(USER) == [(goods.mug, 5)]
    await client.patch(f"/me/cart/lines/{goods.mug}", json={"selected": False}, headers=me)
    assert await shop.runtime.get(CartQueries).checkout_lines(USER) == []
    await shop.runtime.bus.handle(UnlistProduct(product_id=goods.product))
    shown = (await client.get("/me/cart", headers=me)).json()
    assert lines(shown) == {
        str(goods.mug): (5, "sku_unlisted"),
        str(goods.tee): (2, "sku_unlisted"),
    }
    assert shown["selected_quantity"] == 0
    removed = await client.delete(f"/me/cart/lines/{goods.tee}", headers=me)
    assert list(lines(removed.json())) == [str(goods.mug)]


@pytest.mark.rule("SEC-1")
async def test_nobody_reaches_another_customers_cart_or_address(
    client: Client, goods: Goods, settings: Settings
) -> None:
    me = bearer(settings, str(USER), "customer")
    them = bearer(settings, str(OTHER), "customer")
    operator = bearer(settings, "op-1", "operator", "*")
    await client.post("/me/cart/lines", json={"sku_id": str(goods.mug)}, headers=me)
    assert (await client.get("/me/cart", headers=them)).json()["lines"] == []
    problem(
        await client.patch(f"/me/cart/lines/{goods.mug}", json={"quantity": 2}, headers=them),
        404,
        "cart.line_not_found",
    )
    problem(await client.get("/me/cart", headers=operator), 403, "auth.customer_only")
    problem(await client.get("/me/cart"), 401, "auth.unauthenticated")
    made = await client.post("/me/addresses", json=ADDRESS, headers=me)
    assert made.status_code == 201, made.text
    address = made.json()
    assert (address["phone"], address["is_default"]) == ("*********1234", True)
    path = f"/me/addresses/{address['id']}"
    problem(await client.put(path, json=ADDRESS, headers=them), 404, "address.not_found")
    problem(await client.delete(path, headers=them), 404, "address.not_found")
    problem(await client.post(f"{path}/default", headers=them), 404, "address.not_found")
    assert (await client.get("/me/addresses", headers=them)).json() == []
    problem(await client.get("/me/addresses", headers=operator), 403, "auth.customer_only")
    [mine] = (await client.get("/me/addresses", headers=me)).json()
    assert mine == address


async def test_addresses_over_http_keep_one_default_and_the_number_out_of_sight(
    client: Client, shop: MemoryShop, settings: Settings
) -> None:
    me = bearer(settings, str(USER), "customer")
    first = (await client.post("/me/addresses", json=ADDRESS, headers=me)).json()
    body = {**ADDRESS, "district": "310115", "make_default": True, "postcode": "200120"}
    second = (await client.post("/me/addresses", json=body, headers=me)).json()
    listed = (await client.get("/me/addresses", headers=me)).json()
    assert [(a["id"], a["is_default"]) for a in listed] == [
        (second["id"], True),
        (first["id"], False),
    ]
    edit = {k: v for k, v in ADDRESS.items() if k != "phone"} | {"recipient": "Han Mei"}
    edited = await client.put(f"/me/addresses/{first['id']}", json=edit, headers=me)
    assert edited.status_code == 200, edited.text
    assert (edited.json()["recipient"], edited.json()["phone"]) == ("Han Mei", "*********1234")
    full = await shop.runtime.get(AddressQueries).address_of(USER, uuid.UUID(first["id"]))
    assert full is not None
    assert full.phone == "+8613800131234"
    made_default = await client.post(f"/me/addresses/{first['id']}/default", headers=me)
    assert made_default.json()["is_default"] is True
    gone = await client.delete(f"/me/addresses/{first['id']}", headers=me)
    assert gone.status_code == 204
    [left] = (await client.get("/me/addresses", headers=me)).json()
    assert (left["id"], left["is_default"]) == (second["id"], True)


async def test_bad_input_gets_a_code_and_changes_nothing(
    client: Client, goods: Goods, settings: Settings
) -> None:
    me = bearer(settings, str(USER), "customer")
    for bad in ({"sku_id": "x"}, {"sku_id": str(goods.mug), "quantity": 0}, {"quantity": 1}):
        problem(await client.post("/me/cart/lines", json=bad, headers=me), 400, "request.invalid")
    problem(
        await client.post("/me/cart/lines", json={"sku_id": str(goods.lamp)}, headers=me),
        422,
        "cart.unlisted_sku",
    )
    problem(
        await client.post("/me/cart/lines", json={"sku_id": str(uuid.uuid4())}, headers=me),
        422,
        "cart.unknown_sku",
    )
    await client.post(
        "/me/cart/lines", json={"sku_id": str(goods.mug), "quantity": 9999}, headers=me
    )
    problem(
        await client.post("/me/cart/lines", json={"sku_id": str(goods.mug)}, headers=me),
        409,
        "cart.quantity_limit",
    )
    problem(
        await client.post("/me/cart/merge", json={"token": "short"}, headers=me),
        400,
        "request.invalid",
    )
    problem(await client.get("/cart", headers={"X-Cart-Token": "a" * 43}), 404, "cart.not_found")
    problem(await client.get("/cart"), 400, "request.invalid")
    bad_address = {**ADDRESS, "city": "320100"}
    problem(
        await client.post("/me/addresses", json=bad_address, headers=me), 422, "address.invalid"
    )
    problem(
        await client.post("/me/addresses", json={**ADDRESS, "phone": "call me"}, headers=me),
        422,
        "phone.invalid",
    )
    assert (await client.get("/me/addresses", headers=me)).json() == []
    assert lines((await client.get("/me/cart", headers=me)).json()) == {
        str(goods.mug): (9999, "valid")
    }
