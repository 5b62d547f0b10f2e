"""Search over listed products (CAT-8): every filter, sort, pagination and validation error,
on the read side of a ``memory://`` runtime (the SQL queries; the contract suite runs them on
SQLite files and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import attrs
import pytest

from shop_adapters.shared.system import FixedClock
from shop_app.catalog import commands as c
from shop_app.catalog.ports import CatalogQueries
from shop_app.catalog.queries import SearchCriteria, SearchSort
from shop_app.shared.messagebus import MessageBus
from shop_domain.shared import InvalidValue, Money

SHOP = uuid.UUID("00000000-0000-7000-8000-0000000000aa")
OTHER_SHOP = uuid.UUID("00000000-0000-7000-8000-0000000000bb")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@attrs.define
class Catalog:
    ids: dict[str, uuid.UUID] = attrs.field(factory=dict)

    def __getitem__(self, name: str) -> uuid.UUID:
        return self.ids[name]

    def of(self, *names: str) -> list[uuid.UUID]:
        return [self.ids[n] for n in names]


def new_sku(code: str, price: str, enabled: bool = True, **values: str) -> c.NewSku:
    return c.NewSku(
        code=code,
        sale_price=cny(price),
        list_price=cny(price) + cny("100"),
        sales_attributes=values,
        enabled=enabled,
    )


@pytest.fixture
async def catalog(bus: MessageBus, clock: FixedClock) -> Catalog:
    cat = Catalog()
    ids = cat.ids
    ids["electronics"] = await bus.handle(c.CreateCategory("Electronics"))
    ids["phones"] = await bus.handle(c.CreateCategory("Phones", parent_id=ids["electronics"]))
    ids["audio"] = await bus.handle(c.CreateCategory("Audio", parent_id=ids["electronics"]))
    ids["clothing"] = await bus.handle(c.CreateCategory("Clothing"))
    ids["shirts"] = await bus.handle(c.CreateCategory("Shirts", parent_id=ids["clothing"]))
    await bus.handle(
        c.DefineCategoryAttributes(
            ids["phones"],
            (
                c.AttributeSpec("model", "Model", "key"),
                c.AttributeSpec("colour", "Colour", "sales"),
                c.AttributeSpec("storage", "Storage", "sales"),
            ),
        )
    )
    await bus.handle(
        c.DefineCategoryAttributes(ids["audio"], (c.AttributeSpec("colour", "Colour", "sales"),))
    )
    await bus.handle(
        c.DefineCategoryAttributes(
            ids["shirts"],
            (c.AttributeSpec("size", "Size", "sales"), c.AttributeSpec("material", "M", "other")),
        )
    )
    ids["volt"] = await bus.handle(c.CreateBrand("Volt", category_ids=(ids["electronics"],)))
    ids["acme"] = await bus.handle(c.CreateBrand("Acme"))
    ids["tech"] = await bus.handle(c.CreateFrontCategory("Tech", category_ids=(ids["phones"],)))
    ids["sound"] = await bus.handle(
        c.CreateFrontCategory("Sound", parent_id=ids["tech"], category_ids=(ids["audio"],))
    )
    ids["hidden"] = await bus.handle(
        c.CreateFrontCategory("Wear", visible=False, category_ids=(ids["shirts"],))
    )

    async def product(
        name: str,
        category: str,
        skus: Sequence[c.NewSku],
        *,
        brand: str | None = None,
        listed: bool = True,
        sales: int = 0,
        shop: uuid.UUID = SHOP,
        key: dict[str, str] | None = None,
        other: dict[str, str] | None = None,
    ) -> uuid.UUID:
        clock.advance(minutes=1)
        product_id: uuid.UUID = await bus.handle(
            c.CreateProduct(
                shop_id=shop,
                name=name,
                category_id=ids[category],
                currency="CNY",
                skus=tuple(skus),
                brand_id=ids[brand] if brand else None,
                key_attributes=key or ({"model": "generic"} if category == "phones" else {}),
                other_attributes=other or {},
                sales_attribute_keys=tuple(skus[0].sales_attributes),
            )
        )
        if listed:
            await bus.handle(c.ListProduct(product_id))
        if sales:
            await bus.handle(c.RecordProductSales(product_id, sales))
        return product_id

    ids["p1"] = await product(
        "Volt X1 Phone",
        "phones",
        [
            new_sku("P1-R", "1999", colour="red", storage="128G"),
            new_sku("P1-B", "2499", colour="blue", storage="256G"),
        ],
        brand="volt",
        sales=5,
        key={"model": "X1"},
    )
    ids["p2"] = await product(
        "Budget phone",
        "phones",
        [new_sku("P2-R", "999", colour="red", storage="128G")],
        brand="acme",
        sales=10,
    )
    ids["p3"] = await product(
        "Studio headphones",
        "audio",
        [
            new_sku("P3-K", "599", colour="black"),
            new_sku("P3-W", "1599", enabled=False, colour="white"),
        ],
        brand="volt",
        sales=10,
    )
    ids["p4"] = await product(
        "Linen shirt",
        "shirts",
        [new_sku("P4-M", "199", size="M"), new_sku("P4-L", "199", size="L")],
        brand="acme",
        shop=OTHER_SHOP,
        other={"material": "linen"},
    )
    ids["p5"] = await product(
        "Secret phone",
        "phones",
        [new_sku("P5", "1500", colour="red", storage="128G")],
        listed=False,
    )
    ids["p6"] = await product(
        "Cheap phone", "phones", [new_sku("P6", "999", colour="red", storage="128G")]
    )
    return cat


async def found(queries: CatalogQueries, clock: FixedClock, **criteria: object) -> list[uuid.UUID]:
    page = await queries.search(SearchCriteria(**criteria), clock.now())  # type: ignore[arg-type]
    return [p.id for p in page.items]


def by_id(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    return sorted(ids)


@pytest.mark.rule("CAT-8")
async def test_only_listed_products_newest_first(
    catalog: Catalog, queries: CatalogQueries, clock: FixedClock
) -> None:
    page = await queries.search(SearchCriteria(), clock.now())
    assert [p.id for p in page.items] == catalog.of("p6", "p4", "p3", "p2", "p1")
    assert page.total == 5
    everything = await found(queries, clock, include_unlisted=True)
    assert catalog["p5"] in everything


@pytest.mark.rule("CAT-7")
async def test_unlisted_products_drop_out_of_search(
    catalog: Catalog, bus: MessageBus, queries: CatalogQueries, clock: FixedClock
) -> None:
    await bus.handle(c.UnlistProduct(catalog["p1"]))
    assert catalog["p1"] not in await found(queries, clock)


@pytest.mark.rule("CAT-8")
async def test_keyword(catalog: Catalog, queries: CatalogQueries, clock: FixedClock) -> None:
    # terms are substrings: "phone" is in "headphones" too
    assert set(await found(queries, clock, keyword="PHONE")) == set(
        catalog.of("p1", "p2", "p3", "p6")
    )
    assert await found(queries, clock, keyword=" volt  phone ") == catalog.of("p3", "p1")
    assert await found(queries, clock, keyword="volt x1") == catalog.of("p1")  # brand + name
    assert set(await found(queries, clock, keyword="volt")) == set(catalog.of("p1", "p3"))
    assert await found(queries, clock, keyword="tablet") == []
    assert len(await found(queries, clock, keyword="   ")) == 5


@pytest.mark.rule("CAT-8")
async def test_back_category_includes_its_subtree(
    catalog: Catalog, queries: CatalogQueries, clock: FixedClock
) -> None:
    assert set(await found(queries, clock, category_id=catalog["electronics"])) == set(
        catalog.of("p1", "p2", "p3", "p6")
    )
    assert set(await found(queries, clock, category_id=catalog["phones"])) == set(
        catalog.of("p1", "p2", "p6")
    )
    assert await found(queries, clock, category_id=uuid.uuid4()) == []


@pytest.mark.rule("CAT-3")
async def test_front_category_includes_its_mappings_and_front_descendants(
    catalog: Catalog, queries: CatalogQueries, clock: FixedClock
) -> None:
    assert set(await found(queries, clock, front_category_id=catalog["tech"])) == set(
        catalog.of("p1", "p2", "p3", "p6")
    )
    assert await found(queries, clock, front_category_id=catalog["sound"]) == catalog.of("p3")
    assert await found(queries, clock, front_category_id=catalog["hidden"]) == catalog.of("p4")
    assert await found(queries, clock, front_category_id=uuid.uuid4()) == []
    both = await found(
        queries, clock, front_category_id=catalog["tech"], category_id=catalog["audio"]
    )
    assert both == catalog.of("p3")


@pytest.mark.rule("CAT-8")
async def test_brand_and_shop(catalog: Catalog, queries: CatalogQueries, clock: FixedClock) -> None:
    assert set(await found(queries, clock, brand_id=catalog["volt"])) == set(catalog.of("p1", "p3"))
    assert await found(queries, clock, shop_id=OTHER_SHOP) == catalog.of("p4")
    assert await found(queries, clock, brand_id=uuid.uuid4()) == []


@pytest.mark.rule("CAT-8")
async def test_attribute_values(
    catalog: Catalog, queries: CatalogQueries, clock: FixedClock
) -> None:
    assert await found(queries, clock, attributes={"model": "X1"}) == catalog.of("p1")  # key
    assert await found(queries, clock, attributes={"material": "linen"}) == catalog.of("p4")
    assert await found(queries, clock, attributes={"colour": "blue"}) == catalog.of("p1")  # sales
    assert await found(queries, clock, attributes={"colour": "white"}) == []  # disabled SKU
    assert set(await found(queries, clock, attributes={"colour": "red", "storage": "128G"})) == set(
        catalog.of("p1", "p2", "p6")
    )
    assert await found(queries, clock, attributes={"model": "X1", "colour": "red"}) == catalog.of(
        "p1"
    )


@pytest.mark.rule("CAT-8")
async def test_price_range(catalog: Catalog, queries: CatalogQueries, clock: FixedClock) -> None:
    assert await found(queries, clock, min_price=cny("1000")) == catalog.of("p1")
    assert set(await found(queries, clock, max_price=cny("999"))) == set(
        catalog.of("p2", "p3", "p4", "p6")
    )
    assert await found(queries, clock, min_price=cny("2000"), max_price=cny("2500")) == catalog.of(
        "p1"
    )
    assert set(await found(queries, clock, min_price=cny("999"), max_price=cny("999"))) == set(
        catalog.of("p2", "p6")
    )
    assert await found(queries, clock, min_price=cny("1500"), max_price=cny("1600")) == []
    assert await found(queries, clock, max_price=Money.of("5000", "USD")) == []


@pytest.mark.rule("CAT-8")
async def test_sorting_breaks_ties_by_id(
    catalog: Catalog, queries: CatalogQueries, clock: FixedClock
) -> None:
    p1, p2, p3, p4, p6 = catalog.of("p1", "p2", "p3", "p4", "p6")
    assert await found(queries, clock, sort="price_asc") == [p4, p3, *by_id([p2, p6]), p1]
    assert await found(queries, clock, sort=SearchSort.PRICE_DESC) == [p1, *by_id([p2, p6]), p3, p4]
    assert await found(queries, clock, sort="sales") == [*by_id([p2, p3]), p1, *by_id([p4, p6])]
    assert await found(queries, clock, sort="newest") == [p6, p4, p3, p2, p1]


@pytest.mark.rule("CAT-8")
async def test_pagination(catalog: Catalog, queries: CatalogQueries, clock: FixedClock) -> None:
    pages = [
        await queries.search(SearchCriteria(page=n, page_size=2), clock.now()) for n in (1, 2, 3, 4)
    ]
    assert [[p.id for p in page.items] for page in pages] == [
        catalog.of("p6", "p4"),
        catalog.of("p3", "p2"),
        catalog.of("p1"),
        [],
    ]
    assert {(page.total, page.pages, page.page_size) for page in pages} == {(5, 3, 2)}
    assert pages[1].page == 2


@pytest.mark.rule("CAT-8")
async def test_summary_fields(catalog: Catalog, queries: CatalogQueries, clock: FixedClock) -> None:
    page = await queries.search(SearchCriteria(keyword="volt x1"), clock.now())
    (summary,) = page.items
    assert summary.min_price == cny("1999")
    assert summary.max_price == cny("2499")
    assert summary.list_price == cny("2099")
    assert summary.stock == 0  # fulfillment holds none (stocked: test_catalog_stock.py)
    assert summary.sales_count == 5
    assert summary.brand_name == "Volt"
    assert summary.category_name == "Phones"
    assert summary.listed
    assert summary.shop_id == SHOP
    (headphones,) = (await queries.search(SearchCriteria(keyword="studio"), clock.now())).items
    assert headphones.max_price == cny("599")  # the disabled SKU's price does not count


@pytest.mark.rule("CAT-8")
@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        ({"page": 0}, "catalog.search.invalid_page"),
        ({"page_size": 0}, "catalog.search.invalid_page_size"),
        ({"page_size": 101}, "catalog.search.invalid_page_size"),
        ({"sort": "relevance"}, "catalog.search.invalid_sort"),
        ({"min_price": cny("10"), "max_price": cny("9")}, "catalog.search.invalid_price_range"),
        ({"min_price": cny("-1")}, "catalog.search.invalid_price_range"),
        (
            {"min_price": cny("1"), "max_price": Money.of("2", "USD")},
            "catalog.search.invalid_price_range",
        ),
        ({"attributes": {"colour": 1}}, "catalog.search.invalid_attributes"),
    ],
)
def test_invalid_criteria(criteria: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidValue) as info:
        SearchCriteria(**criteria)  # type: ignore[arg-type]
    assert info.value.code == code
