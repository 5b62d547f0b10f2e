"""Support for the catalog e2e tests: a ``memory://`` runtime, tokens, and a helper that builds
a small catalog through the HTTP API itself."""

from __future__ import annotations

import uuid
from typing import Any

import attrs
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import Table, func, select

from shop_adapters.http import mint_token
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.catalog.tables import brands, categories, front_categories, products
from shop_app.fulfillment.ports import StockQueries
from shop_app.fulfillment.stock import AdjustStock, CreateWarehouse
from shop_testing.harness import MemoryShop, memory_shop

PROBLEM = "application/problem+json"
SHOP = "00000000-0000-7000-8000-0000000000a1"
OTHER_SHOP = "00000000-0000-7000-8000-0000000000b2"

Client = AsyncTestClient[Litestar]

TABLES: dict[str, Table] = {
    "Category": categories,
    "FrontCategory": front_categories,
    "Brand": brands,
    "Product": products,
}


@attrs.define
class CatalogWorld:
    """What the tests look at: committed state and the clock the runtime reads."""

    shop: MemoryShop
    clock: FixedClock
    runtime: Runtime

    async def count(self, name: str) -> int:
        return await self.shop.count(TABLES[name])

    async def unsent(self) -> int:
        """Events recorded and not yet published."""
        return len(await self.shop.unsent())

    async def footprint(self) -> tuple[int, ...]:
        """Everything a refused request must leave alone: rows, versions and events."""
        counts = [await self.count(name) for name in TABLES]
        async with self.shop.engine.connect() as conn:
            versions = [
                (await conn.execute(select(func.coalesce(func.sum(t.c.version), 0)))).scalar_one()
                for t in TABLES.values()
            ]
        return (*counts, sum(versions), await self.unsent())


def build_world(settings: Settings) -> CatalogWorld:
    """The runtime exactly as ``bootstrap(Settings(database_url="memory://"))`` wires it, on a
    fixed clock; the app that owns it closes it."""
    clock = FixedClock()
    shop = memory_shop(settings, clock=clock)
    return CatalogWorld(shop=shop, clock=clock, runtime=shop.runtime)


async def stock(world: CatalogWorld, sku_id: str, units: int) -> None:
    """``units`` more of the SKU on hand in fulfillment's warehouse (made on first use): the
    catalog shows what fulfillment has available (ADR 0045)."""
    bus = world.runtime.bus
    houses = await world.runtime.get(StockQueries).warehouses()
    house = houses[0].id if houses else None
    if house is None:
        house = await bus.handle(
            CreateWarehouse(code="E2E", name="E2E", regions=frozenset({"310000"}))
        )
    await bus.handle(
        AdjustStock(
            sku_id=uuid.UUID(sku_id), warehouse_id=house, change=units, reason="in", actor="op"
        )
    )


def bearer(settings: Settings, subject: str, kind: Any, *perms: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, subject, kind, perms)}"}


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["detail"]
    return body


def yuan(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


def sku(
    code: str, colour: str, storage: str, price: str = "3999.00", **extra: Any
) -> dict[str, Any]:
    return {
        "code": code,
        "sale_price": yuan(price),
        "list_price": yuan(extra.pop("list_price", "4299.00")),
        "sales_attributes": {"colour": colour, "storage": storage},
        "barcode": "6901234567892",
        "weight_g": 198,
        "length_mm": 160,
        "width_mm": 75,
        "height_mm": 8,
        **extra,
    }


@attrs.frozen
class Seeded:
    digital: str
    phones: str
    smartphones: str
    brand: str
    product: str
    skus: tuple[str, ...]


async def created(response: Any) -> str:
    assert response.status_code == 201, response.text
    new_id: str = response.json()["id"]
    uuid.UUID(new_id)
    return new_id


def product_body(category_id: str, brand_id: str | None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "shop_id": SHOP,
        "name": "Nova X1 smartphone",
        "category_id": category_id,
        "currency": "CNY",
        "description": "6.5-inch display",
        "brand_id": brand_id,
        "key_attributes": {"model": "X1"},
        "other_attributes": {"os": "Android"},
        "sales_attribute_keys": ["colour", "storage"],
        "skus": [
            sku("X1-BLK-128", "Black", "128GB"),
            sku("X1-BLK-256", "Black", "256GB", "4499.00", list_price="4799.00"),
        ],
    }
    body.update(overrides)
    return body


async def seed(client: Client, writer: dict[str, str], *, list_it: bool = True) -> Seeded:
    """Digital > Phones > Smartphones (with attributes), brand Nova, one product with two SKUs,
    listed unless told otherwise — all through the API."""

    async def category(name: str, parent: str | None) -> str:
        body = {"name": name, "parent_id": parent}
        return await created(
            await client.post("/admin/catalog/categories", json=body, headers=writer)
        )

    digital = await category("Digital", None)
    phones = await category("Phones", digital)
    smartphones = await category("Smartphones", phones)
    attributes = {
        "attributes": [
            {"key": "model", "name": "Model", "kind": "key"},
            {"key": "colour", "name": "Colour", "kind": "sales"},
            {"key": "storage", "name": "Storage", "kind": "sales"},
            {"key": "os", "name": "OS", "kind": "other", "allowed_values": ["Android", "iOS"]},
        ]
    }
    response = await client.put(
        f"/admin/catalog/categories/{smartphones}/attributes", json=attributes, headers=writer
    )
    assert response.status_code == 200, response.text
    brand = await created(
        await client.post(
            "/admin/catalog/brands",
            json={"name": "Nova", "category_ids": [smartphones]},
            headers=writer,
        )
    )
    product = await created(
        await client.post(
            "/admin/catalog/products", json=product_body(smartphones, brand), headers=writer
        )
    )
    if list_it:
        response = await client.post(f"/admin/catalog/products/{product}/list", headers=writer)
        assert response.status_code == 200, response.text
    detail = await client.get(f"/admin/catalog/products/{product}", headers=writer)
    skus = tuple(s["id"] for s in detail.json()["skus"])
    return Seeded(digital, phones, smartphones, brand, product, skus)
