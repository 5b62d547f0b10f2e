"""A small shop for cart tests: a listed product with a stocked SKU (``mug``), one never stocked
(``tee``) and one disabled (``cap``), and an unlisted product's SKU (``lamp``)."""

from __future__ import annotations

import uuid

import attrs
from sqlalchemy import select

from shop_adapters.sql.catalog.tables import skus
from shop_app.catalog import commands as cat
from shop_app.fulfillment.stock import AdjustStock, CreateWarehouse
from shop_domain.shared.money import Money
from shop_testing.harness import MemoryShop


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


@attrs.frozen
class Goods:
    mug: uuid.UUID
    tee: uuid.UUID
    cap: uuid.UUID
    lamp: uuid.UUID
    house: uuid.UUID
    product: uuid.UUID


def _sku(code: str, minor: int, *, enabled: bool = True) -> cat.NewSku:
    return cat.NewSku(
        code=code,
        sale_price=cny(minor),
        list_price=cny(minor),
        sales_attributes={"colour": code.lower()},
        enabled=enabled,
    )


async def stock_goods(shop: MemoryShop, *, mugs: int = 5) -> Goods:
    bus = shop.runtime.bus
    root = await bus.handle(cat.CreateCategory(name="Home"))
    leaf = await bus.handle(cat.CreateCategory(name="Kitchen", parent_id=root))
    colour = cat.AttributeSpec(key="colour", name="Colour", kind="sales")
    await bus.handle(cat.DefineCategoryAttributes(category_id=leaf, attributes=(colour,)))
    product = await bus.handle(
        cat.CreateProduct(
            shop_id=uuid.UUID(int=99),
            name="Mug",
            category_id=leaf,
            currency="CNY",
            sales_attribute_keys=("colour",),
            skus=(_sku("MUG", 2500), _sku("TEE", 1000), _sku("CAP", 500, enabled=False)),
        )
    )
    await bus.handle(cat.ListProduct(product_id=product))
    await bus.handle(
        cat.CreateProduct(
            shop_id=uuid.UUID(int=99),
            name="Lamp",
            category_id=leaf,
            currency="CNY",
            sales_attribute_keys=("colour",),
            skus=(_sku("LAMP", 9900),),
        )
    )
    async with shop.engine.connect() as conn:
        codes = dict((await conn.execute(select(skus.c.code, skus.c.id))).all())
    house = await bus.handle(
        CreateWarehouse(code="SH-1", name="Shanghai", regions=frozenset({"310000"}))
    )
    if mugs:
        await bus.handle(
            AdjustStock(
                sku_id=codes["MUG"], warehouse_id=house, change=mugs, reason="in", actor="op"
            )
        )
    return Goods(codes["MUG"], codes["TEE"], codes["CAP"], codes["LAMP"], house, product)
