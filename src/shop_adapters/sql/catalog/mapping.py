"""The catalog's aggregates in their tables (the mapper of ADR 0023).

- A category's attribute definitions and a product's SKUs are child rows, saved with their
  aggregate; a change to one changes its aggregate's version.
- ``Money`` and ``Dimensions`` spread over flat columns; a SKU's prices share its currency.
- Search columns (``name_key``, a product's price range, a SKU's shop and the
  digest of its sales attributes) are derived when the aggregate is saved; the attribute index
  of a product and the links of a front category are side rows rewritten when what they are
  computed from changes.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from shop_adapters.sql.catalog.tables import (
    brands,
    categories,
    category_attributes,
    front_categories,
    front_category_links,
    product_attribute_values,
    products,
    skus,
)
from shop_adapters.sql.mapper import Children, Replaced, TableMap, money, value
from shop_domain.catalog.categories import AttributeDefinition, Brand, Category, FrontCategory
from shop_domain.catalog.model import Dimensions, name_key
from shop_domain.catalog.products import Product, Sku


def combination(sales_attributes: Mapping[str, str]) -> str:
    """A digest of a SKU's sales attribute values, the same for the same combination."""
    return _digest(tuple(sorted(sales_attributes.items())))


@functools.lru_cache(maxsize=4096)
def _digest(items: tuple[tuple[str, str], ...]) -> str:
    canonical = json.dumps(items, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _named(obj: Any, _parent: Any) -> dict[str, Any]:
    return {"name_key": name_key(obj.name)}


def _product_columns(product: Product, _parent: Any) -> dict[str, Any]:
    enabled = [sku for sku in product.skus if sku.enabled]
    sale = [sku.sale_price.minor for sku in enabled]
    return {
        "name_key": name_key(product.name),
        "min_price_minor": min(sale) if sale else None,
        "max_price_minor": max(sale) if sale else None,
        "list_price_minor": min((sku.list_price.minor for sku in enabled), default=None),
    }


def _sku_columns(sku: Sku, product: Product) -> dict[str, Any]:
    return {"shop_id": product.shop_id, "combination": combination(sku.sales_attributes)}


def _attribute_index(product: Product) -> Iterable[dict[str, Any]]:
    values = set(product.key_attributes.items()) | set(product.other_attributes.items())
    for sku in product.skus:
        if sku.enabled:
            values |= set(sku.sales_attributes.items())
    return [{"product_id": product.id, "key": key, "value": text} for key, text in sorted(values)]


def _front_links(front: FrontCategory) -> Iterable[dict[str, Any]]:
    return [{"front_category_id": front.id, "category_id": cid} for cid in front.category_ids]


ATTRIBUTES = TableMap(
    AttributeDefinition, category_attributes, parent_column="category_id", versioned=False
)
CATEGORIES = TableMap(
    Category,
    categories,
    children=[Children("attributes", ATTRIBUTES, "category_id", "position")],
    derived=_named,
    derived_columns=["name_key"],
)
FRONT_CATEGORIES = TableMap(
    FrontCategory,
    front_categories,
    replaced=[Replaced(front_category_links, "front_category_id", _front_links)],
)
BRANDS = TableMap(Brand, brands, derived=_named, derived_columns=["name_key"])
SKUS = TableMap(
    Sku,
    skus,
    values=[
        money("sale_price", "sale_price_minor", "currency"),
        money("list_price", "list_price_minor", "currency"),
        value("dimensions", Dimensions, "length_mm", "width_mm", "height_mm"),
    ],
    derived=_sku_columns,
    derived_columns=["shop_id", "combination"],
    parent_column="product_id",
    versioned=False,
)
PRODUCTS = TableMap(
    Product,
    products,
    children=[Children("skus", SKUS, "product_id", "position")],
    derived=_product_columns,
    derived_columns=[
        "name_key",
        "min_price_minor",
        "max_price_minor",
        "list_price_minor",
    ],
    replaced=[Replaced(product_attribute_values, "product_id", _attribute_index)],
)
