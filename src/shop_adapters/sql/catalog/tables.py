"""Tables of the catalog (CAT-1..8).

The aggregates' own columns are what :mod:`shop_adapters.sql.catalog.mapping` maps. Besides
them the catalog keeps, in the same transaction, a few columns and tables only the SQL search
reads (kept in step by the mapping's flush listeners, never written by hand):

- ``name_key`` on categories, brands and products: the lower-cased name (``name_key``), for
  case-insensitive uniqueness and keyword search computed by Python, the same on every
  backend (SQL ``lower()`` differs between backends beyond ASCII);
- on products: ``min_price_minor`` / ``max_price_minor`` / ``list_price_minor`` over the enabled
  SKUs (NULL when none is enabled, which also means "cannot be listed");
- on skus: ``shop_id`` (SKU codes are unique within a shop) and ``combination`` (a digest of the
  sales attribute values, unique within the product: CAT-1);
- ``front_category_links``: the front → back category mapping as rows, for the search;
- ``product_attribute_values``: every (key, value) a product offers to attribute filters: its key
  and other attributes and its enabled SKUs' sales attributes.

And one table the catalog does not write at all: ``sku_stock``, what fulfillment has available
of a SKU at each warehouse (on hand − reserved), a projection written by
:class:`~shop_adapters.sql.catalog.stock.SkuStockProjection` in the transaction of every stock
change (ADR 0045). The catalog's reads show a SKU's stock as the sum of its rows (none: 0).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine.interfaces import Dialect

from shop_adapters.sql.metadata import Json, UtcDateTime, metadata, value_enum
from shop_domain.catalog.model import AttributeKind, GoodsKind, ListingStatus


class UuidList(Json):
    """A list of UUIDs stored as a JSON array of strings."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return [str(item) for item in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return [uuid.UUID(item) for item in value]


def _values(enum_class: type[AttributeKind] | type[ListingStatus]) -> list[str]:
    return [member.value for member in enum_class]


# --- back-end categories (CAT-2, CAT-4) -------------------------------------------------------

categories = Table(
    "categories",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("name_key", String(400), nullable=False),
    Column("parent_id", Uuid, ForeignKey("categories.id"), nullable=True),
    Column("depth", Integer, nullable=False),
    # materialised path "/<root>/<child>/": the subtree of X is ``path LIKE X.path || '%'``
    Column("path", String(255), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)
# sibling names are unique case-insensitively; roots (parent NULL) by a partial index
Index(
    "uq_categories_parent_name",
    categories.c.parent_id,
    categories.c.name_key,
    unique=True,
)
Index(
    "uq_categories_root_name",
    categories.c.name_key,
    unique=True,
    postgresql_where=categories.c.parent_id.is_(None),
    sqlite_where=categories.c.parent_id.is_(None),
)

category_attributes = Table(
    "category_attributes",
    metadata,
    Column(
        "category_id",
        Uuid,
        ForeignKey("categories.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("key", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column(
        "kind",
        Enum(
            AttributeKind,
            name="attribute_kind",
            native_enum=False,
            create_constraint=False,
            length=16,
            values_callable=_values,
        ),
        nullable=False,
    ),
    Column("required", Boolean, nullable=False),
    Column("allowed_values", Json(), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("category_id", "key"),
)

# --- front-end categories (CAT-3) -------------------------------------------------------------

front_categories = Table(
    "front_categories",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("parent_id", Uuid, ForeignKey("front_categories.id"), nullable=True),
    Column("sort_order", Integer, nullable=False),
    Column("visible", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("category_ids", UuidList(), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_front_categories_parent_id", front_categories.c.parent_id)

front_category_links = Table(
    "front_category_links",
    metadata,
    Column(
        "front_category_id",
        Uuid,
        ForeignKey("front_categories.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("category_id", Uuid, ForeignKey("categories.id"), nullable=False),
    PrimaryKeyConstraint("front_category_id", "category_id"),
)
Index("ix_front_category_links_category_id", front_category_links.c.category_id)

# --- brands (CAT-5) ---------------------------------------------------------------------------

brands = Table(
    "brands",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("name_key", String(400), nullable=False, unique=True),
    Column("logo_url", String(2000), nullable=True),
    Column("category_ids", UuidList(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

# --- products and SKUs (CAT-1, CAT-6, CAT-7) --------------------------------------------------

products = Table(
    "products",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("shop_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    Column("name_key", String(400), nullable=False),
    Column("description", Text, nullable=False),
    Column("category_id", Uuid, ForeignKey("categories.id"), nullable=False),
    Column("brand_id", Uuid, ForeignKey("brands.id"), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("key_attributes", Json(), nullable=False),
    Column("other_attributes", Json(), nullable=False),
    Column("sales_attribute_keys", Json(), nullable=False),
    Column(
        "status",
        Enum(
            ListingStatus,
            name="listing_status",
            native_enum=False,
            create_constraint=False,
            length=16,
            values_callable=_values,
        ),
        nullable=False,
    ),
    Column("list_at", UtcDateTime, nullable=True),
    Column("delist_at", UtcDateTime, nullable=True),
    Column("sales_count", BigInteger, nullable=False),
    Column(
        "kind", value_enum(GoodsKind, "goods_kind", 16), nullable=False, server_default="physical"
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    # search columns, kept in step on every flush
    Column("min_price_minor", BigInteger, nullable=True),
    Column("max_price_minor", BigInteger, nullable=True),
    Column("list_price_minor", BigInteger, nullable=True),
)
Index("ix_products_category_id", products.c.category_id)
Index("ix_products_brand_id", products.c.brand_id)
Index("ix_products_shop_id", products.c.shop_id)
# the search's sort orders within the stored listing state
Index("ix_products_status_created_at", products.c.status, products.c.created_at)
Index("ix_products_status_sales_count", products.c.status, products.c.sales_count)
Index("ix_products_status_min_price", products.c.status, products.c.min_price_minor)
# the schedule sweep and the effective-listing test
Index("ix_products_list_at", products.c.list_at)
Index("ix_products_delist_at", products.c.delist_at)

skus = Table(
    "skus",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "product_id",
        Uuid,
        ForeignKey("products.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("shop_id", Uuid, nullable=False),
    Column("code", String(64), nullable=False),
    Column("barcode", String(64), nullable=True),
    Column("sales_attributes", Json(), nullable=False),
    Column("combination", String(64), nullable=False),
    Column("sale_price_minor", BigInteger, nullable=False),
    Column("list_price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("weight_g", Integer, nullable=False),
    Column("length_mm", Integer, nullable=False),
    Column("width_mm", Integer, nullable=False),
    Column("height_mm", Integer, nullable=False),
    Column("freight_template_id", Uuid, nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("shop_id", "code"),
    UniqueConstraint("product_id", "combination"),
)
# the price filter: EXISTS (an enabled SKU of the product priced within the bounds)
Index("ix_skus_product_price", skus.c.product_id, skus.c.sale_price_minor)

product_attribute_values = Table(
    "product_attribute_values",
    metadata,
    Column(
        "product_id",
        Uuid,
        ForeignKey("products.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("key", String(64), nullable=False),
    Column("value", String(200), nullable=False),
    PrimaryKeyConstraint("product_id", "key", "value"),
)
Index(
    "ix_product_attribute_values_key_value",
    product_attribute_values.c.key,
    product_attribute_values.c.value,
)

sku_stock = Table(
    "sku_stock",
    metadata,
    Column("sku_id", Uuid, nullable=False),
    Column("warehouse_id", Uuid, nullable=False),
    Column("available", BigInteger, nullable=False),
    PrimaryKeyConstraint("sku_id", "warehouse_id"),
)
