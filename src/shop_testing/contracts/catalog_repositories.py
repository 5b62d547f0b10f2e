"""Contract of the catalog repositories' queries (children, names, SKU codes, schedules), seen
inside a unit of work before and after its commit."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_domain.catalog import (
    Brand,
    CatalogPolicy,
    Category,
    FrontCategory,
)
from shop_testing.contracts.backend import T0, Backend
from shop_testing.contracts.catalog_support import (
    OTHER_SHOP,
    SHOP,
    make_product,
    seed,
)


class CatalogRepositoryQueriesContract:
    """The queries of the catalog's repositories. Subclasses provide the ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

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
