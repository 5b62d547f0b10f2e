"""The reads a checkout makes outside its unit of work, on every backend (SQLite file,
PostgreSQL): prepared statements sent straight to the driver (``read_records``) give the rows
SQLAlchemy's own execution of the same statements gives — same values, same order, the columns'
type processors applied (JSON decoded, a coupon's terms built, UUIDs, aware datetimes, NULLs) —
and the read sides built on them answer what the data says: the SKU facts an order keeps, the
warehouse that serves an address, an address with or without its postcode, the points that can
be spent, the freight of templates and rules (a rule without a default rate: no delivery outside
its regions), the coupons of a wallet a submission chose."""

from __future__ import annotations

import datetime as dt
import types
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.unit.ordering.checkout_support import stock, submit
from tests.unit.pricing.quote_support import (
    APRIL_2,
    OTHER_SHOP,
    SHOP,
    USER,
    Catalog,
    backend_settings,
    build_catalog,
    cash_coupon,
    claimed,
    cny,
    threshold_coupon,
)

from shop_adapters.bootstrap import build_container, runtime_of
from shop_adapters.runtime import Runtime
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.catalog.sku_facts import SKU_FACTS, buyable_at, sku_params
from shop_adapters.sql.driver import Prepared, recording
from shop_adapters.sql.engine import reader
from shop_adapters.sql.fulfillment.freight import SqlFreightReads
from shop_adapters.sql.fulfillment.freight_mapping import RULES, TEMPLATES
from shop_adapters.sql.loyalty import queries as points_module
from shop_adapters.sql.loyalty.queries import SqlPointsQueries
from shop_adapters.sql.ordering import addresses as address_module
from shop_adapters.sql.ordering import sources as sources_module
from shop_adapters.sql.ordering.addresses import SqlAddressQueries
from shop_adapters.sql.ordering.sources import SqlOrderCatalog, SqlStockSource
from shop_adapters.sql.pricing import catalog as catalog_module
from shop_adapters.sql.pricing import customers as customers_module
from shop_adapters.sql.pricing import wallet as wallet_module
from shop_adapters.sql.pricing.catalog import SqlPricingCatalog
from shop_adapters.sql.pricing.customers import SqlCustomerFacts
from shop_adapters.sql.pricing.wallet import SqlWalletSource
from shop_adapters.sql.reads import read_records
from shop_app.fulfillment.freight import (
    CreateFreightTemplate,
    FreightQuotes,
    SetShopFreightRule,
    ShopRateTerms,
    ShopShipment,
)
from shop_app.loyalty.commands import AdjustPoints
from shop_app.loyalty.queries import PointsQueries
from shop_app.ordering.addresses import AddAddress
from shop_app.ordering.cart_ports import AddressQueries
from shop_app.ordering.submit import SubmittedOrder
from shop_app.pricing.quoting import PricingCatalog, WalletSource
from shop_app.shared.messagebus import UnitOfWorkFactory
from shop_domain.catalog.model import ListingStatus
from shop_domain.coupons.terms import CouponTerms
from shop_domain.fulfillment.errors import NoDelivery
from shop_domain.fulfillment.freight_quote import Charged, FreightLine
from shop_domain.ordering.lines import GoodsKind
from shop_domain.pricing.terms import CustomerFacts
from shop_domain.shared.money import Money


def new_address(detail: str = "88 Caoxi Road", postcode: str | None = None) -> AddAddress:
    return AddAddress(
        user_id=USER,
        recipient="Li Lei",
        phone="138-0013-1234",
        province="310000",
        city="310100",
        district="310104",
        detail=detail,
        postcode=postcode,
    )


@attrs.frozen
class World:
    runtime: Runtime
    engine: AsyncEngine
    goods: Catalog
    house: uuid.UUID


@pytest.fixture
async def world(backend_url: str, tmp_path: Path) -> AsyncIterator[World]:
    container = build_container(backend_settings(backend_url, tmp_path), clock=FixedClock(APRIL_2))
    runtime = runtime_of(container)
    try:
        shop = types.SimpleNamespace(uow=container.resolve(UnitOfWorkFactory))
        goods = await build_catalog(runtime.bus, shop)
        house = await stock(runtime.bus, goods)
        yield World(runtime, container.resolve(AsyncEngine), goods, house)
    finally:
        await runtime.close()


async def same_both_ways(
    engine: AsyncEngine, statement: Prepared, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows ``statement`` gives through the driver, checked equal (values and order) to
    the rows SQLAlchemy's execution of the same statement gives."""
    engine = reader(engine)
    direct = [tuple(row) for row in await read_records(engine, statement, params)]
    async with engine.connect() as conn:
        executed = await conn.execute(statement.statement(engine.dialect.name), dict(params))
        through_sqlalchemy = [tuple(row) for row in executed.all()]
    assert direct == through_sqlalchemy
    return direct


def prepared(module: Any, name: str) -> Prepared:
    found = getattr(module, name)
    assert isinstance(found, Prepared)
    return found


async def _parcel_and_rule(bus: Any) -> uuid.UUID:
    """A per-piece template of SHOP, and OTHER_SHOP's rule that delivers to 310000 only (no
    default rate); the template's id."""
    template: uuid.UUID = await bus.handle(
        CreateFreightTemplate(
            shop_id=SHOP,
            name="parcel",
            currency="CNY",
            charging="piece",
            default={"first": 1, "first_fee": 800, "step": 1, "step_fee": 200},
            actor="op",
        )
    )
    await bus.handle(
        SetShopFreightRule(
            shop_id=OTHER_SHOP,
            currency="CNY",
            default=None,
            regions={"310000": ShopRateTerms(500)},
            actor="op",
        )
    )
    return template


async def test_the_driver_gives_the_rows_sqlalchemy_gives(world: World) -> None:
    bus, goods, engine = world.runtime.bus, world.goods, world.engine
    coupon = await claimed(bus, threshold_coupon())
    other = await claimed(bus, cash_coupon(name="other"))
    home = await bus.handle(new_address())
    await bus.handle(AdjustPoints(user_id=USER, points=300, reason="welcome", actor="op"))
    template = await _parcel_and_rule(bus)
    skus = sorted([goods.phone_sku, goods.case_sku, goods.tablet_sku, uuid.uuid4()])
    since = APRIL_2 - dt.timedelta(days=30)

    facts = await same_both_ways(engine, SKU_FACTS, sku_params(skus))
    assert [row[0] for row in facts] == sorted([goods.phone_sku, goods.case_sku, goods.tablet_sku])
    rows = await read_records(engine, SKU_FACTS, sku_params(skus))
    assert all(isinstance(row.status, ListingStatus) for row in rows)  # the column's type
    buyable = {row.id: buyable_at(row, APRIL_2) for row in rows}  # the tablet is not listed
    assert buyable == {goods.phone_sku: True, goods.case_sku: True, goods.tablet_sku: False}
    [tablet] = await same_both_ways(
        engine, prepared(catalog_module, "_OF_PRODUCT"), {"product_id": goods.tablet}
    )
    assert tablet[0] == goods.tablet_sku
    wallet = await same_both_ways(
        engine, prepared(wallet_module, "_WALLET"), {"user_id": USER, "since": since}
    )
    assert {row[0] for row in wallet} == {coupon, other}
    assert all(isinstance(row[2], CouponTerms) for row in wallet)
    assert all(row[4].tzinfo is not None for row in wallet)
    [chosen] = await same_both_ways(
        engine,
        prepared(wallet_module, "_CHOSEN"),
        {"user_id": USER, "since": since, "ids": [coupon, uuid.uuid4()]},
    )
    assert chosen[0] == coupon
    assert (
        await same_both_ways(
            engine,
            prepared(wallet_module, "_CHOSEN"),
            {"user_id": USER, "since": since, "ids": []},
        )
        == []
    )
    customer = CustomerFacts(new_user=True, member_level=2, groups=frozenset({"vip", "staff"}))
    await SqlCustomerFacts(engine).put("u-1", customer, APRIL_2)
    read = prepared(customers_module, "_READ")
    [stored] = await same_both_ways(engine, read, {"user_id": "u-1"})
    assert (bool(stored[0]), stored[1], sorted(stored[2])) == (True, 2, ["staff", "vip"])
    assert await same_both_ways(engine, read, {"user_id": "nobody"}) == []
    [points] = await same_both_ways(
        engine, prepared(points_module, "_AVAILABLE"), {"user_id": USER, "now": APRIL_2}
    )
    assert int(points[0]) == 300
    levels = await same_both_ways(engine, prepared(sources_module, "_LEVELS"), {"ids": skus})
    assert [(row[0], row[3]) for row in levels] == sorted(
        [(goods.phone_sku, world.house), (goods.case_sku, world.house)]
    )
    [address] = await same_both_ways(
        engine,
        prepared(address_module, "_ONE"),
        {"user_id": USER, "address_id": home},
    )
    assert address[0] == home
    [found_template] = await same_both_ways(engine, TEMPLATES.by_ids, {"ids": [template]})
    assert found_template[0] == template
    [rule] = await same_both_ways(engine, RULES.by_ids, {"ids": sorted([SHOP, OTHER_SHOP])})
    assert rule[0] == OTHER_SHOP


async def test_the_read_sides_answer_what_the_rows_say(world: World) -> None:
    runtime, goods = world.runtime, world.goods
    bus = runtime.bus
    catalog = runtime.get(PricingCatalog)
    assert isinstance(catalog, SqlPricingCatalog)
    [tablet] = await catalog.lines_of_product(goods.tablet, APRIL_2)
    assert (tablet.item.sku_id, tablet.unit_price, tablet.listed) == (
        goods.tablet_sku,
        cny("50"),
        False,
    )

    order_catalog = SqlOrderCatalog(world.engine)
    facts = await order_catalog.facts_of([goods.phone_sku, goods.phone_sku, uuid.uuid4()])
    [phone] = facts.values()
    assert (phone.sku_id, phone.spu_id, phone.shop_id) == (goods.phone_sku, goods.phone, SHOP)
    assert (phone.kind, phone.name, phone.attributes) == (GoodsKind.PHYSICAL, "Product P-1", {})
    assert (phone.weight_g, phone.freight_template_id) == (0, None)  # NULL template

    stocks = SqlStockSource(world.engine)
    needs = {goods.phone_sku: 10, goods.case_sku: 11}  # 10 units of each in stock
    assert await stocks.warehouses_for(needs, "310104") == {goods.phone_sku: world.house}
    assert await stocks.warehouses_for(needs, None) == {goods.phone_sku: world.house}
    assert await stocks.warehouses_for(needs, "110101") == {}  # not a region it serves

    addresses = runtime.get(AddressQueries)
    assert isinstance(addresses, SqlAddressQueries)
    bare: uuid.UUID = await bus.handle(new_address())
    coded: uuid.UUID = await bus.handle(new_address("1 Century Ave", postcode="200030"))
    found_bare = await addresses.address_of(USER, bare)
    found_coded = await addresses.address_of(USER, coded)
    assert found_bare is not None
    assert found_coded is not None
    assert (found_bare.postcode, found_coded.postcode) == (None, "200030")
    assert (found_bare.is_default, found_coded.is_default) == (True, False)
    assert found_bare.created_at.tzinfo is not None
    assert found_bare in await addresses.addresses_of(USER)
    assert await addresses.address_of(uuid.uuid4(), bare) is None

    points = runtime.get(PointsQueries)
    assert isinstance(points, SqlPointsQueries)
    assert await points.available(uuid.uuid4(), APRIL_2) == 0  # no account
    await bus.handle(AdjustPoints(user_id=USER, points=300, reason="welcome", actor="op"))
    assert await points.available(USER, APRIL_2) == 300
    summary = await points.summary(USER, APRIL_2)
    assert summary.available == 300
    long_after = APRIL_2 + dt.timedelta(days=3650)  # its lot's time to spend is over
    assert await points.available(USER, long_after) == 0

    wallet = runtime.get(WalletSource)
    assert isinstance(wallet, SqlWalletSource)
    coupon = await claimed(bus, threshold_coupon())
    await claimed(bus, cash_coupon(name="left out"))
    [chosen] = await wallet.coupons_of(str(USER), APRIL_2, only=frozenset({coupon}))
    assert (chosen.coupon_id, chosen.available) == (coupon, True)
    assert (chosen.benefit.threshold, chosen.benefit.value) == (cny("100"), cny("20"))
    assert await wallet.coupons_of(str(USER), APRIL_2, only=frozenset()) == []


async def test_freight_reads_templates_and_a_rule_without_a_default_rate(world: World) -> None:
    runtime = world.runtime
    bus = runtime.bus
    template = await _parcel_and_rule(bus)
    freight = runtime.get(FreightQuotes)
    assert isinstance(freight, SqlFreightReads)
    rule = await freight.rule(OTHER_SHOP)
    assert rule is not None
    assert rule.default is None

    def line(n: int, template_id: uuid.UUID | None, quantity: int = 1) -> FreightLine:
        return FreightLine(uuid.UUID(int=n), quantity, 300, template_id, Money(1000, "CNY"))

    shipments = [
        ShopShipment(SHOP, (line(1, template, 2),)),
        ShopShipment(OTHER_SHOP, (line(2, None),)),
    ]
    fees = await freight.fees(shipments, "310104")
    assert fees[SHOP].fee == Money(1000, "CNY")  # 8 for the first piece, 2 for the second
    assert [c.charged for c in fees[SHOP].charges] == [Charged.TEMPLATE]
    assert fees[OTHER_SHOP].fee == Money(500, "CNY")  # the rule's Shanghai rate
    with pytest.raises(NoDelivery):  # no default rate: nowhere but Shanghai
        await freight.fees(shipments[1:], "110101")


async def test_a_submission_reads_its_skus_once_where_its_pricing_has_a_read_scope(
    world: World,
) -> None:
    """Pricing and ordering read the same SKU facts with the same parameters: on PostgreSQL,
    where a submission's pricing reads in one scope (decision 0047), the second read is answered
    from the first (decision 0048); SQLite has no scope and reads twice."""
    bus = world.runtime.bus
    home = await bus.handle(new_address())
    with recording() as sent:
        made = await bus.handle(submit(world.goods, address_id=home))
    assert isinstance(made, SubmittedOrder)
    reads_of_skus = [sql for sql in sent if sql.startswith("SELECT skus.id")]
    postgres = world.engine.dialect.name == "postgresql"
    assert len(reads_of_skus) == (1 if postgres else 2)
