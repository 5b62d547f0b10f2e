"""Catalog commands through the message bus over a ``memory://`` runtime (CAT-1..7)."""

from __future__ import annotations

import uuid

import attrs
import pytest

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.catalog.tables import products
from shop_app.catalog import commands as c
from shop_app.catalog.ports import CatalogQueries
from shop_app.shared.messagebus import MessageBus
from shop_domain.catalog import CatalogPolicy, Product
from shop_domain.shared import DomainError, Money
from shop_testing.harness import MemoryShop

SHOP = uuid.UUID("00000000-0000-7000-8000-0000000000aa")
OTHER_SHOP = uuid.UUID("00000000-0000-7000-8000-0000000000bb")

PHONE_ATTRIBUTES = (
    c.AttributeSpec("model", "Model", "key", allowed_values=("X1", "X2")),
    c.AttributeSpec("colour", "Colour", "sales", allowed_values=("red", "blue")),
    c.AttributeSpec("storage", "Storage", "sales"),
    c.AttributeSpec("interface", "Interface", "other"),
)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def sku(code: str, colour: str = "red", storage: str = "128G", price: str = "99") -> c.NewSku:
    return c.NewSku(
        code=code,
        sale_price=cny(price),
        list_price=cny(price),
        sales_attributes={"colour": colour, "storage": storage},
        weight_g=200,
        length_mm=10,
        width_mm=20,
        height_mm=30,
    )


async def types(shop: MemoryShop) -> list[str]:
    return [m.type for m in await shop.unsent()]


async def stored_product(shop: MemoryShop, product_id: uuid.UUID) -> Product:
    async with shop.uow() as uow:
        product: Product = await uow.products.get(product_id)
    return product


async def fails(bus: MessageBus, command: object) -> str:
    with pytest.raises(DomainError) as info:
        await bus.handle(command)
    return info.value.code


async def phones(bus: MessageBus) -> tuple[uuid.UUID, uuid.UUID]:
    root = await bus.handle(c.CreateCategory("Electronics"))
    leaf = await bus.handle(c.CreateCategory("Phones", parent_id=root))
    await bus.handle(c.DefineCategoryAttributes(leaf, PHONE_ATTRIBUTES))
    return root, leaf


def create_phone(leaf: uuid.UUID, *skus: c.NewSku, shop: uuid.UUID = SHOP) -> c.CreateProduct:
    return c.CreateProduct(
        shop_id=shop,
        name="X1 phone",
        category_id=leaf,
        currency="CNY",
        skus=skus or (sku("A-1"), sku("A-2", "blue")),
        key_attributes={"model": "X1"},
        sales_attribute_keys=("colour", "storage"),
    )


# --- categories -------------------------------------------------------------------------------


@pytest.mark.rule("CAT-2")
async def test_categories_form_a_tree_with_a_depth_limit(
    bus: MessageBus, shop: MemoryShop, queries: CatalogQueries
) -> None:
    root = await bus.handle(c.CreateCategory("Home"))
    child = await bus.handle(c.CreateCategory("Kitchen", parent_id=root))
    leaf = await bus.handle(c.CreateCategory("Knives", parent_id=child))
    outbox = await types(shop)
    assert await fails(bus, c.CreateCategory("Chef knives", parent_id=leaf)) == (
        "catalog.category_too_deep"
    )
    assert await types(shop) == outbox == ["catalog.category_created"] * 3
    (tree,) = await queries.category_tree()
    assert tree.id == root
    assert tree.children[0].children[0].id == leaf
    assert tree.children[0].children[0].is_leaf
    assert await fails(bus, c.CreateCategory("X", parent_id=uuid.uuid4())) == (
        "catalog.category_not_found"
    )


@pytest.mark.rule("CAT-2")
@pytest.mark.parametrize("policy", [CatalogPolicy(max_category_depth=4)])
async def test_a_deeper_tree_when_configured(bus: MessageBus) -> None:
    parent = None
    for level in range(4):
        parent = await bus.handle(c.CreateCategory(f"L{level}", parent_id=parent))
    assert await fails(bus, c.CreateCategory("L5", parent_id=parent)) == "catalog.category_too_deep"


@pytest.mark.rule("CAT-2")
async def test_sibling_names_are_unique_and_categories_are_renamed(
    bus: MessageBus, queries: CatalogQueries
) -> None:
    root = await bus.handle(c.CreateCategory("Home"))
    await bus.handle(c.CreateCategory("Kitchen", parent_id=root))
    bath = await bus.handle(c.CreateCategory("Bath", parent_id=root))
    assert await fails(bus, c.CreateCategory(" KITCHEN ", parent_id=root)) == (
        "catalog.category_name_taken"
    )
    await bus.handle(c.CreateCategory("Kitchen"))  # another parent (root level): fine
    assert await fails(bus, c.RenameCategory(bath, "kitchen")) == "catalog.category_name_taken"
    await bus.handle(c.RenameCategory(bath, "Bathroom"))
    home = next(n for n in await queries.category_tree() if n.id == root)
    assert [n.name for n in home.children] == ["Bathroom", "Kitchen"]


@pytest.mark.rule("CAT-2")
async def test_a_category_holding_products_gets_no_children(
    bus: MessageBus, shop: MemoryShop
) -> None:
    _, leaf = await phones(bus)
    await bus.handle(create_phone(leaf))
    before = await types(shop)
    assert await fails(bus, c.CreateCategory("Sub", parent_id=leaf)) == (
        "catalog.category_has_products"
    )
    assert await types(shop) == before


@pytest.mark.rule("CAT-4")
async def test_attributes_are_defined_on_leaves_only(bus: MessageBus) -> None:
    root, leaf = await phones(bus)
    assert await fails(bus, c.DefineCategoryAttributes(root, PHONE_ATTRIBUTES)) == (
        "catalog.category_not_leaf"
    )
    assert await fails(bus, c.CreateCategory("Sub", parent_id=leaf)) == (
        "catalog.category_has_attributes"
    )
    await bus.handle(create_phone(leaf))
    assert await fails(bus, c.DefineCategoryAttributes(leaf, PHONE_ATTRIBUTES[1:])) == (
        "catalog.attribute_change_breaks_products"
    )
    extended = (*PHONE_ATTRIBUTES, c.AttributeSpec("nfc", "NFC", "other"))
    await bus.handle(c.DefineCategoryAttributes(leaf, extended))


# --- front categories and brands --------------------------------------------------------------


@pytest.mark.rule("CAT-3")
async def test_front_categories_are_created_mapped_hidden_and_deleted(
    bus: MessageBus, shop: MemoryShop, queries: CatalogQueries
) -> None:
    root, leaf = await phones(bus)
    product_id = await bus.handle(create_phone(leaf))
    await bus.handle(c.ListProduct(product_id))
    deals = await bus.handle(c.CreateFrontCategory("Deals", sort_order=2))
    mobile = await bus.handle(c.CreateFrontCategory("Mobile", sort_order=1, category_ids=(leaf,)))
    sub = await bus.handle(c.CreateFrontCategory("Sub", parent_id=deals))
    assert await fails(bus, c.CreateFrontCategory("X", parent_id=uuid.uuid4())) == (
        "catalog.front_category_not_found"
    )
    assert await fails(bus, c.MapFrontCategory(deals, (uuid.uuid4(),))) == (
        "catalog.category_not_found"
    )
    await bus.handle(c.MapFrontCategory(sub, (root,)))
    await bus.handle(c.UpdateFrontCategory(deals, visible=False))
    assert [n.id for n in await queries.front_category_tree()] == [mobile]
    full = await queries.front_category_tree(include_hidden=True)
    assert [n.id for n in full] == [mobile, deals]
    assert [n.id for n in full[1].children] == [sub]

    assert await fails(bus, c.DeleteFrontCategory(deals)) == "catalog.front_category_has_children"
    product_before = (await stored_product(shop, product_id)).version
    await bus.handle(c.DeleteFrontCategory(sub))
    await bus.handle(c.DeleteFrontCategory(deals))
    assert [n.id for n in await queries.front_category_tree(include_hidden=True)] == [mobile]
    assert (await types(shop)).count("catalog.front_category_deleted") == 2
    assert (await stored_product(shop, product_id)).version == product_before  # products untouched
    assert await fails(bus, c.DeleteFrontCategory(deals)) == "catalog.front_category_not_found"


@pytest.mark.rule("CAT-5")
async def test_brands_are_unique_and_restricted_to_categories(
    bus: MessageBus, queries: CatalogQueries
) -> None:
    root, leaf = await phones(bus)
    clothing = await bus.handle(c.CreateCategory("Clothing"))
    volt = await bus.handle(c.CreateBrand("Volt", category_ids=(root,)))
    tex = await bus.handle(c.CreateBrand("Tex", category_ids=(clothing,)))
    assert await fails(bus, c.CreateBrand(" volt ")) == "catalog.brand_name_taken"
    assert await fails(bus, c.UpdateBrand(tex, "VOLT")) == "catalog.brand_name_taken"
    assert await fails(bus, c.CreateBrand("Y", category_ids=(uuid.uuid4(),))) == (
        "catalog.category_not_found"
    )
    with_tex = attrs.evolve(create_phone(leaf), brand_id=tex)
    assert await fails(bus, with_tex) == "catalog.brand_not_allowed_in_category"
    with_volt = attrs.evolve(create_phone(leaf), brand_id=volt)
    assert await bus.handle(with_volt)
    await bus.handle(c.UpdateBrand(tex, "Tex", logo_url="https://cdn.example/tex.png"))
    assert [b.name for b in await queries.brands()] == ["Tex", "Volt"]
    assert (await queries.brands())[0].category_ids == ()


# --- products ---------------------------------------------------------------------------------


@pytest.mark.rule("CAT-1")
async def test_a_product_is_created_with_its_skus(
    bus: MessageBus, shop: MemoryShop, queries: CatalogQueries, clock: FixedClock
) -> None:
    _, leaf = await phones(bus)
    before = len(await shop.unsent())
    product_id = await bus.handle(create_phone(leaf))
    assert (await types(shop))[before:] == [
        "catalog.product_created",
        "catalog.sku_added",
        "catalog.sku_added",
    ]
    assert (await shop.unsent())[-1].aggregate_type == "catalog.product"
    assert (await shop.unsent())[-1].aggregate_id == str(product_id)
    detail = await queries.product_detail(product_id, clock.now(), include_unlisted=True)
    assert detail.stock == 0  # stock is fulfillment's: none is held for the new SKUs yet
    assert detail.category_path == ("Electronics", "Phones")
    assert [s.code for s in detail.skus] == ["A-1", "A-2"]
    assert (detail.skus[0].length_mm, detail.skus[0].width_mm) == (10, 20)
    assert detail.status == "unlisted"
    assert detail.version == 1


@pytest.mark.rule("CAT-2")
async def test_a_product_hangs_on_a_leaf_and_a_failing_command_writes_nothing(
    bus: MessageBus, shop: MemoryShop
) -> None:
    root, leaf = await phones(bus)
    before = await shop.unsent()
    assert await fails(bus, create_phone(root)) == "catalog.category_not_leaf"
    assert await fails(bus, create_phone(uuid.uuid4())) == "catalog.category_not_found"
    bad_combination = create_phone(leaf, sku("A-1"), sku("A-2"))
    assert await fails(bus, bad_combination) == "catalog.sku_combination_taken"
    assert (await shop.unsent()) == before
    assert await shop.count(products) == 0


@pytest.mark.rule("CAT-6")
async def test_sku_codes_are_unique_within_a_shop(bus: MessageBus, shop: MemoryShop) -> None:
    _, leaf = await phones(bus)
    product_id = await bus.handle(create_phone(leaf))
    assert await fails(bus, create_phone(leaf, sku("A-1"))) == "catalog.sku_code_taken"
    await bus.handle(create_phone(leaf, sku("A-1"), shop=OTHER_SHOP))  # another shop: fine
    other = await bus.handle(create_phone(leaf, sku("B-1")))
    assert await fails(bus, c.AddSku(other, sku("A-2", "blue"))) == "catalog.sku_code_taken"
    sku_id = await bus.handle(c.AddSku(product_id, sku("A-3", "red", "256G")))
    stored = await stored_product(shop, product_id)
    assert isinstance(stored, Product)
    assert stored.sku(sku_id).code == "A-3"


@pytest.mark.rule("CAT-6")
async def test_prices_and_enabling_through_commands(
    bus: MessageBus, shop: MemoryShop, queries: CatalogQueries, clock: FixedClock
) -> None:
    _, leaf = await phones(bus)
    product_id = await bus.handle(create_phone(leaf))
    detail = await queries.product_detail(product_id, clock.now(), include_unlisted=True)
    first, second = (s.id for s in detail.skus)
    before = len(await shop.unsent())
    await bus.handle(c.ChangeSkuPrice(product_id, first, cny("79"), cny("99")))
    await bus.handle(c.SetSkuEnabled(product_id, second, False))
    await bus.handle(c.RecordProductSales(product_id, 2))
    await bus.handle(
        c.UpdateProduct(
            product_id, "X1 phone (2026)", "New.", None, {"model": "X1"}, {"interface": "USB-C"}
        )
    )
    assert (await types(shop))[before:] == [
        "catalog.sku_price_changed",
        "catalog.sku_disabled",
        "catalog.product_updated",  # recorded sales are internal: no integration event
    ]
    price_changed = (await shop.unsent())[before].payload
    assert price_changed["previous_sale_price"] == {"minor": 9900, "currency": "CNY"}
    assert price_changed["sale_price"] == {"minor": 7900, "currency": "CNY"}
    detail = await queries.product_detail(product_id, clock.now(), include_unlisted=True)
    assert detail.min_price == cny("79")
    assert detail.sales_count == 2
    assert detail.other_attributes == {"interface": "USB-C"}
    assert await fails(bus, c.ChangeSkuPrice(uuid.uuid4(), first, cny("1"), cny("1"))) == (
        "catalog.product_not_found"
    )
    assert await fails(bus, c.ChangeSkuPrice(product_id, uuid.uuid4(), cny("1"), cny("1"))) == (
        "catalog.sku_not_found"
    )


@pytest.mark.rule("CAT-7")
async def test_listing_and_unlisting_through_commands(
    bus: MessageBus, shop: MemoryShop, queries: CatalogQueries, clock: FixedClock
) -> None:
    _, leaf = await phones(bus)
    product_id = await bus.handle(create_phone(leaf, sku("A-1", "red"), sku("A-2", "blue")))
    with pytest.raises(DomainError) as hidden:
        await queries.product_detail(product_id, clock.now())
    assert hidden.value.code == "catalog.product_not_found"
    await bus.handle(c.ListProduct(product_id))
    assert (await queries.product_detail(product_id, clock.now())).listed
    detail = await queries.product_detail(product_id, clock.now())
    for s in detail.skus:
        await bus.handle(c.SetSkuEnabled(product_id, s.id, False))
    assert (await types(shop))[-1] == "catalog.product_unlisted"
    assert await fails(bus, c.ListProduct(product_id)) == "catalog.no_enabled_sku"
    await bus.handle(c.SetSkuEnabled(product_id, detail.skus[0].id, True))
    await bus.handle(c.ListProduct(product_id))
    await bus.handle(c.UnlistProduct(product_id))
    assert (await types(shop))[-2:] == ["catalog.product_listed", "catalog.product_unlisted"]


@pytest.mark.rule("CAT-7")
async def test_scheduled_listing_and_the_sweep(
    bus: MessageBus, shop: MemoryShop, queries: CatalogQueries, clock: FixedClock
) -> None:
    import datetime as dt

    from shop_app.catalog.queries import SearchCriteria

    _, leaf = await phones(bus)
    now = clock.now()
    soon = await bus.handle(create_phone(leaf, sku("S-1")))
    later = await bus.handle(create_phone(leaf, sku("L-1")))
    await bus.handle(c.ScheduleListing(soon, list_at=now + dt.timedelta(hours=1)))
    await bus.handle(
        c.ScheduleListing(
            later,
            list_at=now + dt.timedelta(hours=2),
            delist_at=now + dt.timedelta(hours=5),
        )
    )
    assert await fails(bus, c.ScheduleListing(soon, list_at=now)) == "catalog.invalid_schedule"
    assert await bus.handle(c.ApplyListingSchedules()) == 0
    clock.advance(hours=3)
    page = await queries.search(SearchCriteria(), clock.now())  # effective before the sweep
    assert {p.id for p in page.items} == {soon, later}
    before = len(await shop.unsent())
    assert await bus.handle(c.ApplyListingSchedules()) == 2
    assert (await types(shop))[before:] == ["catalog.product_listed", "catalog.product_listed"]
    assert await bus.handle(c.ApplyListingSchedules()) == 0
    clock.advance(hours=3)
    page = await queries.search(SearchCriteria(), clock.now())
    assert [p.id for p in page.items] == [soon]
    assert await bus.handle(c.ApplyListingSchedules(limit=1)) == 1
    assert (await types(shop))[-1] == "catalog.product_unlisted"
    assert await fails(bus, c.ApplyListingSchedules(limit=0)) == "catalog.invalid_limit"


async def test_every_command_has_a_handler(bus: MessageBus) -> None:
    commands = [
        value
        for value in vars(c).values()
        if isinstance(value, type)
        and value.__module__ == c.__name__
        and value not in {c.AttributeSpec, c.NewSku}
    ]
    assert all(bus.handles(command) for command in commands)
    assert len(commands) == 19  # SetSkuStock went: stock is fulfillment's (ADR 0045)
