"""The contract of :class:`~shop_app.catalog.queries.CatalogFreshness`, what a catalog read side
offers so that the HTTP adapter may reuse its answers (decision 0026).

Subclass :class:`CatalogFreshnessContract` with two fixtures: ``queries``, the read side under
test (a :class:`~shop_app.catalog.ports.CatalogQueries` that is also a ``CatalogFreshness``),
and ``catalog``, a bus with the catalog's command handlers writing the data ``queries``
reads::

    class TestMyReadSide(CatalogFreshnessContract):
        @pytest.fixture
        def queries(self, shop: MemoryShop) -> MyQueries: ...

        @pytest.fixture
        def catalog(self, shop: MemoryShop) -> Dispatcher:
            return shop.runtime.bus

The promises: every committed change a read shows moves the stamp to a value never seen before
(an old value back would make an old answer current again) — or the stamp is always ``None``,
and nothing is reused; once the stamp moved, the reads show the change; and
``next_listing_change(after)`` is the first scheduled listing or delisting strictly after
``after``, ``None`` when there is none, so that a search answered at ``after`` is not reused past
a product coming or going by itself.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shop_app.catalog import commands as c
from shop_app.catalog.ports import CatalogQueries
from shop_app.catalog.queries import CatalogFreshness
from shop_app.shared.middleware import Dispatcher
from shop_domain.shared.money import Money

SHOP = uuid.UUID("0190a000-0000-7000-8000-0000000000aa")
FAR = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
"""Scheduled moments lie this far ahead, in the future of any clock the writer runs on."""


def at(hours: float) -> dt.datetime:
    return FAR + dt.timedelta(hours=hours)


async def stamp(queries: CatalogQueries) -> int | None:
    assert isinstance(queries, CatalogFreshness), "the read side offers no freshness"
    return await queries.freshness()


async def new_product(catalog: Dispatcher, category_id: uuid.UUID, code: str) -> uuid.UUID:
    price = Money(9900, "CNY")
    product_id: uuid.UUID = await catalog.handle(
        c.CreateProduct(
            shop_id=SHOP,
            name=f"Phone {code}",
            category_id=category_id,
            currency="CNY",
            skus=(c.NewSku(code=code, sale_price=price, list_price=price),),
        )
    )
    return product_id


@pytest.mark.rule("CAT-7")
@pytest.mark.asyncio
class CatalogFreshnessContract:
    """The freshness promises; a subclass provides ``queries`` and ``catalog``."""

    async def test_every_committed_change_moves_the_stamp_to_a_new_value(
        self, queries: CatalogQueries, catalog: Dispatcher
    ) -> None:
        stamps = [await stamp(queries)]
        category_id = await catalog.handle(c.CreateCategory("Phones"))
        stamps.append(await stamp(queries))
        brand_id = await catalog.handle(c.CreateBrand("Acme"))
        stamps.append(await stamp(queries))
        await catalog.handle(c.UpdateBrand(brand_id, "Acme Mobile"))
        stamps.append(await stamp(queries))
        product_id = await new_product(catalog, category_id, "SKU-1")
        stamps.append(await stamp(queries))
        await catalog.handle(c.ListProduct(product_id))
        stamps.append(await stamp(queries))
        await catalog.handle(c.ScheduleListing(product_id, delist_at=at(1)))
        stamps.append(await stamp(queries))
        await catalog.handle(c.RenameCategory(category_id, "Mobile phones"))
        stamps.append(await stamp(queries))
        assert all(s is None for s in stamps) or len(set(stamps)) == len(stamps), stamps

    async def test_once_the_stamp_moved_the_reads_show_the_change(
        self, queries: CatalogQueries, catalog: Dispatcher
    ) -> None:
        brand_id = await catalog.handle(c.CreateBrand("Acme"))
        before = await stamp(queries)
        await catalog.handle(c.UpdateBrand(brand_id, "Acme Mobile"))
        assert await stamp(queries) != before or before is None
        assert [brand.name for brand in await queries.brands()] == ["Acme Mobile"]

    async def test_no_schedule_means_no_listing_change(
        self, queries: CatalogQueries, catalog: Dispatcher
    ) -> None:
        assert isinstance(queries, CatalogFreshness)
        category_id = await catalog.handle(c.CreateCategory("Phones"))
        await catalog.handle(c.ListProduct(await new_product(catalog, category_id, "SKU-1")))
        assert await queries.next_listing_change(at(0)) is None

    async def test_the_next_listing_change_is_the_first_schedule_after_the_moment(
        self, queries: CatalogQueries, catalog: Dispatcher
    ) -> None:
        assert isinstance(queries, CatalogFreshness)
        category_id = await catalog.handle(c.CreateCategory("Phones"))
        listed = await new_product(catalog, category_id, "SKU-1")
        await catalog.handle(c.ListProduct(listed))
        await catalog.handle(c.ScheduleListing(listed, delist_at=at(5)))
        coming = await new_product(catalog, category_id, "SKU-2")
        await catalog.handle(c.ScheduleListing(coming, list_at=at(2), delist_at=at(8)))
        changes = [at(2), at(5), at(8)]
        for after, expected in [
            (at(0), at(2)),
            (at(1.5), at(2)),
            (at(2), at(5)),  # strictly after
            (at(3), at(5)),
            (at(5), at(8)),
            (at(8), None),
        ]:
            found = await queries.next_listing_change(after)
            assert found == expected, f"after {after}: {found}, scheduled {changes}"


__all__ = ["CatalogFreshnessContract"]
