"""A quote's SQL sources on every backend (SQLite file, PostgreSQL): the catalog's SKUs and prices
(``SqlPricingCatalog``: listed or not, unknown left out) and the wallet (``SqlWalletSource``:
available, locked and recently expired coupons, not used or voided ones, nobody else's), and the
worked example priced through the runtime's ``QuoteService``."""

from __future__ import annotations

import datetime as dt
import types
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.unit.pricing.quote_support import (
    APRIL_2,
    OTHER_USER,
    USER,
    Catalog,
    backend_settings,
    build_catalog,
    cash_coupon,
    claimed,
    cny,
    direct,
    scheduled,
    shop_threshold,
    threshold_coupon,
)

from shop_adapters.bootstrap import build_container, runtime_of
from shop_adapters.runtime import Runtime
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.pricing.catalog import SqlPricingCatalog
from shop_adapters.sql.pricing.live_tables import first_row_statement
from shop_adapters.sql.pricing.wallet import SqlWalletSource
from shop_app.coupons import commands as cc
from shop_app.pricing.quoting import (
    PricingCatalog,
    QuoteItem,
    QuoteRequest,
    QuoteService,
    WalletSource,
)
from shop_app.shared.messagebus import UnitOfWorkFactory
from shop_domain.pricing.terms import Channel


@pytest.fixture
async def world(backend_url: str, tmp_path: Path) -> AsyncIterator[tuple[Runtime, Catalog]]:
    container = build_container(backend_settings(backend_url, tmp_path), clock=FixedClock(APRIL_2))
    runtime = runtime_of(container)
    engine: AsyncEngine = container.resolve(AsyncEngine)
    async with engine.begin() as conn:  # the feed's row, as migrated (emptied between tests)
        await conn.exec_driver_sql(first_row_statement(engine.dialect.name))
    try:
        shop = types.SimpleNamespace(uow=container.resolve(UnitOfWorkFactory))
        yield runtime, await build_catalog(runtime.bus, shop)
    finally:
        await runtime.close()


async def test_the_catalog_gives_sale_prices_facts_and_whether_a_sku_can_be_bought(
    world: tuple[Runtime, Catalog],
) -> None:
    runtime, goods = world
    catalog = runtime.get(PricingCatalog)
    assert isinstance(catalog, SqlPricingCatalog)
    stranger = uuid.uuid4()
    found = await catalog.lines_of([goods.phone_sku, goods.tablet_sku, stranger], APRIL_2)
    assert set(found) == {goods.phone_sku, goods.tablet_sku}
    phone = found[goods.phone_sku]
    assert (phone.unit_price, phone.listed) == (cny("120"), True)
    assert (phone.item.spu_id, phone.item.shop_id, phone.item.brand_id) == (
        goods.phone,
        phone.item.shop_id,
        goods.brand,
    )
    assert phone.item.category_ids[-1] == goods.phones
    assert len(phone.item.category_ids) == 2
    assert found[goods.tablet_sku].listed is False
    [tablet] = await catalog.lines_of_product(goods.tablet, APRIL_2)
    assert tablet.item.sku_id == goods.tablet_sku
    assert await catalog.lines_of_product(uuid.uuid4(), APRIL_2) == []


@pytest.mark.rule("CPN-6")
async def test_the_wallet_lists_available_locked_and_recently_expired_coupons_of_the_caller(
    world: tuple[Runtime, Catalog],
) -> None:
    runtime, _ = world
    bus = runtime.bus
    available = await claimed(bus, threshold_coupon())
    locked = await claimed(bus, cash_coupon(name="locked"))
    await bus.handle(cc.LockCoupons(order_id=uuid.uuid4(), user_id=USER, coupon_ids=(locked,)))
    voided = await claimed(bus, cash_coupon(name="voided"))
    await bus.handle(cc.VoidCoupon(coupon_id=voided, reason="test", voided_by="op"))
    await claimed(bus, cash_coupon(name="theirs"), user_id=OTHER_USER)
    wallet = runtime.get(WalletSource)
    assert isinstance(wallet, SqlWalletSource)
    now = {c.coupon_id: c.available for c in await wallet.coupons_of(str(USER), APRIL_2)}
    assert now == {available: True, locked: False}
    [mapped] = [c for c in await wallet.coupons_of(str(USER), APRIL_2) if c.coupon_id == available]
    assert mapped.benefit.threshold == cny("100")
    assert mapped.benefit.value == cny("20")
    expired_at = APRIL_2 + dt.timedelta(days=31)  # 30 days' validity from the claim
    later = {c.coupon_id: c.available for c in await wallet.coupons_of(str(USER), expired_at)}
    assert later == {available: False, locked: False}
    long_after = APRIL_2 + dt.timedelta(days=61)
    assert {c.coupon_id for c in await wallet.coupons_of(str(USER), long_after)} == {locked}
    assert await wallet.coupons_of("not-a-user-id", APRIL_2) == []


@pytest.mark.rule("PRO-8")
async def test_the_worked_example_on_this_backend(world: tuple[Runtime, Catalog]) -> None:
    runtime, goods = world
    bus = runtime.bus
    await scheduled(bus, direct(goods.phone_sku))
    await scheduled(bus, shop_threshold())
    coupon = await claimed(bus, threshold_coupon())
    request = QuoteRequest(items=(QuoteItem(goods.phone_sku, 2), QuoteItem(goods.laptop_sku, 1)))
    quote = await runtime.get(QuoteService).quote(request, str(USER), Channel.APP, APRIL_2)
    assert quote.totals.payable == cny("350")
    assert quote.chosen_coupons == (coupon,)
