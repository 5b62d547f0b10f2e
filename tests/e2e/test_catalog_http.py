"""The catalog API as a client sees it: public reads, the back office, who may do what, bad
input, conflicts, listing schedules, idempotency and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import (
    OTHER_SHOP,
    SHOP,
    CatalogWorld,
    Client,
    Seeded,
    bearer,
    build_world,
    created,
    problem,
    product_body,
    seed,
    sku,
    stock,
    yuan,
)

from shop_adapters.demo import DEMO_SHOP, seed_demo_catalog
from shop_adapters.http import create_app
from shop_adapters.http.catalog import CATALOG_CONTROLLERS
from shop_adapters.plugins.catalog import CatalogSettings
from shop_adapters.settings import Settings
from shop_app.catalog.commands import RecordProductSales
from shop_app.catalog.ports import CatalogQueries

# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[CatalogWorld]:
    world = build_world(settings)
    yield world
    await world.shop.close()


@pytest.fixture
def app(world: CatalogWorld) -> Iterator[Litestar]:
    with seated_app(world.runtime, CATALOG_CONTROLLERS) as app:
        yield app


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app) as client:
        yield client


@pytest.fixture
def writer(settings: Settings) -> dict[str, str]:
    return bearer(settings, "op-writer", "operator", "catalog.read", "catalog.write")


@pytest.fixture
def reader(settings: Settings) -> dict[str, str]:
    return bearer(settings, "op-reader", "operator", "catalog.read")


@pytest.fixture
def customer(settings: Settings) -> dict[str, str]:
    return bearer(settings, "cust-1", "customer")


@pytest.fixture
async def seeded(client: Client, writer: dict[str, str], world: CatalogWorld) -> Seeded:
    found = await seed(client, writer)
    await stock(world, found.skus[0], 40)
    await stock(world, found.skus[1], 25)
    return found


@pytest.fixture
async def demo(world: CatalogWorld) -> dict[str, Any]:
    return await seed_demo_catalog(world.runtime.bus, world.runtime.get(CatalogQueries))


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


def find(nodes: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for node in nodes:
        if node["name"] == name:
            return node
        try:
            return find(node["children"], name)
        except LookupError:
            continue
    raise LookupError(name)


# --- public reads (SEC-1, CAT-8) --------------------------------------------------------------


@pytest.mark.rule("SEC-1")
@pytest.mark.rule("CAT-8")
async def test_public_reads_need_no_token(client: Client, demo: dict[str, Any]) -> None:
    search = await client.get("/catalog/products")
    assert search.status_code == 200, search.text
    page = search.json()
    assert page["total"] == 3
    assert (page["page"], page["page_size"], page["pages"]) == (1, 20, 1)
    phone = next(item for item in page["items"] if item["name"] == "Nova X1 smartphone")
    assert phone["min_price"] == {"amount": "3999.00", "currency": "CNY"}
    assert phone["max_price"] == {"amount": "4499.00", "currency": "CNY"}
    assert phone["listed"] is True

    detail = await client.get(f"/catalog/products/{phone['id']}")
    assert detail.status_code == 200, detail.text
    assert detail.json()["category_path"] == ["Digital", "Phones", "Smartphones"]

    tree = (await client.get("/catalog/categories")).json()
    assert sorted(n["name"] for n in tree) == ["Apparel", "Digital"]
    smartphones = find(tree, "Smartphones")
    assert smartphones["leaf"] is True
    assert [a["key"] for a in smartphones["attributes"]] == ["model", "colour", "storage", "os"]

    fronts = (await client.get("/catalog/front-categories")).json()
    assert sorted(f["name"] for f in fronts) == ["Phones & Audio", "Summer wear"]
    brands = (await client.get("/catalog/brands")).json()
    assert [b["name"] for b in brands] == ["Linen & Co", "Nova", "Tide Audio"]


async def test_public_reads_carry_a_tag_and_answer_304_while_it_holds(
    client: Client, demo: dict[str, Any], writer: dict[str, str]
) -> None:
    page = await client.get("/catalog/products")
    phone = next(item for item in page.json()["items"] if item["name"] == "Nova X1 smartphone")
    paths = [
        "/catalog/products",
        "/catalog/products?sort=sales&page_size=2",
        f"/catalog/products/{phone['id']}",
        "/catalog/categories",
        "/catalog/front-categories",
        "/catalog/brands",
    ]
    tags = {}
    for path in paths:
        first = await client.get(path)
        assert first.status_code == 200, path
        assert first.headers["cache-control"] == "public, no-cache"
        tags[path] = first.headers["etag"]
        again = await client.get(path, headers={"If-None-Match": tags[path]})
        assert again.status_code == 304, path
        assert again.content == b""
        assert again.headers["etag"] == tags[path]
    nova = next(b for b in (await client.get("/catalog/brands")).json() if b["name"] == "Nova")
    renamed = await client.put(
        f"/admin/catalog/brands/{nova['id']}",
        json={
            "name": "Nova Prime",
            "logo_url": nova["logo_url"],
            "category_ids": nova["category_ids"],
        },
        headers=writer,
    )
    assert renamed.status_code == 200, renamed.text
    for path in ("/catalog/products", f"/catalog/products/{phone['id']}", "/catalog/brands"):
        changed = await client.get(path, headers={"If-None-Match": tags[path]})
        assert changed.status_code == 200, path
        assert changed.headers["etag"] != tags[path]
        assert "Nova Prime" in changed.text
    unchanged = await client.get(
        "/catalog/categories", headers={"If-None-Match": tags["/catalog/categories"]}
    )
    assert unchanged.status_code == 304


@pytest.mark.rule("SEC-1")
async def test_a_public_read_refuses_a_bad_token(client: Client) -> None:
    response = await client.get("/catalog/products", headers={"Authorization": "Bearer nope"})
    problem(response, 401, "auth.unauthenticated")


# --- building a catalog (CAT-1, CAT-2, CAT-4, CAT-5, CAT-6) -----------------------------------


@pytest.mark.rule("CAT-1")
@pytest.mark.rule("CAT-2")
@pytest.mark.rule("CAT-4")
@pytest.mark.rule("CAT-6")
async def test_an_operator_builds_a_product_with_skus(
    client: Client, writer: dict[str, str], seeded: Seeded
) -> None:
    detail = (await client.get(f"/catalog/products/{seeded.product}")).json()
    assert detail["name"] == "Nova X1 smartphone"
    assert detail["category_id"] == seeded.smartphones
    assert detail["brand_name"] == "Nova"
    assert detail["key_attributes"] == {"model": "X1"}
    assert detail["other_attributes"] == {"os": "Android"}
    assert detail["sales_attribute_keys"] == ["colour", "storage"]
    assert detail["stock"] == 65  # the SPU's stock is the sum of its SKUs' (CAT-1)
    # what fulfillment has available: the catalog takes no stock of its own (ADR 0045)
    assert detail["status"] == "listed"
    first = detail["skus"][0]
    assert first == {
        "id": seeded.skus[0],
        "code": "X1-BLK-128",
        "barcode": "6901234567892",
        "sales_attributes": {"colour": "Black", "storage": "128GB"},
        "sale_price": {"amount": "3999.00", "currency": "CNY"},
        "list_price": {"amount": "4299.00", "currency": "CNY"},
        "weight_g": 198,
        "length_mm": 160,
        "width_mm": 75,
        "height_mm": 8,
        "freight_template_id": None,
        "stock": 40,
        "enabled": True,
    }
    assert detail["shop_id"] == SHOP


@pytest.mark.rule("CAT-2")
async def test_a_category_is_renamed(
    client: Client, writer: dict[str, str], seeded: Seeded
) -> None:
    response = await client.patch(
        f"/admin/catalog/categories/{seeded.phones}", json={"name": "Mobile"}, headers=writer
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Mobile"
    assert response.json()["children"][0]["name"] == "Smartphones"
    detail = (await client.get(f"/catalog/products/{seeded.product}")).json()
    assert detail["category_path"] == ["Digital", "Mobile", "Smartphones"]


@pytest.mark.rule("CAT-2")
async def test_the_category_depth_limit_comes_from_settings(
    client: Client, writer: dict[str, str], world: CatalogWorld
) -> None:
    parent = None
    for level in (1, 2, 3):
        parent = await created(
            await client.post(
                "/admin/catalog/categories",
                json={"name": f"L{level}", "parent_id": parent},
                headers=writer,
            )
        )
    before = await world.footprint()
    response = await client.post(
        "/admin/catalog/categories", json={"name": "L4", "parent_id": parent}, headers=writer
    )
    problem(response, 409, "catalog.category_too_deep")
    assert await world.footprint() == before


@pytest.mark.rule("CAT-2")
async def test_a_deeper_tree_when_settings_allow_it() -> None:
    settings = Settings(database_url="memory://", sections=[CatalogSettings(max_category_depth=4)])
    world = build_world(settings)
    writer = bearer(settings, "op", "operator", "catalog.write")
    async with AsyncTestClient(create_app(world.runtime, CATALOG_CONTROLLERS)) as client:
        parent = None
        for level in (1, 2, 3, 4):
            parent = await created(
                await client.post(
                    "/admin/catalog/categories",
                    json={"name": f"L{level}", "parent_id": parent},
                    headers=writer,
                )
            )
        response = await client.post(
            "/admin/catalog/categories", json={"name": "L5", "parent_id": parent}, headers=writer
        )
        problem(response, 409, "catalog.category_too_deep")


@pytest.mark.rule("CAT-2")
async def test_a_product_hangs_on_a_leaf_only(
    client: Client, writer: dict[str, str], seeded: Seeded, world: CatalogWorld
) -> None:
    before = await world.footprint()
    body = product_body(seeded.phones, None, key_attributes={}, other_attributes={})
    response = await client.post("/admin/catalog/products", json=body, headers=writer)
    problem(response, 409, "catalog.category_not_leaf")
    assert await world.footprint() == before


@pytest.mark.rule("CAT-2")
@pytest.mark.rule("CAT-4")
async def test_attributes_are_defined_on_leaves_only(
    client: Client, writer: dict[str, str], seeded: Seeded
) -> None:
    response = await client.put(
        f"/admin/catalog/categories/{seeded.phones}/attributes",
        json={"attributes": [{"key": "model", "name": "Model", "kind": "key"}]},
        headers=writer,
    )
    problem(response, 409, "catalog.category_not_leaf")


@pytest.mark.rule("CAT-4")
async def test_a_product_needs_its_key_attributes(
    client: Client, writer: dict[str, str], seeded: Seeded
) -> None:
    body = product_body(seeded.smartphones, seeded.brand, key_attributes={})
    response = await client.post("/admin/catalog/products", json=body, headers=writer)
    problem(response, 422, "catalog.required_attribute_missing")
    body = product_body(seeded.smartphones, seeded.brand, other_attributes={"os": "Symbian"})
    response = await client.post("/admin/catalog/products", json=body, headers=writer)
    problem(response, 422, "catalog.attribute_value_not_allowed")


@pytest.mark.rule("CAT-1")
async def test_a_sku_combination_is_unique_within_its_spu(
    client: Client, writer: dict[str, str], seeded: Seeded, world: CatalogWorld
) -> None:
    before = await world.footprint()
    response = await client.post(
        f"/admin/catalog/products/{seeded.product}/skus",
        json=sku("X1-BLK-128-B", "Black", "128GB"),
        headers=writer,
    )
    problem(response, 409, "catalog.sku_combination_taken")
    twins = product_body(
        seeded.smartphones,
        seeded.brand,
        skus=[sku("A-1", "Red", "64GB"), sku("A-2", "Red", "64GB")],
    )
    response = await client.post("/admin/catalog/products", json=twins, headers=writer)
    problem(response, 409, "catalog.sku_combination_taken")
    missing = product_body(seeded.smartphones, seeded.brand, skus=[sku("B-1", "Red", "64GB")])
    missing["skus"][0]["sales_attributes"] = {"colour": "Red"}
    response = await client.post("/admin/catalog/products", json=missing, headers=writer)
    problem(response, 422, "catalog.sales_attributes_mismatch")
    assert await world.footprint() == before


@pytest.mark.rule("CAT-1")
@pytest.mark.rule("CAT-6")
async def test_skus_are_added_repriced_restocked_and_switched(
    client: Client, writer: dict[str, str], seeded: Seeded, world: CatalogWorld
) -> None:
    base = f"/admin/catalog/products/{seeded.product}"
    new_sku = await created(
        await client.post(
            f"{base}/skus",
            json=sku("X1-SIL-128", "Silver", "128GB", "3899.00"),
            headers=writer,
        )
    )
    response = await client.put(
        f"{base}/skus/{new_sku}/price",
        json={"sale_price": yuan("3799.00"), "list_price": yuan("3999.00")},
        headers=writer,
    )
    assert response.status_code == 200, response.text
    assert response.json()["min_price"] == yuan("3799.00")

    public = f"/catalog/products/{seeded.product}"
    assert (await client.get(public)).json()["stock"] == 40 + 25  # and kept for reuse
    await stock(world, new_sku, 7)  # fulfillment's stock moves the catalog's (ADR 0045) …
    detail = (await client.get(public)).json()  # … and the public answer is made afresh
    assert detail["stock"] == 40 + 25 + 7
    assert next(s for s in detail["skus"] if s["id"] == new_sku)["stock"] == 7

    response = await client.post(f"{base}/skus/{new_sku}/disable", headers=writer)
    assert response.status_code == 200, response.text
    detail = response.json()
    assert next(s for s in detail["skus"] if s["id"] == new_sku)["enabled"] is False
    assert detail["min_price"] == yuan("3999.00")  # over enabled SKUs only

    response = await client.post(f"{base}/skus/{new_sku}/enable", headers=writer)
    assert response.status_code == 200, response.text
    assert response.json()["min_price"] == yuan("3799.00")


async def test_a_product_is_updated(client: Client, writer: dict[str, str], seeded: Seeded) -> None:
    body = {
        "name": "Nova X1 Pro",
        "description": "Now with more",
        "brand_id": None,
        "key_attributes": {"model": "X1 Pro"},
        "other_attributes": {"os": "iOS"},
    }
    response = await client.put(
        f"/admin/catalog/products/{seeded.product}", json=body, headers=writer
    )
    assert response.status_code == 200, response.text
    detail = response.json()
    assert (detail["name"], detail["brand_id"], detail["key_attributes"]) == (
        "Nova X1 Pro",
        None,
        {"model": "X1 Pro"},
    )
    problem(
        await client.put(f"/admin/catalog/products/{uuid.uuid4()}", json=body, headers=writer),
        404,
        "catalog.product_not_found",
    )


# --- front categories (CAT-3) -----------------------------------------------------------------


@pytest.mark.rule("CAT-3")
async def test_front_categories_are_created_hidden_mapped_and_deleted(
    client: Client, writer: dict[str, str], reader: dict[str, str], seeded: Seeded
) -> None:
    front = await created(
        await client.post(
            "/admin/catalog/front-categories",
            json={"name": "Phones", "category_ids": [seeded.phones], "sort_order": 2},
            headers=writer,
        )
    )
    child = await created(
        await client.post(
            "/admin/catalog/front-categories",
            json={"name": "Flagships", "parent_id": front},
            headers=writer,
        )
    )
    response = await client.get(f"/catalog/products?front_category_id={front}")
    assert names(response.json()) == ["Nova X1 smartphone"]

    response = await client.patch(
        f"/admin/catalog/front-categories/{front}",
        json={"visible": False, "name": "Mobiles"},
        headers=writer,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["visible"], response.json()["name"]) == (False, "Mobiles")
    assert (await client.get("/catalog/front-categories")).json() == []
    hidden = (await client.get("/admin/catalog/front-categories", headers=reader)).json()
    assert [f["name"] for f in hidden] == ["Mobiles"]
    assert [c["name"] for c in hidden[0]["children"]] == ["Flagships"]

    response = await client.put(
        f"/admin/catalog/front-categories/{front}/categories",
        json={"category_ids": [seeded.digital, seeded.smartphones]},
        headers=writer,
    )
    assert response.status_code == 200, response.text
    assert sorted(response.json()["category_ids"]) == sorted([seeded.digital, seeded.smartphones])

    response = await client.delete(f"/admin/catalog/front-categories/{front}", headers=writer)
    problem(response, 409, "catalog.front_category_has_children")
    for doomed in (child, front):
        response = await client.delete(f"/admin/catalog/front-categories/{doomed}", headers=writer)
        assert response.status_code == 204, response.text
    assert (await client.get("/admin/catalog/front-categories", headers=reader)).json() == []
    # no product was touched
    detail = await client.get(f"/catalog/products/{seeded.product}")
    assert detail.status_code == 200
    assert detail.json()["version"] == 2  # created, listed
    problem(
        await client.delete(f"/admin/catalog/front-categories/{front}", headers=writer),
        404,
        "catalog.front_category_not_found",
    )


# --- brands (CAT-5) ---------------------------------------------------------------------------


@pytest.mark.rule("CAT-5")
async def test_brands_are_created_updated_and_unique(
    client: Client, writer: dict[str, str], seeded: Seeded, world: CatalogWorld
) -> None:
    tide = await created(
        await client.post(
            "/admin/catalog/brands",
            json={"name": "Tide", "logo_url": "https://cdn.example/tide.png"},
            headers=writer,
        )
    )
    response = await client.put(
        f"/admin/catalog/brands/{tide}",
        json={"name": "Tide Audio", "category_ids": [seeded.phones]},
        headers=writer,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": tide,
        "name": "Tide Audio",
        "logo_url": None,
        "category_ids": [seeded.phones],
    }
    before = await world.footprint()
    response = await client.post("/admin/catalog/brands", json={"name": "NOVA"}, headers=writer)
    problem(response, 409, "catalog.brand_name_taken")
    response = await client.put(
        f"/admin/catalog/brands/{tide}", json={"name": "nova"}, headers=writer
    )
    problem(response, 409, "catalog.brand_name_taken")
    assert await world.footprint() == before
    assert [b["name"] for b in (await client.get("/catalog/brands")).json()] == [
        "Nova",
        "Tide Audio",
    ]


@pytest.mark.rule("CAT-5")
async def test_a_brand_restricted_to_categories_stays_there(
    client: Client, writer: dict[str, str], seeded: Seeded
) -> None:
    audio = await created(
        await client.post(
            "/admin/catalog/categories",
            json={"name": "Audio", "parent_id": seeded.digital},
            headers=writer,
        )
    )
    response = await client.post(
        "/admin/catalog/products",
        json=product_body(
            audio, seeded.brand, key_attributes={}, other_attributes={}, sales_attribute_keys=[]
        )
        | {"skus": [{"code": "BUD-1", "sale_price": yuan("99"), "list_price": yuan("99")}]},
        headers=writer,
    )
    problem(response, 409, "catalog.brand_not_allowed_in_category")


# --- listing (CAT-7) --------------------------------------------------------------------------


@pytest.mark.rule("CAT-7")
async def test_an_unlisted_product_is_hidden_from_shoppers_but_not_the_back_office(
    client: Client, writer: dict[str, str], reader: dict[str, str], seeded: Seeded
) -> None:
    response = await client.post(f"/admin/catalog/products/{seeded.product}/unlist", headers=writer)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["listed"]) == ("unlisted", False)

    problem(
        await client.get(f"/catalog/products/{seeded.product}"), 404, "catalog.product_not_found"
    )
    assert (await client.get("/catalog/products")).json()["total"] == 0
    assert (await client.get("/catalog/products?keyword=nova")).json()["items"] == []

    admin = await client.get("/admin/catalog/products", headers=reader)
    assert admin.status_code == 200, admin.text
    assert names(admin.json()) == ["Nova X1 smartphone"]
    assert admin.json()["items"][0]["listed"] is False
    only_listed = await client.get("/admin/catalog/products?include_unlisted=false", headers=reader)
    assert only_listed.json()["total"] == 0
    detail = await client.get(f"/admin/catalog/products/{seeded.product}", headers=reader)
    assert detail.status_code == 200
    assert detail.json()["listed"] is False

    response = await client.post(f"/admin/catalog/products/{seeded.product}/list", headers=writer)
    assert response.json()["listed"] is True
    assert (await client.get(f"/catalog/products/{seeded.product}")).status_code == 200


@pytest.mark.rule("CAT-7")
async def test_an_absent_product_is_404(client: Client, reader: dict[str, str]) -> None:
    missing = uuid.uuid4()
    problem(await client.get(f"/catalog/products/{missing}"), 404, "catalog.product_not_found")
    problem(
        await client.get(f"/admin/catalog/products/{missing}", headers=reader),
        404,
        "catalog.product_not_found",
    )


@pytest.mark.rule("CAT-7")
async def test_a_scheduled_listing_shows_when_the_clock_passes_list_at(
    client: Client, writer: dict[str, str], world: CatalogWorld
) -> None:
    seeded = await seed(client, writer, list_it=False)
    now = world.clock.now()
    list_at = (now + dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    delist_at = now + dt.timedelta(hours=3)
    response = await client.put(
        f"/admin/catalog/products/{seeded.product}/schedule",
        json={"list_at": list_at.isoformat(), "delist_at": delist_at.isoformat()},
        headers=writer,
    )
    assert response.status_code == 200, response.text
    assert dt.datetime.fromisoformat(response.json()["list_at"]) == list_at
    assert response.json()["listed"] is False
    problem(
        await client.get(f"/catalog/products/{seeded.product}"), 404, "catalog.product_not_found"
    )

    world.clock.advance(hours=1)
    detail = await client.get(f"/catalog/products/{seeded.product}")
    assert detail.status_code == 200, detail.text
    assert detail.json()["listed"] is True
    assert names((await client.get("/catalog/products")).json()) == ["Nova X1 smartphone"]

    response = await client.post("/admin/catalog/listing-schedules/apply", headers=writer)
    assert response.status_code == 200, response.text
    assert response.json() == {"changed": 1}
    detail = await client.get(f"/catalog/products/{seeded.product}")
    assert (detail.json()["status"], detail.json()["list_at"]) == ("listed", None)

    world.clock.advance(hours=2)
    problem(
        await client.get(f"/catalog/products/{seeded.product}"), 404, "catalog.product_not_found"
    )
    assert (await client.get("/catalog/products")).json()["total"] == 0


@pytest.mark.rule("CAT-7")
@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"list_at": "2026-06-01T10:00:00"}, 400, "request.invalid"),
        ({"delist_at": "tomorrow"}, 400, "request.invalid"),
        ({"list_at": "2025-01-01T00:00:00Z"}, 422, "catalog.invalid_schedule"),
        ({"when": "2026-06-01T10:00:00Z"}, 400, "request.invalid"),
    ],
)
async def test_a_bad_schedule_is_refused(
    client: Client,
    writer: dict[str, str],
    seeded: Seeded,
    world: CatalogWorld,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = await world.footprint()
    response = await client.put(
        f"/admin/catalog/products/{seeded.product}/schedule", json=body, headers=writer
    )
    problem(response, status, code)
    assert await world.footprint() == before


# --- search (CAT-8) ---------------------------------------------------------------------------


@pytest.mark.rule("CAT-8")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("keyword=nova", ["Nova"]),
        ("keyword=TIDE%20pro", ["Tide"]),
        ("keyword=linen", ["Linen"]),
        ("attr=colour:Navy", ["Linen"]),
        ("attr=colour:Black&attr=storage:256GB", ["Nova"]),
        ("attr=os:Android", ["Nova"]),
        ("attr=colour:Purple", []),
        ("min_price=500&max_price=1000", ["Tide"]),
        ("max_price=129", ["Linen"]),
        ("min_price=4000.5", ["Nova"]),
        (f"shop_id={OTHER_SHOP}", []),
        (f"shop_id={DEMO_SHOP}&sort=price_asc", ["Linen", "Tide", "Nova"]),
        ("sort=price_desc", ["Nova", "Tide", "Linen"]),
    ],
)
async def test_search_filters_and_sorts(
    client: Client, demo: dict[str, Any], query: str, expected: list[str]
) -> None:
    response = await client.get(f"/catalog/products?{query}")
    assert response.status_code == 200, response.text
    assert [name.split()[0] for name in names(response.json())] == expected


@pytest.mark.rule("CAT-8")
async def test_search_by_category_brand_and_front_category(
    client: Client, demo: dict[str, Any]
) -> None:
    tree = (await client.get("/catalog/categories")).json()
    digital = find(tree, "Digital")["id"]
    headphones = find(tree, "Headphones")["id"]
    brands = {b["name"]: b["id"] for b in (await client.get("/catalog/brands")).json()}
    fronts = {f["name"]: f["id"] for f in (await client.get("/catalog/front-categories")).json()}

    async def found(query: str) -> list[str]:
        response = await client.get(f"/catalog/products?{query}&sort=price_asc")
        assert response.status_code == 200, response.text
        return names(response.json())

    assert await found(f"category_id={digital}") == [
        "Tide Buds Pro wireless earphones",
        "Nova X1 smartphone",
    ]
    assert await found(f"category_id={headphones}") == ["Tide Buds Pro wireless earphones"]
    assert await found(f"brand_id={brands['Nova']}") == ["Nova X1 smartphone"]
    assert await found(f"front_category_id={fronts['Summer wear']}") == ["Linen crew-neck T-shirt"]
    assert await found(f"category_id={uuid.uuid4()}") == []


@pytest.mark.rule("CAT-8")
async def test_search_pages_and_sorts_by_sales_and_newest(
    client: Client, demo: dict[str, Any], world: CatalogWorld
) -> None:
    tee = demo["products"][2]
    await world.runtime.bus.handle(RecordProductSales(product_id=tee, quantity=5))
    assert names((await client.get("/catalog/products?sort=sales")).json())[0] == (
        "Linen crew-neck T-shirt"
    )
    newest = names((await client.get("/catalog/products?sort=newest")).json())
    assert len(newest) == 3

    first = (await client.get("/catalog/products?page_size=2&sort=price_asc")).json()
    assert (first["total"], first["page"], first["page_size"], first["pages"]) == (3, 1, 2, 2)
    assert len(first["items"]) == 2
    second = (await client.get("/catalog/products?page_size=2&page=2&sort=price_asc")).json()
    assert names(second) == ["Nova X1 smartphone"]
    beyond = (await client.get("/catalog/products?page_size=2&page=9")).json()
    assert (beyond["items"], beyond["total"]) == ([], 3)


@pytest.mark.rule("CAT-8")
@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("page_size=0", 400, "request.invalid"),
        ("page_size=101", 400, "request.invalid"),
        ("page=0", 400, "request.invalid"),
        ("sort=cheapest", 400, "request.invalid"),
        ("category_id=not-a-uuid", 400, "request.invalid"),
        ("attr=colour", 400, "request.invalid"),
        ("min_price=-1", 400, "request.invalid"),
        ("min_price=1.5e3", 400, "request.invalid"),
        ("currency=cny&min_price=1", 400, "request.invalid"),
        ("min_price=1.001", 422, "money.too_precise"),
        ("min_price=10&max_price=5", 422, "catalog.search.invalid_price_range"),
        # the document says what the server takes (issue 9): known currencies, amounts below
        # 10^10 without leading zeros, filters whose key and value are not blank
        ("min_price=1&currency=XYZ", 400, "request.invalid"),
        ("max_price=10000000000", 400, "request.invalid"),
        ("min_price=01", 400, "request.invalid"),
        ("attr=%20:black", 400, "request.invalid"),
        ("attr=colour:%20", 400, "request.invalid"),
        (f"attr=colour:{'x' * 300}", 400, "request.invalid"),
        ("&".join(["attr=a:b"] * 21), 400, "request.invalid"),
        (f"keyword={'x' * 201}", 400, "request.invalid"),
        ("keyword=a%00b", 400, "request.invalid_character"),
    ],
)
async def test_bad_search_parameters_are_4xx(
    client: Client, query: str, status: int, code: str
) -> None:
    problem(await client.get(f"/catalog/products?{query}"), status, code)


# --- who may do what (SEC-1) ------------------------------------------------------------------

ZERO = "00000000-0000-7000-8000-000000000000"
INVALID = "request.invalid"

WRITE_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/admin/catalog/categories", {"name": "X"}),
    ("PATCH", "/admin/catalog/categories/{smartphones}", {"name": "X"}),
    ("PUT", "/admin/catalog/categories/{smartphones}/attributes", {"attributes": []}),
    ("POST", "/admin/catalog/front-categories", {"name": "X"}),
    ("PATCH", "/admin/catalog/front-categories/{zero}", {"name": "X"}),
    ("PUT", "/admin/catalog/front-categories/{zero}/categories", {"category_ids": []}),
    ("DELETE", "/admin/catalog/front-categories/{zero}", None),
    ("POST", "/admin/catalog/brands", {"name": "X"}),
    ("PUT", "/admin/catalog/brands/{brand}", {"name": "X"}),
    ("POST", "/admin/catalog/products", {"product": True}),
    ("PUT", "/admin/catalog/products/{product}", {"name": "X"}),
    ("POST", "/admin/catalog/products/{product}/skus", {"sku": True}),
    (
        "PUT",
        "/admin/catalog/products/{product}/skus/{sku}/price",
        {
            "sale_price": {"amount": "1.00", "currency": "CNY"},
            "list_price": {"amount": "1.00", "currency": "CNY"},
        },
    ),
    ("POST", "/admin/catalog/products/{product}/skus/{sku}/enable", None),
    ("POST", "/admin/catalog/products/{product}/skus/{sku}/disable", None),
    ("POST", "/admin/catalog/products/{product}/list", None),
    ("POST", "/admin/catalog/products/{product}/unlist", None),
    ("PUT", "/admin/catalog/products/{product}/schedule", {"list_at": "2030-01-01T00:00:00Z"}),
    ("POST", "/admin/catalog/listing-schedules/apply", None),
]

READ_ROUTES = [
    "/admin/catalog/products",
    "/admin/catalog/products/{product}",
    "/admin/catalog/front-categories",
]


def _route(template: str, seeded: Seeded) -> str:
    return template.format(
        smartphones=seeded.smartphones,
        brand=seeded.brand,
        product=seeded.product,
        sku=seeded.skus[1],
        zero=ZERO,
    )


def _body(body: dict[str, Any] | None, seeded: Seeded) -> dict[str, Any] | None:
    if body == {"product": True}:
        return product_body(seeded.smartphones, seeded.brand)
    if body == {"sku": True}:
        return sku("X1-NEW", "Gold", "512GB")
    return body


@pytest.mark.rule("SEC-1")
@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(("method", "template", "body"), WRITE_ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "customer", "reader", "other operator"])
async def test_changes_need_catalog_write_and_refusals_write_nothing(
    client: Client,
    settings: Settings,
    seeded: Seeded,
    world: CatalogWorld,
    who: str,
    method: str,
    template: str,
    body: dict[str, Any] | None,
) -> None:
    headers = {
        "anonymous": {},
        "customer": bearer(settings, "cust-1", "customer"),
        "reader": bearer(settings, "op-r", "operator", "catalog.read"),
        "other operator": bearer(settings, "op-o", "operator", "coupons.write"),
    }[who]
    before = await world.footprint()
    response = await client.request(
        method, _route(template, seeded), json=_body(body, seeded), headers=headers
    )
    if who == "anonymous":
        problem(response, 401, "auth.unauthenticated")
    else:
        body_ = problem(response, 403, "auth.permission_required")
        assert body_["details"] == {"permission": "catalog.write"}
    assert await world.footprint() == before


@pytest.mark.rule("SEC-1")
async def test_a_customer_with_permissions_is_still_not_an_operator(
    client: Client, settings: Settings, seeded: Seeded
) -> None:
    headers = bearer(settings, "cust-1", "customer", "catalog.write")
    response = await client.post(
        f"/admin/catalog/products/{seeded.product}/unlist", headers=headers
    )
    problem(response, 403, "auth.operator_only")


@pytest.mark.rule("SEC-1")
@pytest.mark.parametrize("template", READ_ROUTES)
async def test_back_office_reads_need_catalog_read(
    client: Client, settings: Settings, seeded: Seeded, reader: dict[str, str], template: str
) -> None:
    path = _route(template, seeded)
    problem(await client.get(path), 401, "auth.unauthenticated")
    customer = bearer(settings, "cust-1", "customer")
    problem(await client.get(path, headers=customer), 403, "auth.permission_required")
    writer_only = bearer(settings, "op-w", "operator", "catalog.write")
    body = problem(await client.get(path, headers=writer_only), 403, "auth.permission_required")
    assert body["details"] == {"permission": "catalog.read"}
    assert (await client.get(path, headers=reader)).status_code == 200


# --- bad input (SEC-4) ------------------------------------------------------------------------


def _set(path: str, value: Any) -> Any:
    def change(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is DROP:
            del target[last]
        else:
            target[last] = value

    return change


DROP = object()

BAD_PRODUCTS: dict[str, tuple[Any, int, str]] = {
    "empty name": (_set("name", ""), 400, "request.invalid"),
    "blank name": (_set("name", "   "), 422, "catalog.invalid_text"),
    "name too long": (_set("name", "x" * 201), 400, "request.invalid"),
    "stock (fulfillment's, ADR 0045)": (_set("skus.0.stock", 1), 400, "request.invalid"),
    "negative weight": (_set("skus.0.weight_g", -5), 400, "request.invalid"),
    "float money": (
        _set("skus.0.sale_price", {"amount": 1.5, "currency": "CNY"}),
        400,
        "request.invalid",
    ),
    "bare number money": (_set("skus.0.sale_price", 1999), 400, "request.invalid"),
    "too many decimals": (_set("skus.0.sale_price", yuan("39.999")), 422, "money.too_precise"),
    # the schema lists the currencies the server knows, and prices are not negative (issue 9)
    "unknown currency": (
        _set("skus.0.sale_price", {"amount": "1.00", "currency": "XYZ"}),
        400,
        "request.invalid",
    ),
    "negative price": (_set("skus.0.sale_price", yuan("-0.01")), 400, "request.invalid"),
    "lower-case currency": (_set("currency", "cny"), 400, "request.invalid"),
    "mixed currencies": (
        _set("skus.0.list_price", {"amount": "4299.00", "currency": "USD"}),
        422,
        "catalog.price_currency_mismatch",
    ),
    "list below sale": (
        _set("skus.0.list_price", yuan("1.00")),
        422,
        "catalog.list_price_below_sale_price",
    ),
    "unknown field": (_set("colour", "red"), 400, "request.invalid"),
    "unknown sku field": (_set("skus.0.price", "1"), 400, "request.invalid"),
    "no skus": (_set("skus", []), 400, "request.invalid"),
    "too many skus": (
        _set("skus", [sku(f"C-{i}", f"c{i}", "1GB") for i in range(201)]),
        400,
        "request.invalid",
    ),
    "bad shop id": (_set("shop_id", "shop-1"), 400, "request.invalid"),
    "missing category": (_set("category_id", DROP), 400, "request.invalid"),
    "unknown category": (_set("category_id", ZERO), 404, "catalog.category_not_found"),
    "unknown brand": (_set("brand_id", ZERO), 404, "catalog.brand_not_found"),
    "unknown attribute": (
        _set("other_attributes", {"gps": "yes"}),
        422,
        "catalog.unknown_attribute",
    ),
    # every bound the domain has is in the schema (issue 9): a 400 before any command runs
    "SKU code too long": (_set("skus.0.code", "C" * 65), 400, INVALID),
    "barcode too long": (_set("skus.0.barcode", "1" * 65), 400, INVALID),
    "description too long": (_set("description", "d" * 20_001), 400, INVALID),
    "attribute key too long": (_set("other_attributes", {"k" * 65: "v"}), 400, INVALID),
    "attribute value too long": (_set("other_attributes", {"k": "v" * 201}), 400, INVALID),
    "empty attribute value": (_set("key_attributes", {"model": ""}), 400, INVALID),
    "too many attributes": (
        _set("other_attributes", {f"k{i}": "v" for i in range(51)}),
        400,
        INVALID,
    ),
    "weight too large": (_set("skus.0.weight_g", 100_000_001), 400, INVALID),
    "price too large": (_set("skus.0.sale_price", yuan("10000000000")), 400, INVALID),
    "control character in a name": (_set("name", "Nova\u0007"), 400, INVALID),
    "sales attribute key blank": (_set("sales_attribute_keys", [""]), 400, INVALID),
}


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize("case", sorted(BAD_PRODUCTS))
async def test_a_bad_product_is_refused_and_nothing_is_written(
    client: Client, writer: dict[str, str], seeded: Seeded, world: CatalogWorld, case: str
) -> None:
    change, status, code = BAD_PRODUCTS[case]
    body = product_body(seeded.smartphones, seeded.brand, skus=[sku("N-1", "Red", "64GB")])
    change(body)
    before = await world.footprint()
    response = await client.post("/admin/catalog/products", json=body, headers=writer)
    problem(response, status, code)
    assert await world.footprint() == before


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/admin/catalog/categories", {"name": ""}, 400, "request.invalid"),
        ("POST", "/admin/catalog/categories", {"name": "A", "x": 1}, 400, "request.invalid"),
        (
            "POST",
            "/admin/catalog/categories",
            {"name": "A", "parent_id": ZERO},
            404,
            "catalog.category_not_found",
        ),
        ("POST", "/admin/catalog/categories", "not json", 400, "request.invalid"),
        # the schema says what the domain takes of a logo: http(s), no whitespace (issue 9)
        ("POST", "/admin/catalog/brands", {"name": "B", "logo_url": "ftp://x"}, 400, INVALID),
        ("POST", "/admin/catalog/brands", {"name": "B", "logo_url": "http://a b"}, 400, INVALID),
        (
            "POST",
            "/admin/catalog/brands",
            {"name": "B", "logo_url": "https://x/" + "a" * 2000},
            400,
            INVALID,
        ),
        (
            "POST",
            "/admin/catalog/front-categories",
            {"name": "F", "sort_order": 1_000_001},
            400,
            INVALID,
        ),
        (
            "POST",
            "/admin/catalog/front-categories",
            {"name": "F", "category_ids": [ZERO] * 101},
            400,
            INVALID,
        ),
        (
            "PUT",
            "/admin/catalog/categories/{smartphones}/attributes",
            {"attributes": [{"key": "k" * 65, "name": "K", "kind": "other"}]},
            400,
            INVALID,
        ),
        (
            "PUT",
            "/admin/catalog/categories/{smartphones}/attributes",
            {"attributes": [{"key": "k", "name": "K", "kind": "other", "allowed_values": [""]}]},
            400,
            INVALID,
        ),
        (
            "PUT",
            "/admin/catalog/products/{product}/schedule",
            {"list_at": "2026-01-01T00:00:00"},
            400,
            INVALID,
        ),
        (
            "PUT",
            "/admin/catalog/products/{product}/schedule",
            {"delist_at": "0001-01-01T00:00:00+14:00"},
            400,
            INVALID,
        ),
        ("PUT", "/admin/catalog/products/{product}", {"name": "P\u0001"}, 400, INVALID),
        ("POST", "/admin/catalog/listing-schedules/apply?limit=10001", None, 400, INVALID),
        (
            "POST",
            "/admin/catalog/front-categories",
            {"name": "F", "sort_order": 1.5},
            400,
            "request.invalid",
        ),
        (
            "POST",
            "/admin/catalog/front-categories",
            {"name": "F", "category_ids": [ZERO]},
            404,
            "catalog.category_not_found",
        ),
        (
            "PUT",
            "/admin/catalog/products/{product}/skus/{sku}/price",
            {"sale_price": {"amount": 1.5, "currency": "CNY"}, "list_price": yuan("2.00")},
            400,
            "request.invalid",
        ),
        (
            "PUT",
            "/admin/catalog/products/{product}/skus/{sku}/price",
            {"sale_price": yuan("-1.00"), "list_price": yuan("2.00")},
            400,
            "request.invalid",
        ),
        (
            "PUT",
            "/admin/catalog/categories/{smartphones}/attributes",
            {"attributes": [{"key": "k", "name": "K", "kind": "weird"}]},
            400,
            "request.invalid",
        ),
        ("POST", "/admin/catalog/listing-schedules/apply?limit=0", None, 400, "request.invalid"),
        ("GET", "/admin/catalog/products/not-a-uuid", None, 404, "http.not_found"),
        ("POST", "/admin/catalog/products/not-a-uuid/list", None, 404, "http.not_found"),
    ],
)
async def test_bad_input_is_4xx_and_writes_nothing(
    client: Client,
    writer: dict[str, str],
    seeded: Seeded,
    world: CatalogWorld,
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str,
) -> None:
    before = await world.footprint()
    kwargs: dict[str, Any] = (
        {"content": body, "headers": {**writer, "Content-Type": "application/json"}}
        if isinstance(body, str)
        else {"json": body, "headers": writer}
    )
    response = await client.request(method, _route(path, seeded), **kwargs)
    problem(response, status, code)
    assert await world.footprint() == before


@pytest.mark.rule("SEC-4")
async def test_a_bad_path_uuid_on_the_public_detail_is_404(client: Client) -> None:
    problem(await client.get("/catalog/products/not-a-uuid"), 404, "http.not_found")


# --- idempotency (SEC-5) ----------------------------------------------------------------------


@pytest.mark.rule("SEC-5")
async def test_a_retried_create_returns_the_first_id_and_creates_one_product(
    client: Client, writer: dict[str, str], seeded: Seeded, world: CatalogWorld
) -> None:
    body = product_body(seeded.smartphones, seeded.brand, skus=[sku("R-1", "Red", "64GB")])
    headers = {**writer, "Idempotency-Key": "create-red-phone"}
    products = await world.count("Product")
    first = await created(await client.post("/admin/catalog/products", json=body, headers=headers))
    events = await world.unsent()
    again = await created(await client.post("/admin/catalog/products", json=body, headers=headers))
    assert again == first
    assert await world.count("Product") == products + 1
    assert await world.unsent() == events

    other = {**body, "name": "Something else"}
    response = await client.post("/admin/catalog/products", json=other, headers=headers)
    problem(response, 409, "idempotency.key_reused")
    assert await world.count("Product") == products + 1


@pytest.mark.rule("SEC-5")
async def test_a_retried_change_is_done_once(
    client: Client, writer: dict[str, str], seeded: Seeded, world: CatalogWorld
) -> None:
    headers = {**writer, "Idempotency-Key": "unlist-1"}
    path = f"/admin/catalog/products/{seeded.product}/unlist"
    first = await client.post(path, headers=headers)
    assert first.status_code == 200, first.text
    events = await world.unsent()
    again = await client.post(path, headers=headers)
    assert again.status_code == 200
    assert again.json()["version"] == first.json()["version"]
    assert await world.unsent() == events


# --- OpenAPI ----------------------------------------------------------------------------------


async def test_the_openapi_document_describes_the_catalog(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/catalog/products",
        "/catalog/products/{product_id}",
        "/catalog/categories",
        "/catalog/front-categories",
        "/catalog/brands",
        "/admin/catalog/products",
        "/admin/catalog/products/{product_id}/skus/{sku_id}/price",
        "/admin/catalog/products/{product_id}/schedule",
        "/admin/catalog/listing-schedules/apply",
    ):
        assert path in paths, path
    search = paths["/catalog/products"]["get"]
    assert search["security"] == [{}]
    assert {p["name"] for p in search["parameters"]} >= {
        "keyword",
        "attr",
        "min_price",
        "max_price",
        "currency",
        "sort",
        "page",
        "page_size",
    }
    create = paths["/admin/catalog/products"]["post"]
    assert "catalog.write" in create["description"]
    assert {"201", "400", "401", "403", "404", "409", "422"} <= set(create["responses"])
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    assert "404" in paths["/catalog/products/{product_id}"]["get"]["responses"]
