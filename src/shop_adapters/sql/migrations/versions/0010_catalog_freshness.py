"""catalog freshness: one stamp that every catalog write bumps, in its own transaction

``catalog_freshness`` holds one row whose ``stamp`` changes whenever a committed change touches
a catalog table: triggers on the eight catalog tables bump it (deferred to COMMIT and once per
transaction on PostgreSQL, per row on SQLite). Public catalog reads are reused while the stamp
is unchanged (ADR 0026). The row starts with a random stamp.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shop_adapters.sql.catalog.freshness import (
    drop_statements,
    first_row_statement,
    trigger_statements,
)

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "categories",
    "category_attributes",
    "front_categories",
    "front_category_links",
    "brands",
    "products",
    "skus",
    "product_attribute_values",
)


def upgrade() -> None:
    op.create_table(
        "catalog_freshness",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_freshness")),
    )
    dialect = op.get_context().dialect.name
    for statement in [*trigger_statements(dialect, TABLES), first_row_statement(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements(op.get_context().dialect.name, TABLES):
        op.execute(statement)
    op.drop_table("catalog_freshness")
