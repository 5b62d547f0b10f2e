"""Quotes and promotion tags as a client sees them (issue 12, item 8): the worked example end to
end, a guest against a signed-in customer, another user's coupon, bad carts and picks (codes,
never a 500), and a product page's tags."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer, problem, yuan
from tests.unit.pricing.quote_support import (
    APRIL_2,
    OTHER_USER,
    USER,
    Catalog,
    build_catalog,
    claimed,
    direct,
    quote_settings,
    scheduled,
    shop_threshold,
    threshold_coupon,
)

from shop_adapters.http.pricing import PRICING_CONTROLLERS
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_app.loyalty.commands import GrantPoints
from shop_domain.loyalty.lots import Source
from shop_testing.harness import MemoryShop, memory_shop

Client = AsyncTestClient[Litestar]


@pytest.fixture
def settings() -> Settings:
    return quote_settings()


@pytest.fixture
async def shop(settings: Settings) -> AsyncIterator[MemoryShop]:
    shop = memory_shop(settings, clock=FixedClock(APRIL_2))
    yield shop
    await shop.close()


@pytest.fixture
async def goods(shop: MemoryShop) -> Catalog:
    return await build_catalog(shop.runtime.bus, shop)


@pytest.fixture
async def client(shop: MemoryShop) -> AsyncIterator[Client]:
    with seated_app(shop.runtime, PRICING_CONTROLLERS) as app:
        async with AsyncTestClient(app) as client:
            yield client


@pytest.fixture
def customer(settings: Settings) -> dict[str, str]:
    return bearer(settings, str(USER), "customer")


def cart(goods: Catalog, **choices: Any) -> dict[str, Any]:
    """Two phones (240.00) and a laptop (200.00) on the app."""
    return {
        "channel": "app",
        "lines": [
            {"sku_id": str(goods.phone_sku), "quantity": 2, "line_id": "phones"},
            {"sku_id": str(goods.laptop_sku), "quantity": 1},
        ],
        "choices": choices,
    }


async def quoted(
    client: Client, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    response = await client.post("/pricing/quote", json=body, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def adjustments(line: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (a["source"], a["level"], a["name"], a["amount"]["amount"]) for a in line["adjustments"]
    ]


@pytest.mark.rule("PRO-8")
@pytest.mark.rule("CPN-7")
async def test_the_worked_example_an_item_price_a_shop_reduction_and_a_coupon(
    shop: MemoryShop, goods: Catalog, client: Client, customer: dict[str, str]
) -> None:
    bus = shop.runtime.bus
    cut = await scheduled(bus, direct(goods.phone_sku))
    reduction = await scheduled(bus, shop_threshold())
    coupon = await claimed(bus, threshold_coupon())
    body = await quoted(client, cart(goods), customer)
    assert body["currency"] == "CNY"
    assert body["totals"] == {
        "list_total": yuan("440.00"),
        "promotion_discount": yuan("70.00"),
        "coupon_discount": yuan("20.00"),
        "points_discount": yuan("0.00"),
        "payable": yuan("350.00"),
        "points_used": 0,
        "gift_value": yuan("0.00"),
    }
    phones, laptop = body["lines"]
    assert (phones["line_id"], phones["quantity"]) == ("phones", 2)
    assert phones["list_unit_price"] == yuan("120.00")
    assert phones["list_amount"] == yuan("240.00")
    assert adjustments(phones) == [
        ("promotion", "item", "直降 10", "20.00"),
        ("promotion", "shop", "满300减50", "26.19"),
        ("coupon", "coupon", "满100减20", "10.48"),
    ]
    assert phones["final_amount"] == yuan("183.33")
    assert [a["source_id"] for a in phones["adjustments"]] == [
        str(cut),
        str(reduction),
        str(coupon),
    ]
    assert laptop["line_id"] == "line-2"
    assert adjustments(laptop) == [
        ("promotion", "shop", "满300减50", "23.81"),
        ("coupon", "coupon", "满100减20", "9.52"),
    ]
    assert laptop["final_amount"] == yuan("166.67")
    [verdict] = body["coupons"]
    assert verdict["coupon_id"] == str(coupon)
    assert (verdict["usable"], verdict["chosen"], verdict["saving"]) == (True, True, yuan("20.00"))
    assert body["chosen_coupons"] == [str(coupon)]
    assert body["recommended"] is True
    assert body["proven_best"] is True
    assert body["not_applied"] == []
    assert body["gifts"] == []
    assert body["add_ons"] == []


@pytest.mark.rule("CPN-6")
async def test_a_guest_has_no_wallet_and_a_customer_only_their_own(
    shop: MemoryShop, goods: Catalog, client: Client, customer: dict[str, str], settings: Settings
) -> None:
    bus = shop.runtime.bus
    await scheduled(bus, shop_threshold())
    mine = await claimed(bus, threshold_coupon())
    theirs = await claimed(bus, threshold_coupon(name="theirs"), user_id=OTHER_USER)
    guest = await quoted(client, cart(goods))
    assert guest["totals"]["payable"] == yuan("390.00")
    assert guest["coupons"] == []
    assert guest["chosen_coupons"] == []
    operator = bearer(settings, "op-1", "operator", "*")
    assert (await quoted(client, cart(goods), operator))["coupons"] == []  # priced as a guest
    signed_in = await quoted(client, cart(goods), customer)
    assert [c["coupon_id"] for c in signed_in["coupons"]] == [str(mine)]
    assert signed_in["totals"]["payable"] == yuan("370.00")
    refused = await client.post(
        "/pricing/quote", json=cart(goods, coupons=[str(theirs)]), headers=customer
    )
    assert problem(refused, 422, "pricing.coupon_not_usable")["details"] == {
        "coupon_id": str(theirs)
    }
    none = await quoted(client, cart(goods, coupons=[]), customer)
    assert none["chosen_coupons"] == []
    assert none["recommended"] is False
    assert none["totals"]["payable"] == yuan("390.00")


@pytest.mark.rule("PRO-8")
async def test_an_offer_out_of_reach_says_what_is_missing(
    shop: MemoryShop, goods: Catalog, client: Client
) -> None:
    promotion = await scheduled(shop.runtime.bus, shop_threshold())
    body = {"channel": "web", "lines": [{"sku_id": str(goods.phone_sku), "quantity": 2}]}
    [missed] = (await quoted(client, body))["not_applied"]
    assert missed["promotion_id"] == str(promotion)
    assert (missed["tag"], missed["level"], missed["missing_amount"]) == (
        "满300减50",
        "shop",
        yuan("60.00"),
    )
    assert missed["reason"]
    assert missed["message"]


async def test_unknown_and_unlisted_skus_are_refused(goods: Catalog, client: Client) -> None:
    stranger = str(uuid.uuid4())
    body = {"channel": "app", "lines": [{"sku_id": stranger, "quantity": 1}]}
    found = problem(await client.post("/pricing/quote", json=body), 422, "pricing.unknown_sku")
    assert found["details"] == {"sku_ids": [stranger]}
    body["lines"] = [{"sku_id": str(goods.tablet_sku), "quantity": 1}]
    problem(await client.post("/pricing/quote", json=body), 422, "pricing.unlisted_sku")


@pytest.mark.parametrize("quantity", [0, -2, 10_000, "3", 1.5])
async def test_a_bad_quantity_is_a_400(goods: Catalog, client: Client, quantity: Any) -> None:
    body = {"channel": "app", "lines": [{"sku_id": str(goods.phone_sku), "quantity": quantity}]}
    problem(await client.post("/pricing/quote", json=body), 400, "request.invalid")


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "app", "lines": []},
        {"channel": "tv", "lines": []},
        {"lines": [{"sku_id": "not-a-uuid", "quantity": 1}], "channel": "app"},
        {"channel": "app", "lines": [{"sku_id": str(uuid.uuid4()), "quantity": 1, "price": "1"}]},
    ],
)
async def test_a_malformed_cart_is_a_400(client: Client, body: dict[str, Any]) -> None:
    problem(await client.post("/pricing/quote", json=body), 400, "request.invalid")


async def test_two_lines_of_one_id_are_an_invalid_cart(goods: Catalog, client: Client) -> None:
    line = {"sku_id": str(goods.phone_sku), "quantity": 1, "line_id": "a"}
    body = {"channel": "app", "lines": [line, line]}
    problem(await client.post("/pricing/quote", json=body), 422, "pricing.invalid_cart")


@pytest.mark.rule("PRO-5")
async def test_bad_picks_are_refused_with_the_engines_codes(
    shop: MemoryShop, goods: Catalog, client: Client, customer: dict[str, str]
) -> None:
    cut = await scheduled(shop.runtime.bus, direct(goods.phone_sku))
    on_laptop = {"line_id": "line-2", "level": "item", "promotion_id": str(cut)}
    response = await client.post("/pricing/quote", json=cart(goods, promotions=[on_laptop]))
    problem(response, 422, "pricing.invalid_choice")
    twice = {"line_id": "phones", "level": "item", "promotion_id": None}
    response = await client.post("/pricing/quote", json=cart(goods, promotions=[twice, twice]))
    problem(response, 422, "pricing.invalid_choice")
    declined = await quoted(client, cart(goods, promotions=[twice]))
    assert declined["totals"]["payable"] == yuan("440.00")
    response = await client.post("/pricing/quote", json=cart(goods, points=100), headers=customer)
    problem(response, 422, "pricing.not_enough_points")


async def test_a_product_page_gets_its_promotion_tags(
    shop: MemoryShop, goods: Catalog, client: Client
) -> None:
    bus = shop.runtime.bus
    cut = await scheduled(bus, direct(goods.phone_sku, "30"))
    reduction = await scheduled(bus, shop_threshold())
    response = await client.get(f"/pricing/products/{goods.phone}/tags?channel=app")
    assert response.status_code == 200, response.text
    assert [(t["promotion_id"], t["tag"], t["level"]) for t in response.json()] == [
        (str(cut), "直降 30.00", "item"),
        (str(reduction), "满300减50", "shop"),
    ]
    assert response.json()[0]["sku_ids"] == [str(goods.phone_sku)]
    assert response.json()[0]["audience"] == "everyone"
    for product in (goods.tablet, uuid.uuid4()):
        response = await client.get(f"/pricing/products/{product}/tags?channel=app")
        problem(response, 404, "pricing.unknown_product")
    response = await client.get(f"/pricing/products/{goods.phone}/tags")
    problem(response, 400, "request.invalid")


@pytest.mark.rule("PTS-4")
async def test_a_customers_points_pay_at_the_programmes_rate_up_to_its_share(
    shop: MemoryShop, goods: Catalog, client: Client, customer: dict[str, str]
) -> None:
    await shop.runtime.bus.handle(GrantPoints(user_id=USER, points=1_000, source=Source.ACTIVITY))
    offered = await quoted(client, cart(goods), customer)
    assert offered["max_points"] == 1_000  # all of them: 10.00 is under half of 440.00
    paid = await quoted(client, cart(goods, points=500), customer)
    assert paid["totals"]["points_used"] == 500
    assert paid["totals"]["points_discount"] == yuan("5.00")
    assert paid["totals"]["payable"] == yuan("435.00")
    too_many = await client.post("/pricing/quote", json=cart(goods, points=1_001), headers=customer)
    problem(too_many, 422, "pricing.not_enough_points")
    guest = await quoted(client, cart(goods))
    assert guest["max_points"] == 0
