"""Stock through the runtime (STK-1): an operator stocks a warehouse; an order's lines are
reserved together or not at all, released on cancellation, consumed at shipment — each once;
the books hold in the database and the changes are published."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.fulfillment.tables import stock_items
from shop_app.fulfillment.stock import (
    AdjustStock,
    ConsumeStock,
    CreateWarehouse,
    ReleaseStock,
    ReserveStock,
    StockLine,
)
from shop_domain.shared.errors import DomainError
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
MUG, TEE = uuid.UUID(int=0x5C01), uuid.UUID(int=0x5C02)
ORDER, OTHER = uuid.UUID(int=0x0D01), uuid.UUID(int=0x0D02)
pytestmark = pytest.mark.rule("STK-1")


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(clock=FixedClock(NOW))
    yield made
    await made.close()


async def stocked(shop: MemoryShop) -> uuid.UUID:
    bus = shop.runtime.bus
    house: uuid.UUID = await bus.handle(
        CreateWarehouse(code="SH-1", name="Shanghai", regions=frozenset({"310000"}))
    )
    for sku, units in ((MUG, 5), (TEE, 2)):
        await bus.handle(
            AdjustStock(sku_id=sku, warehouse_id=house, change=units, reason="received", actor="op")
        )
    return house


async def figures(shop: MemoryShop) -> dict[uuid.UUID, tuple[int, int]]:
    async with shop.engine.connect() as conn:
        rows = (await conn.execute(select(stock_items))).all()
    return {row.sku_id: (row.on_hand, row.reserved) for row in rows}


async def refused(shop: MemoryShop, command: object) -> str:
    with pytest.raises(DomainError) as refusal:
        await shop.runtime.bus.handle(command)
    return refusal.value.code


async def test_an_orders_lines_are_reserved_together_released_and_consumed_once(
    shop: MemoryShop,
) -> None:
    house = await stocked(shop)
    bus = shop.runtime.bus
    lines = (StockLine(MUG, house, 2), StockLine(TEE, house, 1), StockLine(MUG, house, 1))
    levels = await bus.handle(ReserveStock(order_id=ORDER, lines=lines))
    assert [(lv.sku_id, lv.reserved, lv.available) for lv in levels] == sorted(
        [(MUG, 3, 2), (TEE, 1, 1)]
    )
    await bus.handle(ReserveStock(order_id=ORDER, lines=lines))  # again: nothing more
    assert await figures(shop) == {MUG: (5, 3), TEE: (2, 1)}
    too_many = ReserveStock(
        order_id=OTHER, lines=(StockLine(MUG, house, 2), StockLine(TEE, house, 2))
    )
    assert await refused(shop, too_many) == "stock.insufficient"
    assert await figures(shop) == {MUG: (5, 3), TEE: (2, 1)}  # the mug line held nothing
    assert await bus.handle(ConsumeStock(order_id=ORDER, lines=lines)) == 4
    assert await bus.handle(ConsumeStock(order_id=ORDER, lines=lines)) == 0
    assert await refused(shop, ReleaseStock(order_id=ORDER, lines=lines)) == (
        "stock.reservation_conflict"
    )
    assert await figures(shop) == {MUG: (2, 0), TEE: (1, 0)}
    other = (StockLine(MUG, house, 2),)
    await bus.handle(ReserveStock(order_id=OTHER, lines=other))
    assert await bus.handle(ReleaseStock(order_id=OTHER, lines=other)) == 2
    assert await bus.handle(ReleaseStock(order_id=OTHER, lines=other)) == 0
    assert await figures(shop) == {MUG: (2, 0), TEE: (1, 0)}
    types = [m.type for m in await shop.outbox()]
    assert [
        types.count(f"fulfillment.stock_{what}")
        for what in ("adjusted", "reserved", "consumed", "released")
    ] == [2, 3, 2, 1]


async def test_bad_input_and_unknown_places_change_nothing(shop: MemoryShop) -> None:
    house = await stocked(shop)
    nowhere = uuid.UUID(int=0xDEAD)
    assert (
        await refused(shop, ReserveStock(order_id=ORDER, lines=(StockLine(MUG, nowhere, 1),)))
        == "stock.insufficient"
    )
    assert (
        await refused(
            shop, AdjustStock(sku_id=MUG, warehouse_id=nowhere, change=1, reason="x", actor="op")
        )
        == "stock.warehouse_not_found"
    )
    assert await refused(shop, ReserveStock(order_id=ORDER, lines=())) == "stock.invalid"
    assert (
        await refused(shop, ReserveStock(order_id=ORDER, lines=(StockLine(MUG, house, 0),)))
        == "stock.invalid"
    )
    assert (
        await refused(
            shop, AdjustStock(sku_id=MUG, warehouse_id=house, change=-9, reason="x", actor="op")
        )
        == "stock.below_reserved"
    )
    assert (
        await refused(
            shop, CreateWarehouse(code="SH-1", name="again", regions=frozenset({"310000"}))
        )
        == "stock.warehouse_code_taken"
    )
    assert await figures(shop) == {MUG: (5, 0), TEE: (2, 0)}
