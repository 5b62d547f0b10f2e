"""A product's goods kind (ORD-3, ORD-8): physical by default, set at creation, changed by an
edit (kept when the edit leaves it out), shown by the catalog's reads; anything else refused."""

from __future__ import annotations

import attrs
import pytest
from tests.unit.catalog.test_catalog_handlers import (
    OTHER_SHOP,
    create_phone,
    fails,
    phones,
    stored_product,
)

from shop_adapters.shared.system import FixedClock
from shop_app.catalog import commands as c
from shop_app.catalog.ports import CatalogQueries, SearchCriteria
from shop_app.shared.messagebus import MessageBus
from shop_domain.catalog import GoodsKind
from shop_testing.harness import MemoryShop


@pytest.mark.rule("ORD-8")
async def test_goods_are_physical_unless_said_otherwise(
    bus: MessageBus, shop: MemoryShop, queries: CatalogQueries, clock: FixedClock
) -> None:
    _, leaf = await phones(bus)
    physical = await bus.handle(create_phone(leaf))
    card = await bus.handle(
        attrs.evolve(create_phone(leaf, shop=OTHER_SHOP), kind=GoodsKind.VIRTUAL)
    )
    assert (await stored_product(shop, physical)).kind is GoodsKind.PHYSICAL
    detail = await queries.product_detail(card, clock.now(), include_unlisted=True)
    assert detail.kind == "virtual"
    edit = c.UpdateProduct(card, "Gift card", "", None, {"model": "X1"})
    await bus.handle(edit)
    assert (await stored_product(shop, card)).kind is GoodsKind.VIRTUAL  # kept
    await bus.handle(attrs.evolve(edit, kind=GoodsKind.CROSS_BORDER))
    changed = await stored_product(shop, card)
    assert changed.kind is GoodsKind.CROSS_BORDER
    found = await queries.search(SearchCriteria(include_unlisted=True), clock.now())
    assert {item.id: item.kind for item in found.items} == {
        physical: "physical",
        card: "cross_border",
    }
    assert await fails(bus, attrs.evolve(edit, kind="parcel")) == "catalog.invalid_text"
    assert (await stored_product(shop, card)).kind is GoodsKind.CROSS_BORDER
