"""What a checkout reads of each SKU it prices and orders, in one statement: its product, shop,
brand and category path, its sale price, whether it can be bought and when (the product's
stored listing and schedules), and what an order keeps of it (name, kind, sales attributes,
weight, freight template).

Pricing (:class:`~shop_adapters.sql.pricing.catalog.SqlPricingCatalog`) and ordering
(:class:`~shop_adapters.sql.ordering.sources.SqlOrderCatalog`) both read :data:`SKU_FACTS` with
the same parameters — the SKU ids, sorted — so that within a submission's read scope the second
read is answered from the first (decision 0048). Nothing in it depends on the moment asked:
whether a SKU can be bought at ``now`` is worked out from the row (:func:`buyable_at`), with the
catalog domain's own rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select

from shop_adapters.sql.catalog.tables import categories, products, skus
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.mapper import member_of
from shop_domain.catalog.listing import listed_at

_s, _p, _c = skus.c, products.c, categories.c


def sku_facts_select() -> Select[Any]:
    """The SKU facts of the SKUs a ``WHERE`` picks, by SKU id."""
    return (
        select(
            _s.id,
            _s.product_id,
            _s.shop_id,
            _p.brand_id,
            _c.path,
            _s.sale_price_minor,
            _s.currency,
            _s.enabled,
            _p.min_price_minor.is_not(None).label("priced"),  # an enabled SKU, exactly then
            _p.status,
            _p.list_at,
            _p.delist_at,
            _p.name,
            _p.kind,
            _s.sales_attributes,
            _s.weight_g,
            _s.freight_template_id,
        )
        .select_from(skus.join(products, _p.id == _s.product_id))
        .join(categories, _c.id == _p.category_id)
        .order_by(_s.id)
    )


SKU_FACTS = Prepared(lambda dialect: sku_facts_select().where(member_of(_s.id, "ids", dialect)))


def sku_params(sku_ids: Sequence[uuid.UUID]) -> dict[str, Any]:
    """:data:`SKU_FACTS`'s parameters for ``sku_ids``: the same for every reader of the same
    SKUs."""
    return {"ids": sorted(set(sku_ids))}


def buyable_at(row: Any, now: Any) -> bool:
    """Whether the SKU of ``row`` can be bought at ``now``: enabled, and its product listed
    then (:func:`~shop_domain.catalog.listing.listed_at`; the driver gives ``status`` as a
    ``ListingStatus``, by the column's type)."""
    return bool(row.enabled) and listed_at(
        row.status, row.list_at, row.delist_at, bool(row.priced), now
    )


__all__ = ["SKU_FACTS", "buyable_at", "sku_facts_select", "sku_params"]
