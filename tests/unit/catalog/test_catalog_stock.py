"""The catalog's stock is a projection of fulfillment's (ADR 0045): after each stock command the
product page and the search show what fulfillment has available, summed over warehouses for a
SKU and over SKUs for the SPU (CAT-1, STK-1) — committed with the stock change, or not at all."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from shop_adapters.sql.catalog.tables import sku_stock
from shop_app.catalog import commands as cat
from shop_app.catalog.ports import CatalogQueries
from shop_app.catalog.queries import SearchCriteria
from shop_app.fulfillment.stock import (
    AdjustStock,
    ConsumeStock,
    CountStock,
    CreateWarehouse,
    ReleaseStock,
    ReserveStock,
    StockLine,
    stock_command_handlers,
)
from shop_app.shared.messagebus import MessageBus
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money
from shop_testing.harness import MemoryShop

pytestmark = [pytest.mark.rule("CAT-1"), pytest.mark.rule("STK-1")]


def _sku(code: str) -> cat.NewSku:
    price = Money(1000, "CNY")
    return cat.NewSku(
        code=code, sale_price=price, list_price=price, sales_attributes={"colour": code}
    )


class Stocked:
    def __init__(self, shop: MemoryShop) -> None:
        self.shop, self.bus = shop, shop.runtime.bus
        self.queries: CatalogQueries = shop.runtime.get(CatalogQueries)

    async def setup(self) -> None:
        bus = self.bus
        root = await bus.handle(cat.CreateCategory(name="Home"))
        leaf = await bus.handle(cat.CreateCategory(name="Kitchen", parent_id=root))
        colour = cat.AttributeSpec(key="colour", name="Colour", kind="sales")
        await bus.handle(cat.DefineCategoryAttributes(category_id=leaf, attributes=(colour,)))
        self.product = await bus.handle(
            cat.CreateProduct(
                shop_id=uuid.UUID(int=7),
                name="Mug",
                category_id=leaf,
                currency="CNY",
                sales_attribute_keys=("colour",),
                skus=(_sku("red"), _sku("blue")),
            )
        )
        await bus.handle(cat.ListProduct(product_id=self.product))
        self.red, self.blue = (s.id for s in (await self.detail()).skus)
        self.east, self.west = [
            await bus.handle(CreateWarehouse(code=code, name=code, regions=frozenset({region})))
            for code, region in (("E", "310000"), ("W", "510000"))
        ]

    async def detail(self) -> object:
        return await self.queries.product_detail(self.product, self.shop.clock.now())

    async def figures(self) -> tuple[int, int, int, int]:
        """The SPU's stock, each SKU's, and the search hit's."""
        detail = await self.queries.product_detail(self.product, self.shop.clock.now())
        by_id = {s.id: s.stock for s in detail.skus}
        (hit,) = (await self.queries.search(SearchCriteria(), self.shop.clock.now())).items
        return detail.stock, by_id[self.red], by_id[self.blue], hit.stock

    async def adjust(self, sku: uuid.UUID, house: uuid.UUID, change: int) -> None:
        await self.bus.handle(
            AdjustStock(sku_id=sku, warehouse_id=house, change=change, reason="in", actor="op")
        )


@pytest.fixture
async def stocked(shop: MemoryShop) -> Stocked:
    found = Stocked(shop)
    await found.setup()
    return found


async def test_a_product_shows_what_fulfillment_has_available(stocked: Stocked) -> None:
    s = stocked
    assert await s.figures() == (0, 0, 0, 0)  # no stock item: nothing available
    await s.adjust(s.red, s.east, 10)
    await s.adjust(s.red, s.west, 4)
    await s.adjust(s.blue, s.east, 3)
    assert await s.figures() == (17, 14, 3, 17)  # a SKU sums its warehouses, the SPU its SKUs

    order = uuid.uuid4()
    lines = (StockLine(s.red, s.east, 6), StockLine(s.blue, s.east, 1))
    await s.bus.handle(ReserveStock(order_id=order, lines=lines))
    assert await s.figures() == (10, 8, 2, 10)
    await s.bus.handle(ReleaseStock(order_id=order, lines=lines))
    assert await s.figures() == (17, 14, 3, 17)

    again = uuid.uuid4()
    await s.bus.handle(ReserveStock(order_id=again, lines=lines))
    await s.bus.handle(ConsumeStock(order_id=again, lines=lines))  # shipped: gone for good
    assert await s.figures() == (10, 8, 2, 10)
    await s.bus.handle(
        CountStock(sku_id=s.red, warehouse_id=s.west, on_hand=1, reason="count", actor="op")
    )
    assert await s.figures() == (7, 5, 2, 7)


async def test_a_refused_stock_command_leaves_the_catalogs_figure(stocked: Stocked) -> None:
    s = stocked
    await s.adjust(s.red, s.east, 2)
    await s.adjust(s.blue, s.east, 5)
    lines = (StockLine(s.blue, s.east, 1), StockLine(s.red, s.east, 3))  # red: 3 > 2
    with pytest.raises(DomainError) as refused:
        await s.bus.handle(ReserveStock(order_id=uuid.uuid4(), lines=lines))
    assert refused.value.code == "stock.insufficient"
    assert await s.figures() == (7, 2, 5, 7)  # blue's reservation rolled back with its figure


async def test_the_projection_commits_in_the_stock_changes_transaction(
    stocked: Stocked, shop: MemoryShop
) -> None:
    """A stock command run on a bus of fulfillment's handlers alone (no catalog handler, no
    subscriber) still moves the catalog's figure: the unit of work's projection writes it."""
    s = stocked
    alone = MessageBus(shop.uow, stock_command_handlers())
    await alone.handle(
        AdjustStock(sku_id=s.blue, warehouse_id=s.west, change=9, reason="in", actor="op")
    )
    async with shop.engine.connect() as conn:
        rows = (await conn.execute(select(sku_stock))).all()
    assert [(r.sku_id, r.warehouse_id, r.available) for r in rows] == [(s.blue, s.west, 9)]
    assert (await s.figures())[2] == 9
