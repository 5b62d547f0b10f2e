"""Contract of ``CatalogQueries`` (CAT-8): a backend answers exactly like the ``memory://``
reference (our SQL on a SQLite database of its own) for the same catalog, seeded through the
real message bus with deterministic ids on both sides; anchors pin the answers themselves."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from shop_app.catalog import commands as c
from shop_app.catalog.queries import SearchCriteria
from shop_app.fulfillment import stock as fs
from shop_app.shared.messagebus import MessageBus
from shop_domain.catalog import ProductNotFound
from shop_domain.shared import Money
from shop_testing.contracts.backend import Backend, SqlBackend
from shop_testing.harness import CountingIds

S1 = uuid.UUID("00000000-0000-7000-8000-000000000001")
S2 = uuid.UUID("00000000-0000-7000-8000-000000000002")
UNKNOWN = uuid.UUID("00000000-0000-7000-8000-00000000dead")
HOUR = dt.timedelta(hours=1)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def new_sku(code: str, price: str, **kw: Any) -> c.NewSku:
    return c.NewSku(code=code, sale_price=Money.of(price, kw.pop("currency", "CNY")), **kw)


async def seed_catalog(backend: Backend) -> dict[str, uuid.UUID]:
    """A small catalog touching every search path; returns ids by name."""
    bus, clock = backend.bus(), backend.clock
    ids: dict[str, uuid.UUID] = {}
    ids["Electronics"] = await bus.handle(c.CreateCategory("Electronics"))
    ids["Phones"] = await bus.handle(c.CreateCategory("Phones", ids["Electronics"]))
    ids["Laptops"] = await bus.handle(c.CreateCategory("Laptops", ids["Electronics"]))
    ids["Home"] = await bus.handle(c.CreateCategory("Home"))
    ids["Kitchen"] = await bus.handle(c.CreateCategory("Kitchen", ids["Home"]))
    await bus.handle(
        c.DefineCategoryAttributes(
            ids["Phones"],
            (
                c.AttributeSpec("model", "Model", "key", allowed_values=("X1", "X2")),
                c.AttributeSpec("colour", "Colour", "sales", allowed_values=("red", "blue")),
                c.AttributeSpec("storage", "Storage", "sales"),
                c.AttributeSpec("interface", "Interface", "other"),
            ),
        )
    )
    await bus.handle(
        c.DefineCategoryAttributes(ids["Laptops"], (c.AttributeSpec("colour", "Colour", "sales"),))
    )
    ids["Digital"] = await bus.handle(
        c.CreateFrontCategory("Digital", sort_order=2, category_ids=(ids["Phones"],))
    )
    ids["Computers"] = await bus.handle(
        c.CreateFrontCategory(
            "Computers", ids["Digital"], visible=False, category_ids=(ids["Laptops"],)
        )
    )
    ids["Everything"] = await bus.handle(
        c.CreateFrontCategory("Everything", sort_order=1, category_ids=(ids["Electronics"],))
    )
    await bus.handle(c.MapFrontCategory(ids["Everything"], (ids["Electronics"], ids["Home"])))
    ids["Empty"] = await bus.handle(c.CreateFrontCategory("Empty", sort_order=1))
    ids["Acme"] = await bus.handle(c.CreateBrand("Acme", "https://example.com/a.png"))
    ids["Zeta_Co"] = await bus.handle(c.CreateBrand("Zeta_Co", None, (ids["Electronics"],)))
    ids["Pure"] = await bus.handle(c.CreateBrand("100% Pure"))
    ids["aardvark"] = await bus.handle(c.CreateBrand("aardvark"))

    def phone(code: str, colour: str, storage: str, price: str, **kw: Any) -> c.NewSku:
        return new_sku(
            code,
            price,
            list_price=cny("999.00"),
            sales_attributes={"colour": colour, "storage": storage},
            **kw,
        )

    async def product(name: str, **kw: Any) -> uuid.UUID:
        clock.advance(minutes=1)
        kw.setdefault("shop_id", S1)
        kw.setdefault("currency", "CNY")
        ids[name] = await bus.handle(c.CreateProduct(name=name, **kw))
        return ids[name]

    await product(
        "Acme Phone X1",
        category_id=ids["Phones"],
        brand_id=ids["Acme"],
        key_attributes={"model": "X1"},
        other_attributes={"interface": "USB-C"},
        sales_attribute_keys=("colour", "storage"),
        skus=(
            phone("P1-A", "red", "128G", "99.00"),
            phone("P1-B", "blue", "256G", "149.00"),
        ),
    )
    await product(
        "Zeta Phone",
        category_id=ids["Phones"],
        brand_id=ids["Zeta_Co"],
        key_attributes={"model": "X2"},
        sales_attribute_keys=("colour", "storage"),
        skus=(
            phone("P2-A", "blue", "128G", "199.00"),
            phone("P2-B", "red", "256G", "249.00", enabled=False),
        ),
    )
    await product(
        "Budget Phone",
        category_id=ids["Phones"],
        key_attributes={"model": "X1"},
        sales_attribute_keys=("colour",),
        skus=(
            new_sku("P3-A", "49.00", list_price=cny("59.00"), sales_attributes={"colour": "red"}),
        ),
    )
    laptop = {"category_id": ids["Laptops"], "sales_attribute_keys": ("colour",)}
    await product(
        "Laptop Pro",
        brand_id=ids["Acme"],
        skus=(
            new_sku(
                "L1", "999.00", list_price=cny("999.00"), sales_attributes={"colour": "silver"}
            ),
        ),
        **laptop,
    )
    await product(
        "Laptop Air 50% off",
        brand_id=ids["Pure"],
        skus=(
            new_sku("L2", "599.00", list_price=cny("699.00"), sales_attributes={"colour": "grey"}),
        ),
        **laptop,
    )
    kitchen = {"category_id": ids["Kitchen"]}
    await product(
        "Kettle_2000",
        brand_id=ids["Pure"],
        currency="USD",
        skus=(new_sku("K1", "25.00", list_price=Money.of("30.00", "USD"), currency="USD"),),
        **kitchen,
    )
    await product(
        "Mixer",
        shop_id=S2,
        skus=(new_sku("M1", "25.00", list_price=cny("25.00")),),
        **kitchen,
    )
    clock.advance(minutes=-1)  # the same created_at as the mixer: ties break by id
    await product("Toaster", skus=(new_sku("T1", "25.00", list_price=cny("25.00")),), **kitchen)
    for name in ("Acme Phone X1", "Zeta Phone", "Laptop Pro", "Kettle_2000", "Mixer", "Toaster"):
        await bus.handle(c.ListProduct(ids[name]))
    for name, quantity in (("Laptop Pro", 5), ("Mixer", 5), ("Kettle_2000", 2), ("Zeta Phone", 9)):
        await bus.handle(c.RecordProductSales(ids[name], quantity))
    await _stock(backend, ids)
    toaster = ids["Toaster"]
    async with backend.uow() as uow:
        toaster_sku = (await uow.products.get(toaster)).skus[0].id
    await bus.handle(c.SetSkuEnabled(toaster, toaster_sku, False))  # unlists: nothing to sell
    now = clock.now()
    await bus.handle(c.ScheduleListing(ids["Laptop Air 50% off"], list_at=now + HOUR))
    await bus.handle(c.ScheduleListing(ids["Kettle_2000"], delist_at=now + 2 * HOUR))
    await bus.handle(
        c.ScheduleListing(ids["Budget Phone"], list_at=now + HOUR, delist_at=now + HOUR / 2)
    )
    return ids


STOCK = {"P1-A": 10, "P1-B": 5, "P2-B": 3, "M1": 4, "T1": 1}
"""Units put on hand by fulfillment, by SKU code; an order then reserves 2 of P1-A."""
ORDER = uuid.UUID("00000000-0000-7000-8000-0000000000aa")


async def _stock(backend: Backend, ids: dict[str, uuid.UUID]) -> None:
    """Stock, held by fulfillment (the catalog shows what is available: ADR 0045)."""
    stock = MessageBus(backend.uow, fs.stock_command_handlers())
    house = await stock.handle(
        fs.CreateWarehouse(code="W1", name="W1", regions=frozenset({"310000"}))
    )
    by_code: dict[str, uuid.UUID] = {}
    async with backend.uow() as uow:
        for name in ("Acme Phone X1", "Zeta Phone", "Mixer", "Toaster"):
            by_code.update((s.code, s.id) for s in (await uow.products.get(ids[name])).skus)
    for code, units in STOCK.items():
        await stock.handle(
            fs.AdjustStock(
                sku_id=by_code[code], warehouse_id=house, change=units, reason="in", actor="op"
            )
        )
    await stock.handle(
        fs.ReserveStock(order_id=ORDER, lines=(fs.StockLine(by_code["P1-A"], house, 2),))
    )


def criteria_table(ids: dict[str, uuid.UUID]) -> list[tuple[str, dict[str, Any]]]:
    every = {"include_unlisted": True}
    return [
        ("everything listed", {}),
        ("unlisted too", every),
        ("keyword", {"keyword": "phone"}),
        ("keyword, every term", {"keyword": "  PHONE   x1 "}),
        ("keyword in brand name", {"keyword": "acme"}),
        ("keyword percent literal", {"keyword": "%"}),
        ("keyword percent literal, unlisted", {"keyword": "50%", **every}),
        ("keyword underscore literal", {"keyword": "_"}),
        ("keyword backslash", {"keyword": "\\"}),
        ("keyword nothing", {"keyword": "zzz"}),
        ("category root subtree", {"category_id": ids["Electronics"]}),
        ("category leaf", {"category_id": ids["Phones"], **every}),
        ("category unknown", {"category_id": UNKNOWN}),
        ("front with hidden child", {"front_category_id": ids["Digital"]}),
        ("front hidden", {"front_category_id": ids["Computers"], **every}),
        ("front several roots", {"front_category_id": ids["Everything"]}),
        ("front unmapped", {"front_category_id": ids["Empty"]}),
        ("front unknown", {"front_category_id": UNKNOWN}),
        (
            "front and category",
            {"front_category_id": ids["Everything"], "category_id": ids["Home"]},
        ),
        ("brand", {"brand_id": ids["Acme"], **every}),
        ("brand unknown", {"brand_id": UNKNOWN}),
        ("shop", {"shop_id": S2}),
        ("sales attribute of an enabled sku", {"attributes": {"colour": "red"}}),
        ("sales attribute of a disabled sku", {"attributes": {"storage": "256G"}}),
        ("key and sales attributes", {"attributes": {"model": "X1", "colour": "blue"}}),
        ("pairs met by different skus", {"attributes": {"colour": "blue", "storage": "256G"}}),
        ("other attribute", {"attributes": {"interface": "USB-C"}}),
        ("attribute no match", {"attributes": {"colour": "green"}}),
        ("min price", {"min_price": cny("100.00")}),
        ("price range between skus", {"min_price": cny("100.00"), "max_price": cny("120.00")}),
        ("price range inclusive", {"min_price": cny("149.00"), "max_price": cny("199.00")}),
        ("max price other currency", {"max_price": Money.of("25.00", "USD")}),
        ("price, disabled sku ignored", {"min_price": cny("240.00"), **every}),
        ("sort price asc", {"sort": "price_asc", **every}),
        ("sort price desc", {"sort": "price_desc", **every}),
        ("sort sales", {"sort": "sales", **every}),
        ("sort newest", {"sort": "newest", **every}),
        ("page 1", {"page_size": 2, "sort": "price_asc"}),
        ("page 2", {"page_size": 2, "page": 2, "sort": "price_asc"}),
        ("last page", {"page_size": 2, "page": 3, "sort": "price_asc"}),
        ("past the end", {"page_size": 2, "page": 9, "sort": "price_asc"}),
        ("exact fit", {"page_size": 5, "page": 1, **every}),
    ]


class CatalogQueriesContract:
    """Subclasses provide ``backend``. ``reference`` is a ``memory://`` :class:`SqlBackend` fed
    the same commands, which the backend must answer exactly as; a subclass whose backend is
    itself our SQL on SQLite overrides ``reference`` to return ``None`` (the backend is its own
    reference, and the anchors pin what the answers are)."""

    pytestmark = [pytest.mark.asyncio]

    @pytest_asyncio.fixture
    async def reference(self) -> AsyncIterator[Backend | None]:
        reference = SqlBackend(ids=CountingIds())
        yield reference
        await reference.close()

    @pytest_asyncio.fixture
    async def seeded(
        self, backend: Backend, reference: Backend | None
    ) -> tuple[Any, Any, dict[str, Any]]:
        backend.ids = CountingIds()
        ids = await seed_catalog(backend)
        if reference is not None:
            assert await seed_catalog(reference) == ids
        return reference or backend, backend, ids

    @staticmethod
    async def compare(
        reference: Backend, backend: Backend, ids: dict[str, uuid.UUID], now: dt.datetime
    ) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for case, arguments in criteria_table(ids):
            criteria = SearchCriteria(**arguments)
            expected = await reference.catalog_queries().search(criteria, now)
            actual = await backend.catalog_queries().search(criteria, now)
            assert actual == expected, case
            found[case] = [item.name for item in actual.items]
        return found

    @pytest.mark.rule("CAT-8")
    async def test_a_search_does_not_wait_for_an_open_unit_of_work(self, seeded: Any) -> None:
        """A read takes no write lock: a search answers while another unit of work is open
        (on SQLite a read that began ``IMMEDIATE`` would queue behind the writer)."""
        reference, backend, ids = seeded
        now = reference.clock.now()
        expected = await backend.catalog_queries().search(SearchCriteria(), now)
        async with backend.uow() as uow:
            await uow.categories.get(ids["Phones"])  # the unit of work has begun
            during = await asyncio.wait_for(
                backend.catalog_queries().search(SearchCriteria(), now), 3
            )
        assert during == expected

    @pytest.mark.rule("CAT-8")
    async def test_search_matches_the_reference(self, seeded: Any) -> None:
        reference, backend, ids = seeded
        found = await self.compare(reference, backend, ids, reference.clock.now())
        # a few anchors: what the answers are, whatever the backend
        assert found["everything listed"] == [
            "Mixer",
            "Kettle_2000",
            "Laptop Pro",
            "Zeta Phone",
            "Acme Phone X1",
        ]
        assert found["keyword percent literal"] == ["Kettle_2000"]
        assert found["keyword underscore literal"] == ["Kettle_2000", "Zeta Phone"]
        assert found["sales attribute of an enabled sku"] == ["Acme Phone X1"]
        assert found["price range between skus"] == []
        assert found["sort price asc"][-1] == "Toaster"
        assert found["past the end"] == []

    @pytest.mark.rule("CAT-7")
    @pytest.mark.rule("CAT-8")
    @pytest.mark.parametrize("later", [HOUR / 4, HOUR / 2, HOUR, 3 * HOUR])
    async def test_scheduled_listing_before_and_after(
        self, seeded: Any, later: dt.timedelta
    ) -> None:
        reference, backend, ids = seeded
        now = reference.clock.now() + later
        found = await self.compare(reference, backend, ids, now)
        listed = set(found["everything listed"])
        assert ("Laptop Air 50% off" in listed) == (later >= HOUR)
        assert ("Kettle_2000" in listed) == (later < 2 * HOUR)
        assert "Budget Phone" in listed if later >= HOUR else "Budget Phone" not in listed

    @pytest.mark.rule("CAT-1")
    @pytest.mark.rule("STK-1")
    async def test_product_detail_matches_the_reference(self, seeded: Any) -> None:
        reference, backend, ids = seeded
        now = reference.clock.now()
        products = [n for n in ids if n[0].isupper() and n not in _NOT_PRODUCTS]
        for name in products:
            for include_unlisted in (False, True):
                try:
                    expected = await reference.catalog_queries().product_detail(
                        ids[name], now, include_unlisted
                    )
                except ProductNotFound:
                    with pytest.raises(ProductNotFound):
                        await backend.catalog_queries().product_detail(
                            ids[name], now, include_unlisted
                        )
                    continue
                actual = await backend.catalog_queries().product_detail(
                    ids[name], now, include_unlisted
                )
                assert actual == expected, name
        detail = await backend.catalog_queries().product_detail(ids["Acme Phone X1"], now)
        assert detail.category_path == ("Electronics", "Phones")
        # fulfillment's available stock: 10 − 2 reserved, and 5; the SPU's is the sum (CAT-1)
        assert [(s.code, s.stock) for s in detail.skus] == [("P1-A", 8), ("P1-B", 5)]
        assert detail.stock == 13
        with pytest.raises(ProductNotFound):
            await backend.catalog_queries().product_detail(ids["Toaster"], now)
        with pytest.raises(ProductNotFound):
            await backend.catalog_queries().product_detail(UNKNOWN, now, include_unlisted=True)

    async def test_trees_and_brands_match_the_reference(self, seeded: Any) -> None:
        reference, backend, _ = seeded
        mine, theirs = backend.catalog_queries(), reference.catalog_queries()
        assert await mine.category_tree() == await theirs.category_tree()
        for include_hidden in (False, True):
            assert await mine.front_category_tree(include_hidden) == (
                await theirs.front_category_tree(include_hidden)
            )
        assert await mine.brands() == await theirs.brands()
        assert [b.name for b in await mine.brands()] == ["100% Pure", "aardvark", "Acme", "Zeta_Co"]


_NOT_PRODUCTS = {
    "Electronics",
    "Phones",
    "Laptops",
    "Home",
    "Kitchen",
    "Digital",
    "Computers",
    "Everything",
    "Empty",
    "Acme",
    "Zeta_Co",
    "Pure",
}
