"""Freight through the runtime (SHP-1): an operator creates, edits and deletes a shop's item
templates and sets its rule (audited, bad terms change nothing); the checkout's quote reads the
templates of all lines in one query and the rules in another, per shop."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.driver import recording
from shop_adapters.sql.fulfillment.freight_tables import freight_templates
from shop_app.fulfillment.freight import (
    CreateFreightTemplate,
    DeleteFreightTemplate,
    EditFreightTemplate,
    FreeTerms,
    FreightQuotes,
    SetShopFreightRule,
    ShopRateTerms,
    ShopShipment,
)
from shop_app.fulfillment.ports import FreightQueries
from shop_domain.fulfillment.freight_quote import Charged, FreightLine
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
SHOP, OTHER_SHOP = uuid.UUID(int=0x5A), uuid.UUID(int=0x5B)
PUDONG = "310115"
pytestmark = pytest.mark.rule("SHP-1")


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(clock=FixedClock(NOW))
    yield made
    await made.close()


def piece(first_fee: int, step_fee: int = 0) -> dict[str, int]:
    return {"first": 1, "first_fee": first_fee, "step": 1, "step_fee": step_fee}


def create(shop_id: uuid.UUID = SHOP, **terms: object) -> CreateFreightTemplate:
    given: dict[str, object] = {
        "name": "parcel",
        "currency": "CNY",
        "charging": "piece",
        "default": piece(800, 200),
        "actor": "op",
    }
    return CreateFreightTemplate(shop_id=shop_id, **(given | terms))  # type: ignore[arg-type]


def line(n: int, amount: int, template: uuid.UUID | None = None, quantity: int = 1) -> FreightLine:
    return FreightLine(uuid.UUID(int=n), quantity, 300, template, Money(amount, "CNY"))


async def test_an_operator_keeps_a_shops_templates_and_rule(shop: MemoryShop) -> None:
    bus = shop.runtime.bus
    made: uuid.UUID = await bus.handle(
        create(free=(FreeTerms("pieces", {"pieces": 5}),), regions={"310000": piece(600)})
    )
    reads = shop.runtime.get(FreightQueries)
    [stored] = await reads.templates(SHOP)
    assert stored.id == made
    assert stored.regions["310000"].first_fee == Money(600, "CNY")
    assert stored.free[0].pieces == 5
    await bus.handle(
        EditFreightTemplate(
            template_id=made,
            shop_id=SHOP,
            name="heavy",
            charging="weight",
            default=piece(1200, 600),
            priority=True,
            actor="op",
        )
    )
    edited = await reads.template(made)
    assert edited is not None
    assert (edited.name, edited.charging, edited.priority, edited.regions) == (
        "heavy",
        "weight",
        True,
        {},
    )
    await bus.handle(
        SetShopFreightRule(
            shop_id=SHOP, currency="CNY", default=ShopRateTerms(1000, 6900), actor="op"
        )
    )
    rule = await reads.rule(SHOP)
    assert rule is not None
    assert rule.default is not None
    assert rule.default.free_from == Money(6900, "CNY")
    await bus.handle(DeleteFreightTemplate(template_id=made, shop_id=SHOP, actor="op"))
    assert await reads.templates(SHOP) == []


async def test_bad_terms_and_another_shops_template_change_nothing(shop: MemoryShop) -> None:
    bus = shop.runtime.bus
    made: uuid.UUID = await bus.handle(create())
    for command, code in (
        (create(charging="volume"), "freight.invalid"),
        (create(default=None), "freight.invalid"),
        (create(regions={"31": piece(1)}), "freight.invalid"),
        (create(free=(FreeTerms("never", {}),)), "freight.invalid"),
        (create(default={"first": 1}), "freight.invalid"),
        (
            DeleteFreightTemplate(template_id=made, shop_id=OTHER_SHOP, actor="op"),
            "freight.template_not_found",
        ),
        (
            SetShopFreightRule(shop_id=SHOP, currency="CNY", default=ShopRateTerms(-1), actor="op"),
            "freight.invalid",
        ),
    ):
        with pytest.raises(DomainError) as refusal:
            await bus.handle(command)
        assert refusal.value.code == code
    async with shop.engine.connect() as conn:
        assert len((await conn.execute(select(freight_templates))).all()) == 1


async def test_the_quote_reads_templates_and_rules_once_for_all_shops(shop: MemoryShop) -> None:
    bus = shop.runtime.bus
    mine: uuid.UUID = await bus.handle(create())
    theirs: uuid.UUID = await bus.handle(create(OTHER_SHOP, default=piece(1500)))
    await bus.handle(
        SetShopFreightRule(
            shop_id=SHOP, currency="CNY", default=ShopRateTerms(1000, 6900), actor="op"
        )
    )
    shipments = [
        ShopShipment(SHOP, (line(1, 3000, mine, 2), line(2, 1000))),
        ShopShipment(OTHER_SHOP, (line(3, 9000, theirs), line(4, 100, mine))),
    ]
    with recording() as statements:
        fees = await shop.runtime.get(FreightQuotes).fees(shipments, PUDONG)
    tables = [s.split("FROM", 1)[1].split()[0] for s in statements]
    assert tables == ["freight_templates", "shop_freight_rules"]  # nothing else, no BEGIN
    # my shop: 8 + 2 for the template's second piece, plus the shop's 10 (40 < 69)
    assert fees[SHOP].fee == Money(2000, "CNY")
    # the other shop: its template 15; my template is not its own — the line pays its rule,
    # and it has none: free
    assert fees[OTHER_SHOP].fee == Money(1500, "CNY")
    assert [c.charged for c in fees[OTHER_SHOP].charges] == [Charged.TEMPLATE, Charged.SHOP_FREE]
