"""Contract of the catalog's unit of work and repositories: round trips of every aggregate,
transactions and optimistic locking, the outbox, the idempotency store, and the repositories'
queries (``catalog_repositories``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from shop_app.shared.errors import IdempotencyKeyInUse
from shop_app.shared.ports import StoredOutcome
from shop_domain.catalog import (
    AttributeDefinition,
    Brand,
    BrandNotFound,
    CategoryNotFound,
    Dimensions,
    FrontCategory,
    FrontCategoryNotFound,
    ProductNotFound,
)
from shop_domain.shared import ConcurrencyConflict, Money
from shop_testing.contracts.backend import T0, Backend
from shop_testing.contracts.catalog_repositories import CatalogRepositoryQueriesContract
from shop_testing.contracts.catalog_support import (
    cny,
    make_tree,
    seed,
    state,
)


class CatalogRoundTripContract:
    """Every catalog aggregate comes back as it was stored. Subclasses provide ``backend``."""

    pytestmark = [pytest.mark.asyncio]

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


class CatalogTransactionContract:
    """Commits, rollbacks, versions and conflicts; the outbox written with the commit; the
    idempotency store. Subclasses provide ``backend``.

    ``test_stale_write_raises_concurrency_conflict`` needs two units of work to read the same
    version before either commits: a backend that serialises writers from their first
    statement (SQLite) cannot, and skips it in its subclass."""

    pytestmark = [pytest.mark.asyncio]

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


class CatalogPersistenceContract(
    CatalogRoundTripContract, CatalogTransactionContract, CatalogRepositoryQueriesContract
):
    """The catalog's unit of work and repositories, whole. Subclasses provide the ``backend``
    fixture."""


class CatalogConcurrencyContract:
    """For a backend whose transactions run side by side (PostgreSQL, not SQLite, which
    serialises writers). Subclasses provide the ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    async def test_concurrent_commits_one_wins_one_conflicts(self, backend: Backend) -> None:
        """Two units of work that read the same version race at commit: the first wins, the
        second finds the version moved on and raises ConcurrencyConflict."""
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
