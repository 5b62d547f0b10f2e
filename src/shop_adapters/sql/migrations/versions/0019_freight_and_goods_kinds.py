"""freight templates and shop rules (SHP-1); products get a goods kind, existing ones physical

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 22:12:47.154362
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "freight_templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("charging", sa.String(length=32), nullable=False),
        sa.Column("default_rate", shop_adapters.sql.metadata.Json(), nullable=True),
        sa.Column("region_rates", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("free", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_templates")),
    )
    with op.batch_alter_table("freight_templates", schema=None) as batch_op:
        batch_op.create_index("ix_freight_templates_shop", ["shop_id"], unique=False)

    op.create_table(
        "shop_freight_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("default_rate", shop_adapters.sql.metadata.Json(), nullable=True),
        sa.Column("region_rates", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column(
            "combine",
            sa.Enum("sum", "max", name="freight_combine", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_freight_rules")),
    )
    # a plain ADD COLUMN (no batch: rebuilding the table on SQLite would drop its freshness
    # triggers, ADR 0026); every product so far is physical goods
    op.add_column(
        "products",
        sa.Column(
            "kind",
            sa.Enum(
                "physical",
                "virtual",
                "cross_border",
                name="goods_kind",
                native_enum=False,
                length=16,
            ),
            server_default="physical",
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("products", "kind")

    op.drop_table("shop_freight_rules")
    with op.batch_alter_table("freight_templates", schema=None) as batch_op:
        batch_op.drop_index("ix_freight_templates_shop")

    op.drop_table("freight_templates")
