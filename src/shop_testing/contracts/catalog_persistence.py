"""Contract of the catalog's unit of work and repositories, run against every backend."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import attrs
import pytest
from shop_testing.contracts.backend import T0, Backend

from shop_app.shared.errors import IdempotencyKeyInUse
from shop_app.shared.ports import StoredOutcome
from shop_domain.catalog import (
    AttributeDefinition,
    Brand,
    BrandNotFound,
    CatalogPolicy,
    Category,
    CategoryNotFound,
    Dimensions,
    FrontCategory,
    FrontCategoryNotFound,
    Product,
    ProductNotFound,
    SkuDraft,
)
from shop_domain.shared import ConcurrencyConflict, Money

SHOP = uuid.UUID("00000000-0000-7000-8000-000000000001")
OTHER_SHOP = uuid.UUID("00000000-0000-7000-8000-000000000002")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def state(obj: Any) -> dict[str, Any]:
    """Every attrs field, recursively, as plain data (children and value objects included)."""
    return attrs.asdict(obj, recurse=True, value_serializer=lambda _i, _a, v: _plain(v))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def make_tree(backend: Backend) -> tuple[Category, Category]:
    ids = backend.ids
    root = Category.create(
        id=ids.new_id(), name="Electronics", parent=None, policy=CatalogPolicy(), now=T0
    )
    leaf = Category.create(
        id=ids.new_id(), name="Phones", parent=root, policy=CatalogPolicy(), now=T0
    )
    leaf.define_attributes(
        [
            AttributeDefinition.build(
                key="model", name="Model", kind="key", allowed_values=["X1", "X2"]
            ),
            AttributeDefinition.build(
                key="colour", name="Colour", kind="sales", allowed_values=["red", "blue"]
            ),
            AttributeDefinition.build(key="interface", name="Interface", kind="other"),
        ],
        in_use=False,
        now=T0,
    )
    return root, leaf


def sku(
    backend: Backend, code: str, colour: str, sale: str, *, stock: int = 5, enabled: bool = True
) -> SkuDraft:
    return SkuDraft(
        id=backend.ids.new_id(),
        code=code,
        sales_attributes={"colour": colour},
        sale_price=cny(sale),
        list_price=cny("199.00"),
        barcode="6901234567892",
        weight_g=180,
        dimensions=Dimensions(150, 75, 8),
        freight_template_id=uuid.UUID("00000000-0000-7000-8000-0000000000f1"),
        stock=stock,
        enabled=enabled,
    )


def make_product(
    backend: Backend, leaf: Category, *, codes: tuple[str, str] = ("SKU-1", "SKU-2")
) -> Product:
    return Product.create(
        id=backend.ids.new_id(),
        shop_id=SHOP,
        name="X1 Phone",
        description="A phone.",
        category=leaf,
        brand=None,
        currency="CNY",
        key_attributes={"model": "X1"},
        other_attributes={"interface": "USB-C"},
        sales_attribute_keys=["colour"],
        skus=[
            sku(backend, codes[0], "red", "99.00", stock=10),
            sku(backend, codes[1], "blue", "149.50", enabled=False),
        ],
        now=T0,
    )


async def seed(backend: Backend) -> tuple[Category, Category, Product]:
    root, leaf = make_tree(backend)
    product = make_product(backend, leaf)
    async with backend.uow() as uow:
        uow.categories.add(root)
        uow.categories.add(leaf)
        uow.products.add(product)
        await uow.commit()
    return root, leaf, product


class CatalogPersistenceContract:
    """Subclasses provide the ``backend`` fixture."""

    # --- round trips ----------------------------------------------------------------------
    async def test_category_round_trip_with_attributes(self, backend: Backend) -> None:
        root, leaf, _ = await seed(backend)
        async with backend.uow() as uow:
            loaded_leaf = await uow.categories.get(leaf.id)
            loaded_root = await uow.categories.get(root.id)
            assert state(loaded_leaf) == state(leaf)
            assert state(loaded_root) == state(root)
            assert [d.key for d in loaded_leaf.attributes] == ["model", "colour", "interface"]
            assert loaded_leaf.version == 1

    @pytest.mark.rule("CAT-1")
    @pytest.mark.rule("CAT-6")
    async def test_product_round_trip_with_skus_and_money(self, backend: Backend) -> None:
        _, _, product = await seed(backend)
        async with backend.uow() as uow:
            loaded = await uow.products.get(product.id)
            assert state(loaded) == state(product)
            assert loaded.skus[1].sale_price == Money(14950, "CNY")
            assert loaded.skus[0].dimensions == Dimensions(150, 75, 8)
            assert loaded.total_stock == 15
            assert loaded.version == 1

    async def test_product_schedule_and_status_round_trip(self, backend: Backend) -> None:
        _, _, product = await seed(backend)
        async with backend.uow() as uow:
            p = await uow.products.get(product.id)
            p.list_for_sale(T0)
            p.schedule_listing(
                list_at=None, delist_at=T0 + dt.timedelta(hours=1, microseconds=5), now=T0
            )
            p.record_sales(3, T0)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.products.get(product.id)
            assert state(loaded) == state(p)
            assert loaded.delist_at == T0 + dt.timedelta(hours=1, microseconds=5)
            assert loaded.version == 2

    @pytest.mark.rule("CAT-3")
    async def test_front_category_round_trip(self, backend: Backend) -> None:
        root, leaf, _ = await seed(backend)
        front = FrontCategory.create(
            id=backend.ids.new_id(),
            name="Digital",
            parent_id=None,
            sort_order=3,
            visible=False,
            category_ids=[leaf.id, root.id],
            now=T0,
        )
        async with backend.uow() as uow:
            uow.front_categories.add(front)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.front_categories.get(front.id)
            assert state(loaded) == state(front)
            assert loaded.category_ids == sorted([leaf.id, root.id])

    @pytest.mark.rule("CAT-5")
    async def test_brand_round_trip(self, backend: Backend) -> None:
        root, _, _ = await seed(backend)
        brand = Brand.create(
            id=backend.ids.new_id(),
            name="Acme",
            logo_url="https://cdn.example.com/acme.png",
            category_ids=[root.id],
            now=T0,
        )
        async with backend.uow() as uow:
            uow.brands.add(brand)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.brands.get(brand.id)
            assert state(loaded) == state(brand)

    # --- not found ------------------------------------------------------------------------
    async def test_get_unknown_raises_the_context_error(self, backend: Backend) -> None:
        unknown = uuid.UUID("00000000-0000-7000-8000-00000000dead")
        async with backend.uow() as uow:
            cases = [
                (uow.products, ProductNotFound, "catalog.product_not_found"),
                (uow.categories, CategoryNotFound, "catalog.category_not_found"),
                (uow.front_categories, FrontCategoryNotFound, "catalog.front_category_not_found"),
                (uow.brands, BrandNotFound, "catalog.brand_not_found"),
            ]
            for repository, error, code in cases:
                with pytest.raises(error) as raised:
                    await repository.get(unknown)
                assert raised.value.code == code
                assert await repository.find(unknown) is None

    # --- transactions ---------------------------------------------------------------------
    async def test_leaving_without_commit_writes_nothing(self, backend: Backend) -> None:
        root, leaf = make_tree(backend)
        async with backend.uow() as uow:
            uow.categories.add(root)
        async with backend.uow() as uow:
            assert await uow.categories.find(root.id) is None
        assert await backend.outbox() == []
        del leaf

    async def test_explicit_rollback_writes_nothing(self, backend: Backend) -> None:
        _, _, product = await seed(backend)
        before = await backend.outbox()
        async with backend.uow() as uow:
            p = await uow.products.get(product.id)
            p.record_sales(7, T0)
            await uow.rollback()
        async with backend.uow() as uow:
            assert (await uow.products.get(product.id)).sales_count == 0
        assert await backend.outbox() == before

    async def test_versions_count_changing_commits_children_included(
        self, backend: Backend
    ) -> None:
        _, leaf, product = await seed(backend)
        async with backend.uow() as uow:  # no change: no new version
            await uow.products.get(product.id)
            await uow.commit()
        async with backend.uow() as uow:  # a SKU-only change is a change of the product
            p = await uow.products.get(product.id)
            p.skus[0].barcode = "0000000000000"
            await uow.commit()
        async with backend.uow() as uow:  # replacing attribute definitions changes the category
            c = await uow.categories.get(leaf.id)
            c.define_attributes(
                [AttributeDefinition.build(key="model", name="Model No.", kind="key")],
                in_use=False,
                now=T0,
            )
            await uow.commit()
        async with backend.uow() as uow:
            p = await uow.products.get(product.id)
            c = await uow.categories.get(leaf.id)
            assert (p.version, p.skus[0].barcode) == (2, "0000000000000")
            assert c.version == 2
            assert [(d.key, d.name) for d in c.attributes] == [("model", "Model No.")]

    async def test_in_place_changes_of_json_fields_are_saved(self, backend: Backend) -> None:
        _, _, product = await seed(backend)
        async with backend.uow() as uow:
            p = await uow.products.get(product.id)
            p.key_attributes["model"] = "X2"
            p.sales_attribute_keys.append("storage")
            p.skus[0].sales_attributes["colour"] = "blue-ish"
            await uow.commit()
        async with backend.uow() as uow:
            p = await uow.products.get(product.id)
            assert p.key_attributes == {"model": "X2"}
            assert p.sales_attribute_keys == ["colour", "storage"]
            assert p.skus[0].sales_attributes == {"colour": "blue-ish"}

    async def test_stale_write_raises_concurrency_conflict(self, backend: Backend) -> None:
        _, _, product = await seed(backend)
        first, second = backend.uow(), backend.uow()
        async with first:
            mine = await first.products.get(product.id)
            async with second:
                theirs = await second.products.get(product.id)
                mine.record_sales(1, T0)
                theirs.record_sales(2, T0)
                await first.commit()  # pragma: no branch
                with pytest.raises(ConcurrencyConflict) as raised:
                    await second.commit()
                assert raised.value.code == "concurrency.conflict"
        async with backend.uow() as uow:
            assert (await uow.products.get(product.id)).sales_count == 1

    async def test_concurrent_writers_lose_no_update(self, backend: Backend) -> None:
        """Two writers racing on one product: each either commits or gets ConcurrencyConflict
        (a backend that serialises writers lets both commit), and no committed change is lost."""
        _, _, product = await seed(backend)

        async def sell(quantity: int) -> int:
            try:
                async with backend.uow() as uow:
                    p = await uow.products.get(product.id)
                    await asyncio.sleep(0.05)
                    p.record_sales(quantity, T0)
                    await uow.commit()
            except ConcurrencyConflict:
                return 0
            return quantity

        sold = await asyncio.gather(sell(1), sell(10))
        assert sum(sold) > 0
        async with backend.uow() as uow:
            assert (await uow.products.get(product.id)).sales_count == sum(sold)

    # --- outbox ---------------------------------------------------------------------------
    async def test_events_reach_the_outbox_only_on_commit(self, backend: Backend) -> None:
        brand = Brand.create(
            id=backend.ids.new_id(), name="Acme", logo_url=None, category_ids=[], now=T0
        )
        async with backend.uow() as uow:
            uow.brands.add(brand)
        assert await backend.outbox() == []
        async with backend.uow() as uow:
            uow.brands.add(brand)
            await uow.commit()
        rows = await backend.outbox()
        assert [(r.type, r.aggregate_type, r.aggregate_id) for r in rows] == [
            ("catalog.brand_created", "catalog.brand", str(brand.id))
        ]
        assert rows[0].payload == {  # the integration event's explicit payload (ADR 0024)
            "brand_id": str(brand.id),
            "name": "Acme",
            "category_ids": [],
        }

    async def test_product_events_in_the_outbox(self, backend: Backend) -> None:
        _, _, product = await seed(backend)
        async with backend.uow() as uow:
            p = await uow.products.get(product.id)
            p.change_sku_price(p.skus[0].id, cny("89.00"), cny("129.00"), T0)
            await uow.commit()
        rows = [r for r in await backend.outbox() if r.aggregate_id == str(product.id)]
        assert [r.type for r in rows] == [
            "catalog.product_created",
            "catalog.sku_added",
            "catalog.sku_added",
            "catalog.sku_price_changed",
        ]
        assert rows[-1].payload["sale_price"] == {"minor": 8900, "currency": "CNY"}
        assert rows[-1].payload["previous_sale_price"] == {"minor": 9900, "currency": "CNY"}

    # --- idempotency store ----------------------------------------------------------------
    async def test_idempotency_store_round_trip(self, backend: Backend) -> None:
        outcome = StoredOutcome("f" * 64, {"id": "42", "n": [1, 2]}, T0)
        async with backend.uow() as uow:
            assert await uow.idempotency.get("scope", "key-1") is None
            await uow.idempotency.put("scope", "key-1", outcome)
            await uow.commit()
        async with backend.uow() as uow:
            assert await uow.idempotency.get("scope", "key-1") == outcome
            assert await uow.idempotency.get("other", "key-1") is None

    async def test_idempotency_duplicate_key_is_refused(self, backend: Backend) -> None:
        outcome = StoredOutcome("f" * 64, None, T0)
        async with backend.uow() as uow:
            await uow.idempotency.put("scope", "key-1", outcome)
            await uow.commit()

        async def put_again() -> None:  # refused at put (the unique key), before the commit
            async with backend.uow() as uow:
                await uow.idempotency.put("scope", "key-1", StoredOutcome("0" * 64, None, T0))
                await uow.commit()

        with pytest.raises(IdempotencyKeyInUse):
            await put_again()

    # --- repository queries ---------------------------------------------------------------
    @pytest.mark.rule("CAT-2")
    async def test_category_queries(self, backend: Backend) -> None:
        root, leaf, _ = await seed(backend)
        async with backend.uow() as uow:
            other = Category.create(
                id=backend.ids.new_id(), name="Cameras", parent=root, policy=CatalogPolicy(), now=T0
            )
            uow.categories.add(other)  # seen by the queries before the commit
            assert await uow.categories.has_children(root.id)
            assert not await uow.categories.has_children(leaf.id)
            assert [c.name for c in await uow.categories.children(root.id)] == [
                "Cameras",
                "Phones",
            ]
            assert [c.id for c in await uow.categories.children(None)] == [root.id]
            found = await uow.categories.find_by_name_under(root.id, "  phoNES ")
            assert found is not None
            assert found.id == leaf.id
            assert await uow.categories.find_by_name_under(None, "phones") is None
            root_found = await uow.categories.find_by_name_under(None, "ELECTRONICS")
            assert root_found is not None
            assert root_found.id == root.id

    async def test_product_queries(self, backend: Backend) -> None:
        root, leaf, product = await seed(backend)
        async with backend.uow() as uow:
            assert await uow.products.exists_in_category(leaf.id)
            assert not await uow.products.exists_in_category(root.id)
            assert await uow.products.sku_code_taken(SHOP, "SKU-1")
            assert not await uow.products.sku_code_taken(SHOP, "sku-1")
            assert not await uow.products.sku_code_taken(OTHER_SHOP, "SKU-1")
            assert not await uow.products.sku_code_taken(
                SHOP, "SKU-1", exclude_product_id=product.id
            )
            second = make_product(backend, await uow.categories.get(leaf.id), codes=("A", "B"))
            uow.products.add(second)
            assert await uow.products.sku_code_taken(SHOP, "A", exclude_product_id=product.id)

    @pytest.mark.rule("CAT-7")
    async def test_due_for_schedule_earliest_first(self, backend: Backend) -> None:
        _, leaf, first = await seed(backend)
        async with backend.uow() as uow:
            category = await uow.categories.get(leaf.id)
            later = make_product(backend, category, codes=("C", "D"))
            never = make_product(backend, category, codes=("E", "F"))
            for p in (later, never):
                uow.products.add(p)
            p1 = await uow.products.get(first.id)
            p1.schedule_listing(
                list_at=T0 + dt.timedelta(hours=3), delist_at=T0 + dt.timedelta(hours=1), now=T0
            )
            later.schedule_listing(list_at=T0 + dt.timedelta(hours=2), delist_at=None, now=T0)
            never.schedule_listing(list_at=T0 + dt.timedelta(days=9), delist_at=None, now=T0)
            await uow.commit()
        async with backend.uow() as uow:
            now = T0 + dt.timedelta(hours=5)
            due = await uow.products.due_for_schedule(now, 10)
            assert [p.id for p in due] == [first.id, later.id]
            assert [p.id for p in await uow.products.due_for_schedule(now, 1)] == [first.id]
            assert await uow.products.due_for_schedule(T0, 10) == []

    @pytest.mark.rule("CAT-3")
    async def test_front_category_queries_and_removal(self, backend: Backend) -> None:
        _, leaf, _ = await seed(backend)
        parent = FrontCategory.create(
            id=backend.ids.new_id(),
            name="Digital",
            parent_id=None,
            sort_order=0,
            visible=True,
            category_ids=[leaf.id],
            now=T0,
        )
        child = FrontCategory.create(
            id=backend.ids.new_id(),
            name="Phones",
            parent_id=parent.id,
            sort_order=0,
            visible=True,
            category_ids=[leaf.id],
            now=T0,
        )
        async with backend.uow() as uow:
            uow.front_categories.add(parent)
            uow.front_categories.add(child)
            await uow.commit()
        async with backend.uow() as uow:
            assert await uow.front_categories.has_children(parent.id)
            loaded = await uow.front_categories.get(child.id)
            loaded.delete(T0)
            uow.front_categories.remove(loaded)
            assert await uow.front_categories.find(child.id) is None
            assert not await uow.front_categories.has_children(parent.id)
            await uow.commit()
        async with backend.uow() as uow:
            assert await uow.front_categories.find(child.id) is None
            assert await uow.front_categories.find(parent.id) is not None
        types = [r.type for r in await backend.outbox()]
        assert types[-1] == "catalog.front_category_deleted"

    @pytest.mark.rule("CAT-5")
    async def test_find_brand_by_name(self, backend: Backend) -> None:
        brand = Brand.create(
            id=backend.ids.new_id(), name="Acme Tools", logo_url=None, category_ids=[], now=T0
        )
        async with backend.uow() as uow:
            uow.brands.add(brand)
            found = await uow.brands.find_by_name("  ACME   tools")
            assert found is not None
            assert found.id == brand.id
            await uow.commit()
        async with backend.uow() as uow:
            found = await uow.brands.find_by_name("acme tools")
            assert found is not None
            assert found.id == brand.id
            assert await uow.brands.find_by_name("acme") is None


class TestSqliteCatalogPersistence(CatalogPersistenceContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend

    async def test_stale_write_raises_concurrency_conflict(self, backend: Backend) -> None:
        pytest.skip(
            "SQLite serialises writers from their first statement (BEGIN IMMEDIATE): a second "
            "unit of work cannot read until the first ends, so two never hold the same version; "
            "test_concurrent_writers_lose_no_update covers SQLite"
        )


class TestMemoryCatalogPersistence(TestSqliteCatalogPersistence):
    """``memory://``: the same SQL on an in-memory SQLite database (writers serialised alike)."""

    @pytest.fixture
    def backend(self, memory_backend: Backend) -> Backend:
        return memory_backend


@pytest.mark.postgres
class TestPostgresCatalogPersistence(CatalogPersistenceContract):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend

    async def test_concurrent_commits_one_wins_one_conflicts(self, backend: Backend) -> None:
        """On PostgreSQL two units of work that read the same version race at commit: the
        first UPDATE wins, the second matches no row and raises ConcurrencyConflict."""
        _, _, product = await seed(backend)
        both_loaded = asyncio.Barrier(2)

        async def sell(quantity: int) -> str:
            try:
                async with backend.uow() as uow:
                    p = await uow.products.get(product.id)
                    await both_loaded.wait()
                    p.record_sales(quantity, T0)
                    await uow.commit()
            except ConcurrencyConflict:
                return "conflict"
            return "ok"

        results = await asyncio.gather(sell(1), sell(10))
        assert sorted(results) == ["conflict", "ok"]
        async with backend.uow() as uow:
            assert (await uow.products.get(product.id)).sales_count in (1, 10)
