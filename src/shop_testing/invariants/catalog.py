"""What the catalog's tables record, for the outbox check (:mod:`.outbox`)."""

from __future__ import annotations

from sqlalchemy import select

from shop_adapters.sql.catalog.tables import brands, categories, front_categories, products, skus
from shop_app.catalog import integration as catalog_events
from shop_testing.harness import MemoryShop
from shop_testing.invariants.base import Recorded


async def catalog_changes(shop: MemoryShop) -> list[Recorded]:
    """The changes the catalog's tables record: each category, front category, brand and product
    that exists was created (its ``…_created`` event), and each SKU was added to its product
    (``catalog.sku_added`` about the product). Read with SQL: the catalog's read side lists
    only what a shopper may see (listed products, visible front categories)."""
    created = (
        (categories, "catalog.category", catalog_events.CategoryCreatedV1.type),
        (front_categories, "catalog.front_category", catalog_events.FrontCategoryCreatedV1.type),
        (brands, "catalog.brand", catalog_events.BrandCreatedV1.type),
        (products, "catalog.product", catalog_events.ProductCreatedV1.type),
    )
    changes: list[Recorded] = []
    async with shop.engine.connect() as connection:
        for table, aggregate, event_type in created:
            for (id_,) in await connection.execute(select(table.c.id)):
                changes.append(Recorded(aggregate, str(id_), event_type, f"{aggregate} {id_}"))
        rows = await connection.execute(select(skus.c.id, skus.c.product_id))
        for sku_id, product_id in rows:
            changes.append(
                Recorded(
                    "catalog.product",
                    str(product_id),
                    catalog_events.SkuAddedV2.type,
                    f"SKU {sku_id} of product {product_id}",
                )
            )
    return changes


__all__ = ["catalog_changes"]
