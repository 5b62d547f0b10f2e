"""SKU stock becomes a projection of fulfillment's stock (ADR 0045)

``sku_stock`` holds, per SKU per warehouse, what fulfillment has available (on hand −
reserved); it starts from ``stock_items`` and is written from then on in the transaction of
every stock change. The catalog's own figures — ``skus.stock`` and ``products.stock_total``, a
second truth nothing reserved against — are dropped. ``sku_stock`` gets the catalog freshness
triggers (a stock change changes what catalog reads show), and the stamp is bumped once here.

Going down puts the columns back filled from ``sku_stock`` (a SKU's stock: the sum over its
warehouses; a product's: the sum over its SKUs), then drops the table.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 22:43:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shop_adapters.sql.catalog.freshness import trigger_statements

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE catalog_freshness SET stamp = stamp + 1"


def upgrade() -> None:
    op.create_table(
        "sku_stock",
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sku_id", "warehouse_id", name=op.f("pk_sku_stock")),
    )
    op.execute(
        "INSERT INTO sku_stock (sku_id, warehouse_id, available) "
        "SELECT sku_id, warehouse_id, on_hand - reserved FROM stock_items"
    )
    # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy would recreate
    # the tables and lose their freshness triggers
    op.execute("ALTER TABLE products DROP COLUMN stock_total")
    op.execute("ALTER TABLE skus DROP COLUMN stock")
    for statement in trigger_statements(op.get_context().dialect.name, ("sku_stock",)):
        op.execute(statement)
    op.execute(BUMP)


def downgrade() -> None:
    op.add_column("skus", sa.Column("stock", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column(
        "products", sa.Column("stock_total", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.execute(
        "UPDATE skus SET stock = COALESCE("
        "(SELECT SUM(available) FROM sku_stock WHERE sku_stock.sku_id = skus.id), 0)"
    )
    op.execute(
        "UPDATE products SET stock_total = COALESCE("
        "(SELECT SUM(stock) FROM skus WHERE skus.product_id = products.id), 0)"
    )
    if op.get_context().dialect.name == "postgresql":
        op.alter_column("skus", "stock", server_default=None)
        op.alter_column("products", "stock_total", server_default=None)
    op.drop_table("sku_stock")  # its triggers go with it
    op.execute(BUMP)
