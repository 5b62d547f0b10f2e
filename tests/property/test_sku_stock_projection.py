"""The catalog's stock is a projection of fulfillment's (ADR 0045): whatever sequence of stock
commands runs — adjustments, counts, reservations, releases, shipments, refused ones among
them — afterwards every SKU's stock as the catalog keeps it equals the sum over the warehouses
of on hand − reserved (STK-1, CAT-1). A planted fault (a row written past the projection) is
caught by the same check."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from shop_adapters.plugins import catalog, fulfillment
from shop_adapters.sql.catalog.tables import sku_stock
from shop_app.fulfillment.stock import (
    AdjustStock,
    ConsumeStock,
    CountStock,
    CreateWarehouse,
    ReleaseStock,
    ReserveStock,
    StockLine,
)
from shop_domain.shared.errors import DomainError
from shop_testing.harness import MemoryShop, memory_shop
from shop_testing.invariants.base import InvariantBroken
from shop_testing.invariants.stock import check_sku_stock_projection

pytestmark = [pytest.mark.rule("STK-1"), pytest.mark.rule("CAT-1")]

SKUS = [uuid.UUID(int=0x5C00 + n) for n in range(3)]
ORDERS = [uuid.UUID(int=0x0D00 + n) for n in range(4)]
lines = st.lists(
    st.tuples(st.sampled_from(range(3)), st.sampled_from(range(2)), st.integers(1, 6)),
    min_size=1,
    max_size=3,
)
commands = st.one_of(
    st.tuples(
        st.just("adjust"), st.sampled_from(range(3)), st.sampled_from(range(2)), st.integers(-8, 12)
    ),
    st.tuples(
        st.just("count"), st.sampled_from(range(3)), st.sampled_from(range(2)), st.integers(0, 15)
    ),
    st.tuples(st.sampled_from(["reserve", "release", "consume"]), st.sampled_from(ORDERS), lines),
)


async def _opened() -> tuple[MemoryShop, list[uuid.UUID]]:
    shop = memory_shop(contexts=(catalog.PLUGIN, fulfillment.PLUGIN))
    await shop.runtime.start()
    houses = [
        await shop.runtime.bus.handle(
            CreateWarehouse(code=code, name=code, regions=frozenset({"310000"}))
        )
        for code in ("A", "B")
    ]
    return shop, houses


def _command(step: tuple, houses: list[uuid.UUID]) -> object:  # type: ignore[type-arg]
    kind = step[0]
    if kind == "adjust":
        _, sku, house, change = step
        return AdjustStock(
            sku_id=SKUS[sku], warehouse_id=houses[house], change=change, reason="r", actor="a"
        )
    if kind == "count":
        _, sku, house, on_hand = step
        return CountStock(
            sku_id=SKUS[sku], warehouse_id=houses[house], on_hand=on_hand, reason="r", actor="a"
        )
    _, order, drawn = step
    stock_lines = tuple(StockLine(SKUS[s], houses[h], q) for s, h, q in drawn)
    kinds = {"reserve": ReserveStock, "release": ReleaseStock, "consume": ConsumeStock}
    return kinds[kind](order_id=order, lines=stock_lines)


async def _run(steps: list[tuple]) -> None:  # type: ignore[type-arg]
    shop, houses = await _opened()
    try:
        for step in steps:
            with contextlib.suppress(DomainError):  # refused: nothing changes, anywhere
                await shop.runtime.bus.handle(_command(step, houses))
        await check_sku_stock_projection(shop.engine)
    finally:
        await shop.close()


@settings(max_examples=30, deadline=None)
@given(steps=st.lists(commands, max_size=25))
def test_the_projection_equals_the_books_after_any_commands(steps: list[tuple]) -> None:  # type: ignore[type-arg]
    asyncio.run(_run(steps))


def test_the_check_catches_a_figure_the_projection_did_not_write() -> None:
    async def run() -> None:
        shop, houses = await _opened()
        try:
            await shop.runtime.bus.handle(_command(("adjust", 0, 0, 5), houses))
            assert await check_sku_stock_projection(shop.engine) == {SKUS[0]: 5}
            async with shop.engine.begin() as conn:
                await conn.execute(update(sku_stock).values(available=sku_stock.c.available + 1))
            with pytest.raises(InvariantBroken, match="the catalog shows 6, the books say 5"):
                await check_sku_stock_projection(shop.engine)
        finally:
            await shop.close()

    asyncio.run(run())
