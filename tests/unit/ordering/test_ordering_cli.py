"""The ordering sweeps (ORD-5) as ``shop sweep``, the serve loop and ``shop jobs run`` run them:
an overdue order is cancelled and its stock released by the long-running job runner too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from tests.unit.ordering.checkout_support import CHECKOUT_CONTEXTS, stock, submit
from tests.unit.pricing.quote_support import APRIL_2, Catalog, build_catalog, quote_settings

from shop_adapters.cli.jobs import run_until_stopped
from shop_adapters.cli.ordering import expire_overdue, find
from shop_adapters.shared.system import FixedClock
from shop_testing.harness import MemoryShop, memory_shop


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(quote_settings(), clock=FixedClock(APRIL_2), contexts=CHECKOUT_CONTEXTS)
    yield made
    await made.close()


@pytest.fixture
async def goods(shop: MemoryShop) -> Catalog:
    made = await build_catalog(shop.runtime.bus, shop)
    await stock(shop.runtime.bus, made)
    return made


@pytest.mark.rule("ORD-5")
async def test_the_job_runner_runs_the_sweeps_and_times_orders_out(
    shop: MemoryShop, goods: Catalog
) -> None:
    made = await shop.runtime.bus.handle(submit(goods))
    shop.clock.advance(minutes=31)
    stop = asyncio.Event()
    running = asyncio.create_task(run_until_stopped(shop.runtime, stop, "test", sweep_every=0.01))
    for _ in range(500):
        detail = await find(shop.runtime, made.number)
        assert detail is not None
        if detail.summary.state == "cancelled":
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert detail.summary.state == "cancelled"
    assert detail.cancel_reason == "timeout"
    assert await expire_overdue(shop.runtime) == 0


@pytest.mark.rule("ORD-5")
async def test_expire_cancels_only_what_is_overdue(shop: MemoryShop, goods: Catalog) -> None:
    await shop.runtime.bus.handle(submit(goods))
    assert await expire_overdue(shop.runtime) == 0
    shop.clock.advance(minutes=31)
    assert await expire_overdue(shop.runtime) == 1
    assert await find(shop.runtime, "no-such-number") is None
