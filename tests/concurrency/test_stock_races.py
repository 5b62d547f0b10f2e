"""Stock under real concurrency on PostgreSQL (STK-1): 300 orders across six processes reach
for the last 50 units of a SKU — exactly 50 hold one, the rest are refused and hold nothing;
orders of two SKUs named in either order never deadlock, and the books stay exact, read back
with plain SQL — and so does the catalog's view of them (``sku_stock``, ADR 0045), written in
each order's transaction: it equals on hand − reserved whatever the race."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from tests.concurrency.conftest import Cluster, Processes, jittered, race, refusal_codes

from shop_adapters.sql.fulfillment.tables import stock_items, stock_reservations
from shop_app.fulfillment.stock import (
    AdjustStock,
    CreateWarehouse,
    ReleaseStock,
    ReserveStock,
    StockLine,
    stock_command_handlers,
)
from shop_app.shared.messagebus import MessageBus
from shop_testing.invariants.stock import check_sku_stock_projection

pytestmark = [pytest.mark.postgres, pytest.mark.rule("STK-1"), pytest.mark.rule("CAT-1")]
MUG, TEE = uuid.UUID(int=0x5C01), uuid.UUID(int=0x5C02)


@pytest.fixture
async def processes(cluster: Cluster) -> AsyncIterator[Processes]:
    handlers = stock_command_handlers()
    made = Processes(cluster, lambda _engine, uow: MessageBus(uow, handlers))
    yield made
    await made.close()


async def stocked(processes: Processes, units: dict[uuid.UUID, int]) -> uuid.UUID:
    bus = processes.bus(0)
    house: uuid.UUID = await bus.handle(
        CreateWarehouse(code="SH-1", name="Shanghai", regions=frozenset({"310000"}))
    )
    for sku, count in units.items():
        await bus.handle(
            AdjustStock(sku_id=sku, warehouse_id=house, change=count, reason="in", actor="op")
        )
    return house


async def books(cluster: Cluster) -> dict[uuid.UUID, tuple[int, int, int]]:
    """Per SKU: on hand, reserved, and what the held reservations hold."""
    async with cluster.reader.connect() as conn:
        held = (
            select(func.coalesce(func.sum(stock_reservations.c.quantity), 0))
            .where(
                stock_reservations.c.stock_id == stock_items.c.id,
                stock_reservations.c.state == "held",
            )
            .scalar_subquery()
        )
        rows = (
            await conn.execute(
                select(stock_items.c.sku_id, stock_items.c.on_hand, stock_items.c.reserved, held)
            )
        ).all()
    return {sku: (on_hand, reserved, int(holding)) for sku, on_hand, reserved, holding in rows}


async def test_three_hundred_orders_for_the_last_fifty_units_get_exactly_fifty(
    cluster: Cluster, processes: Processes
) -> None:
    house = await stocked(processes, {MUG: 50})
    assert await check_sku_stock_projection(cluster.reader) == {MUG: 50}
    rng = random.Random("stock")
    attempts = [
        processes.bus(i).handle(
            ReserveStock(order_id=uuid.uuid4(), lines=(StockLine(MUG, house, 1),))
        )
        for i in range(300)
    ]
    async with cluster.lock_waits() as waits:
        results = await race(jittered(attempt, rng) for attempt in attempts)
    assert waits.most >= 3  # the stock row's lock decided, in PostgreSQL
    assert refusal_codes(results) == ["stock.insufficient"] * 250
    assert await books(cluster) == {MUG: (50, 50, 50)}
    assert await check_sku_stock_projection(cluster.reader) == {MUG: 0}  # the catalog agrees


async def test_orders_naming_two_skus_in_either_order_never_deadlock(
    cluster: Cluster, processes: Processes
) -> None:
    house = await stocked(processes, {MUG: 100, TEE: 100})
    rng = random.Random("two skus")
    orders = [uuid.uuid4() for _ in range(120)]
    attempts = []
    for n, order in enumerate(orders):
        lines = (StockLine(MUG, house, 1), StockLine(TEE, house, 1))
        attempts.append(
            processes.bus(n).handle(
                ReserveStock(order_id=order, lines=lines if n % 2 else lines[::-1])
            )
        )
    results = await race(jittered(attempt, rng) for attempt in attempts)
    assert refusal_codes(results) == ["stock.insufficient"] * 20
    assert await books(cluster) == {MUG: (100, 100, 100), TEE: (100, 100, 100)}
    assert await check_sku_stock_projection(cluster.reader) == {MUG: 0, TEE: 0}
    releases = [
        processes.bus(n).handle(
            ReleaseStock(order_id=order, lines=(StockLine(TEE, house), StockLine(MUG, house)))
        )
        for n, order in enumerate(orders)
    ]
    released = await race(jittered(attempt, rng) for attempt in releases)
    assert refusal_codes(released) == []
    assert sum(released) == 200
    assert await books(cluster) == {MUG: (100, 0, 0), TEE: (100, 0, 0)}
    assert await check_sku_stock_projection(cluster.reader) == {MUG: 100, TEE: 100}
