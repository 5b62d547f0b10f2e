"""A small, realistic catalog for trying `shop` out (``shop demo-data``).

Everything goes through the message bus, so the demo data obeys the same rules as real data:
the products' stock is put in a demo warehouse by fulfillment (the catalog shows what it has
available, ADR 0045). Running it twice does nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from shop_app.catalog import commands as c
from shop_app.catalog.ports import CatalogQueries
from shop_app.fulfillment.stock import AdjustStock, CreateWarehouse
from shop_app.shared.messagebus import MessageBus
from shop_domain.shared.money import Money

DEMO_SHOP = uuid.UUID("00000000-0000-7000-8000-000000000001")
ROOT_NAME = "Digital"


def _yuan(amount: str) -> Money:
    return Money.of(amount, "CNY")


async def seed_demo_catalog(bus: MessageBus, queries: CatalogQueries) -> dict[str, Any]:
    """Create the demo catalog unless it is there; return what was created (or found)."""
    if any(node.name == ROOT_NAME for node in await queries.category_tree()):
        return {"created": False}

    async def category(name: str, parent: uuid.UUID | None = None) -> uuid.UUID:
        result: uuid.UUID = await bus.handle(c.CreateCategory(name=name, parent_id=parent))
        return result

    digital = await category(ROOT_NAME)
    phones = await category("Phones", digital)
    smartphones = await category("Smartphones", phones)
    audio = await category("Audio", digital)
    headphones = await category("Headphones", audio)
    apparel = await category("Apparel", None)
    menswear = await category("Menswear", apparel)
    tshirts = await category("T-shirts", menswear)

    await bus.handle(
        c.DefineCategoryAttributes(
            category_id=smartphones,
            attributes=(
                c.AttributeSpec("model", "Model", "key", required=True),
                c.AttributeSpec("colour", "Colour", "sales"),
                c.AttributeSpec("storage", "Storage", "sales"),
                c.AttributeSpec(
                    "os", "Operating system", "other", allowed_values=("Android", "iOS")
                ),
            ),
        )
    )
    await bus.handle(
        c.DefineCategoryAttributes(
            category_id=headphones,
            attributes=(
                c.AttributeSpec("model", "Model", "key", required=True),
                c.AttributeSpec("colour", "Colour", "sales"),
                c.AttributeSpec("wireless", "Wireless", "other", allowed_values=("yes", "no")),
            ),
        )
    )
    await bus.handle(
        c.DefineCategoryAttributes(
            category_id=tshirts,
            attributes=(
                c.AttributeSpec("material", "Material", "key", required=True),
                c.AttributeSpec("colour", "Colour", "sales"),
                c.AttributeSpec("size", "Size", "sales"),
            ),
        )
    )
    nova = await bus.handle(c.CreateBrand(name="Nova", category_ids=(smartphones, headphones)))
    tide = await bus.handle(c.CreateBrand(name="Tide Audio", category_ids=(headphones,)))
    linen = await bus.handle(c.CreateBrand(name="Linen & Co"))

    phone_skus = tuple(
        c.NewSku(
            code=f"NOVA-X1-{colour[:3].upper()}-{storage}",
            sale_price=_yuan(price),
            list_price=_yuan(list_price),
            sales_attributes={"colour": colour, "storage": f"{storage}GB"},
            weight_g=198,
            length_mm=160,
            width_mm=75,
            height_mm=8,
        )
        for colour, storage, price, list_price in [
            ("Black", 128, "3999.00", "4299.00"),
            ("Black", 256, "4499.00", "4799.00"),
            ("Silver", 128, "3999.00", "4299.00"),
        ]
    )
    phone = await bus.handle(
        c.CreateProduct(
            shop_id=DEMO_SHOP,
            name="Nova X1 smartphone",
            category_id=smartphones,
            currency="CNY",
            skus=phone_skus,
            description="6.5-inch display, 5000 mAh battery.",
            brand_id=nova,
            key_attributes={"model": "X1"},
            other_attributes={"os": "Android"},
            sales_attribute_keys=("colour", "storage"),
        )
    )
    buds = await bus.handle(
        c.CreateProduct(
            shop_id=DEMO_SHOP,
            name="Tide Buds Pro wireless earphones",
            category_id=headphones,
            currency="CNY",
            skus=tuple(
                c.NewSku(
                    code=f"TIDE-BP-{colour[:3].upper()}",
                    sale_price=_yuan("599.00"),
                    list_price=_yuan("699.00"),
                    sales_attributes={"colour": colour},
                    weight_g=55,
                )
                for colour in ("White", "Black")
            ),
            brand_id=tide,
            key_attributes={"model": "Buds Pro"},
            other_attributes={"wireless": "yes"},
            sales_attribute_keys=("colour",),
        )
    )
    tee = await bus.handle(
        c.CreateProduct(
            shop_id=DEMO_SHOP,
            name="Linen crew-neck T-shirt",
            category_id=tshirts,
            currency="CNY",
            skus=tuple(
                c.NewSku(
                    code=f"LIN-TEE-{colour[:1]}{size}",
                    sale_price=_yuan("129.00"),
                    list_price=_yuan("159.00"),
                    sales_attributes={"colour": colour, "size": size},
                    weight_g=180,
                )
                for colour in ("White", "Navy")
                for size in ("M", "L", "XL")
            ),
            brand_id=linen,
            key_attributes={"material": "Linen"},
            sales_attribute_keys=("colour", "size"),
        )
    )
    for product in (phone, buds, tee):
        await bus.handle(c.ListProduct(product_id=product))
    await _stock(bus, queries, (phone, buds, tee))
    front = await bus.handle(
        c.CreateFrontCategory(name="Phones & Audio", category_ids=(phones, audio))
    )
    await bus.handle(c.CreateFrontCategory(name="Summer wear", category_ids=(tshirts,)))
    return {"created": True, "products": [phone, buds, tee], "front_category": front}


STOCK = {"NOVA-X1-BLA-128": 40, "NOVA-X1-BLA-256": 25, "TIDE-BP-WHI": 100, "TIDE-BP-BLA": 100}
"""Units on hand in the demo warehouse by SKU code; the T-shirts have 30 each, the silver phone
none."""


async def _stock(bus: MessageBus, queries: CatalogQueries, products: tuple[uuid.UUID, ...]) -> None:
    warehouse = await bus.handle(
        CreateWarehouse(code="DEMO", name="Demo warehouse", regions=frozenset({"310000"}))
    )
    now = dt.datetime.now(dt.UTC)
    for product in products:
        for sku in (await queries.product_detail(product, now, include_unlisted=True)).skus:
            units = STOCK.get(sku.code, 30 if sku.code.startswith("LIN-TEE-") else 0)
            if units:
                await bus.handle(
                    AdjustStock(
                        sku_id=sku.id,
                        warehouse_id=warehouse,
                        change=units,
                        reason="demo data",
                        actor="demo",
                    )
                )
