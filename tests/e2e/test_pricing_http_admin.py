"""The promotions back office as a client sees it: drafts and their definition (PRO-2), the
lifecycle, scheduling against clashes and the dry run (PRO-3), who may do what (SEC-1), bad
input (SEC-4) and retries (SEC-5)."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer, problem, yuan
from tests.unit.pricing.promotion_app_support import NOW, SHOP, Goods, build_goods

from shop_adapters.http.pricing import PRICING_CONTROLLERS
from shop_adapters.http.pricing.definition import (
    PromotionChannel,
    PromotionIssuerKind,
    PromotionLevel,
)
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.pricing.tables import promotions
from shop_domain.pricing.promotion import Level
from shop_domain.pricing.terms import Channel, IssuerKind
from shop_testing.harness import MemoryShop, memory_shop

Client = AsyncTestClient[Litestar]
APRIL_2 = dt.datetime(2026, 4, 2, tzinfo=dt.UTC)


@pytest.fixture
async def shop(settings: Settings) -> AsyncIterator[MemoryShop]:
    shop = memory_shop(settings, clock=FixedClock(NOW))
    yield shop
    await shop.close()


@pytest.fixture
async def goods(shop: MemoryShop) -> Goods:
    return await build_goods(shop.runtime.bus, shop)


@pytest.fixture
async def client(shop: MemoryShop) -> AsyncIterator[Client]:
    with seated_app(shop.runtime, PRICING_CONTROLLERS) as app:
        async with AsyncTestClient(app) as client:
            yield client


@pytest.fixture
def writer(settings: Settings) -> dict[str, str]:
    return bearer(settings, "op-writer", "operator", "promotions.read", "promotions.write")


@pytest.fixture
def reader(settings: Settings) -> dict[str, str]:
    return bearer(settings, "op-reader", "operator", "promotions.read")


def body(**overrides: Any) -> dict[str, Any]:
    """满300减50 on the platform (order level), April."""
    definition: dict[str, Any] = {
        "name": "满300减50",
        "kind": {
            "name": "threshold_reduction",
            "params": {
                "tiers": [{"threshold": yuan("300.00"), "reduction": yuan("50.00")}],
                "cap": None,
            },
        },
        "window": {"starts_at": "2026-04-01T00:00:00Z", "ends_at": "2026-05-01T00:00:00Z"},
    }
    definition.update(overrides)
    return definition


def on(kind: str, *ids: uuid.UUID) -> dict[str, Any]:
    return {"kind": kind, "ids": [str(i) for i in ids], "excluded_skus": [], "excluded_spus": []}


FULL: dict[str, Any] = body(
    name="Phones 8折",
    kind={"name": "percent_off", "params": {"rate": "0.8"}},
    window={"starts_at": "2026-04-01T00:00:00Z", "ends_at": "2026-04-08T00:00:00Z"},
    channels=["app", "mini_program"],
    audience={"kind": "member_level", "min_level": 2, "group": None},
    targets={
        "kind": "shop",
        "ids": [str(SHOP)],
        "excluded_skus": ["00000000-0000-7000-8000-0000000000d1"],
        "excluded_spus": [],
    },
    limits={"per_user": 2, "total": 1000},
    priority=5,
    issuer={"kind": "shop", "shop_id": str(SHOP)},
)


async def create(client: Client, headers: dict[str, str], definition: dict[str, Any]) -> str:
    response = await client.post("/promotions", json=definition, headers=headers)
    assert response.status_code == 201, response.text
    promotion_id: str = response.json()["id"]
    return promotion_id


async def act(client: Client, headers: dict[str, str], promotion_id: str, step: str) -> Any:
    return await client.post(f"/promotions/{promotion_id}/{step}", headers=headers)


async def stored(shop: MemoryShop) -> int:
    return await shop.count(promotions)


# --- drafts (PRO-2) -----------------------------------------------------------------------------


@pytest.mark.rule("PRO-2")
async def test_a_draft_holds_every_pro2_field_and_reads_back_as_sent(
    client: Client, writer: dict[str, str], reader: dict[str, str]
) -> None:
    response = await client.post("/promotions", json=FULL, headers=writer)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/promotions/{created['id']}"
    assert created["definition"] == FULL
    assert (created["status"], created["level"], created["created_by"]) == (
        "draft",
        "item",
        "op-writer",
    )
    read = await client.get(f"/promotions/{created['id']}", headers=reader)
    assert read.status_code == 200
    assert read.json() == created


@pytest.mark.rule("PRO-2")
async def test_a_draft_is_edited_and_a_scheduled_one_is_not(
    client: Client, writer: dict[str, str], goods: Goods
) -> None:
    promotion_id = await create(client, writer, body())
    changed = body(name="满300减60", priority=3)
    response = await client.put(f"/promotions/{promotion_id}", json=changed, headers=writer)
    assert response.status_code == 200, response.text
    assert response.json()["definition"]["name"] == "满300减60"
    assert (await act(client, writer, promotion_id, "schedule")).json()["status"] == "scheduled"
    refused = await client.put(f"/promotions/{promotion_id}", json=body(), headers=writer)
    problem(refused, 409, "promotion.state_conflict")


@pytest.mark.rule("PRO-2")
async def test_the_lifecycle_over_http(
    client: Client, writer: dict[str, str], shop: MemoryShop, goods: Goods
) -> None:
    promotion_id = await create(client, writer, body())
    problem(await act(client, writer, promotion_id, "pause"), 409, "promotion.state_conflict")
    assert (await act(client, writer, promotion_id, "schedule")).json()["status"] == "scheduled"
    shop.clock.current = APRIL_2
    read = await client.get(f"/promotions/{promotion_id}", headers=writer)
    assert read.json()["status"] == "active"
    assert (await act(client, writer, promotion_id, "pause")).json()["status"] == "paused"
    problem(await act(client, writer, promotion_id, "pause"), 409, "promotion.state_conflict")
    assert (await act(client, writer, promotion_id, "resume")).json()["status"] == "active"
    assert (await act(client, writer, promotion_id, "end")).json()["status"] == "ended"
    problem(await act(client, writer, promotion_id, "end"), 409, "promotion.state_conflict")
    for step in ("schedule", "pause", "resume", "end"):
        problem(await act(client, writer, str(uuid.uuid4()), step), 404, "promotion.not_found")


@pytest.mark.rule("PRO-2")
async def test_the_list_pages_and_filters_by_status_now_level_and_kind(
    client: Client, writer: dict[str, str], reader: dict[str, str], goods: Goods
) -> None:
    order = await create(client, writer, body())
    item = await create(client, writer, FULL)
    await act(client, writer, order, "schedule")

    async def ids(query: str) -> list[str]:
        response = await client.get(f"/promotions{query}", headers=reader)
        assert response.status_code == 200, response.text
        return [promotion["id"] for promotion in response.json()["items"]]

    assert await ids("") == [item, order]  # newest first
    assert await ids("?status=scheduled") == [order]
    assert await ids("?status=draft") == [item]
    assert await ids("?status=active") == []
    assert await ids("?level=order") == [order]
    assert await ids("?level=item&kind=percent_off") == [item]
    assert await ids("?kind=flash_price") == []
    page = (await client.get("/promotions?limit=1&offset=1", headers=reader)).json()
    assert (page["total"], [p["id"] for p in page["items"]]) == (2, [order])
    bad = await client.get("/promotions?status=sleeping", headers=reader)
    problem(bad, 400, "request.invalid")


# --- PRO-3 --------------------------------------------------------------------------------------


@pytest.mark.rule("PRO-3")
async def test_scheduling_a_clash_is_409_naming_the_promotion_and_the_skus(
    client: Client, writer: dict[str, str], goods: Goods
) -> None:
    phones = body(name="满400减20", targets=on("category", goods.phones))
    first = await create(client, writer, phones)
    await act(client, writer, first, "schedule")
    second = await create(client, writer, body(targets=on("brand", goods.brand)))
    refused = problem(await act(client, writer, second, "schedule"), 409, "promotion.conflict")
    assert refused["details"]["clashes"] == [
        {"promotion_id": first, "name": "满400减20", "sku_ids": [str(goods.phone_sku)]}
    ]
    read = await client.get(f"/promotions/{second}", headers=writer)
    assert read.json()["status"] == "draft"


@pytest.mark.rule("PRO-3")
async def test_the_conflict_check_is_a_dry_run_of_a_definition_or_a_draft(
    client: Client, writer: dict[str, str], reader: dict[str, str], shop: MemoryShop, goods: Goods
) -> None:
    first = await create(client, writer, body(name="Shop 满减", targets=on("shop", SHOP)))
    await act(client, writer, first, "schedule")
    laptops = body(targets=on("category", goods.laptops))
    before = await stored(shop)
    response = await client.post("/promotions/conflicts", json=laptops, headers=reader)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "level": "shop",
        "clashes": [
            {"promotion_id": first, "name": "Shop 满减", "sku_ids": [str(goods.laptop_sku)]}
        ],
    }
    assert await stored(shop) == before
    draft = await create(client, writer, laptops)
    checked = await client.get(f"/promotions/{draft}/conflicts", headers=reader)
    assert checked.json() == response.json()
    free = body(targets=on("shop", uuid.uuid4()))
    clear = await client.post("/promotions/conflicts", json=free, headers=reader)
    assert clear.json() == {"level": "shop", "clashes": []}
    missing = await client.get(f"/promotions/{uuid.uuid4()}/conflicts", headers=reader)
    problem(missing, 404, "promotion.not_found")


# --- bad input, nothing written (SEC-4) ---------------------------------------------------------


def _with(definition: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(definition)
    holder = changed
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return changed


BAD_DOMAIN = [
    (("kind", "name"), "no_such_kind", "promotion.unknown_kind"),
    (("kind", "params"), {}, "promotion.invalid"),  # tiers missing
    (("kind", "params", "cap"), 12.5, "promotion.invalid"),  # a float
    (("kind", "params", "tiers"), "many", "promotion.invalid"),
    (("kind", "params", "surprise"), 1, "promotion.invalid"),
    (("kind", "params", "tiers"), [], "promotion.invalid"),  # the kind's own rule
    (("kind", "params", "tiers", 0, "reduction"), yuan("500.00"), "promotion.invalid"),
    (("kind", "params", "tiers", 0, "reduction"), yuan("1.001"), "money.too_precise"),
    (("window", "ends_at"), "2026-03-01T00:00:00Z", "promotion.invalid"),
    (("targets",), on("sku"), "promotion.invalid"),
    (("issuer",), {"kind": "shop", "shop_id": None}, "promotion.invalid"),
]


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(("path", "value", "code"), BAD_DOMAIN)
async def test_a_definition_the_domain_refuses_is_422_and_writes_nothing(
    client: Client,
    writer: dict[str, str],
    shop: MemoryShop,
    path: tuple[Any, ...],
    value: Any,
    code: str,
) -> None:
    bad = _with(body(), path, value)
    for url in ("/promotions", "/promotions/conflicts"):
        problem(await client.post(url, json=bad, headers=writer), 422, code)
    draft = await create(client, writer, body())
    problem(await client.put(f"/promotions/{draft}", json=bad, headers=writer), 422, code)
    assert await stored(shop) == 1


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("name",), ""),
        (("name",), "x" * 61),
        (("window", "starts_at"), "2026-04-01T00:00:00"),  # naive
        (("channels",), []),
        (("priority",), 10**9),
        (("kind", "name"), ""),
        (("surprise",), True),
    ],
)
async def test_a_body_outside_the_schema_is_400(
    client: Client, writer: dict[str, str], shop: MemoryShop, path: tuple[str, ...], value: Any
) -> None:
    problem(
        await client.post("/promotions", json=_with(body(), path, value), headers=writer),
        400,
        "request.invalid",
    )
    assert await stored(shop) == 0


# --- who may do what (SEC-1), retries (SEC-5) ---------------------------------------------------


@pytest.mark.rule("SEC-1")
async def test_reading_and_writing_need_their_permissions_and_a_token(
    client: Client, settings: Settings, reader: dict[str, str], writer: dict[str, str]
) -> None:
    draft = await create(client, writer, body())
    customer = bearer(settings, str(uuid.uuid4()), "customer", "promotions.read")
    writes = [
        ("POST", "/promotions", body()),
        ("PUT", f"/promotions/{draft}", body()),
        *[
            ("POST", f"/promotions/{draft}/{step}", None)
            for step in ("schedule", "pause", "resume", "end")
        ],
    ]
    reads = [
        ("GET", "/promotions", None),
        ("GET", f"/promotions/{draft}", None),
        ("GET", f"/promotions/{draft}/conflicts", None),
        ("POST", "/promotions/conflicts", body()),
    ]
    for method, url, payload in writes + reads:
        anonymous = await client.request(method, url, json=payload)
        problem(anonymous, 401, "auth.unauthenticated")
        refused = await client.request(method, url, json=payload, headers=customer)
        assert refused.status_code == 403, (method, url)
    for method, url, payload in writes:
        refused = await client.request(method, url, json=payload, headers=reader)
        assert problem(refused, 403, "auth.permission_required")["details"] == {
            "permission": "promotions.write"
        }
    nobody = bearer(settings, "op-nobody", "operator")
    for method, url, payload in reads:
        refused = await client.request(method, url, json=payload, headers=nobody)
        assert problem(refused, 403, "auth.permission_required")["details"] == {
            "permission": "promotions.read"
        }
    read = await client.get(f"/promotions/{draft}", headers=writer)
    assert read.json()["status"] == "draft"


@pytest.mark.rule("SEC-5")
async def test_a_retried_create_answers_the_first_draft(
    client: Client, writer: dict[str, str], shop: MemoryShop
) -> None:
    headers = {**writer, "Idempotency-Key": "create-1"}
    first = await client.post("/promotions", json=body(), headers=headers)
    again = await client.post("/promotions", json=body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert await stored(shop) == 1
    other = await client.post("/promotions", json=body(name="Other"), headers=headers)
    problem(other, 409, "idempotency.key_reused")


def test_the_wire_enums_are_the_domain_ones() -> None:
    assert [c.value for c in PromotionChannel] == [c.value for c in Channel]
    assert [k.value for k in PromotionIssuerKind] == [k.value for k in IssuerKind]
    assert [level.level for level in PromotionLevel] == list(Level)
