"""pricing: promotions

``promotions``: one row per promotion (PRO-2). The status, the level, the window, the priority,
the issuer, the target kind, the audience and the limits are columns of their own, for the live
index, PRO-3's check and the operators' list; the kind is its registered name and a JSON
document of its parameters; channels and the targeted and excluded ids are JSON lists. A partial
index finds the promotions that hold goods (scheduled or paused) by level.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 08:52:33.409356
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("params", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "scheduled",
                "active",
                "paused",
                "ended",
                name="promotion_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "starts_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("ends_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False),
        sa.Column("channels", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column(
            "audience_kind",
            sa.Enum(
                "everyone",
                "new_users",
                "member_level",
                "group",
                name="promotion_audience_kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("audience_min_level", sa.Integer(), nullable=True),
        sa.Column("audience_group", sa.Text(), nullable=True),
        sa.Column(
            "target_kind",
            sa.Enum(
                "sku",
                "spu",
                "category",
                "brand",
                "shop",
                "platform",
                name="promotion_target_kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("target_ids", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("excluded_skus", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("excluded_spus", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("per_user_limit", sa.Integer(), nullable=True),
        sa.Column("total_limit", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column(
            "issuer_kind",
            sa.Enum("platform", "shop", name="promotion_issuer_kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("issuer_shop_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
    )
    with op.batch_alter_table("promotions", schema=None) as batch_op:
        batch_op.create_index("ix_promotions_created_at", ["created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_promotions_holding_level",
            ["level", "ends_at"],
            unique=False,
            postgresql_where=sa.text("status IN ('paused', 'scheduled')"),
            sqlite_where=sa.text("status IN ('paused', 'scheduled')"),
        )
        batch_op.create_index("ix_promotions_issuer_shop_id", ["issuer_shop_id"], unique=False)
        batch_op.create_index(
            "ix_promotions_status_created_at", ["status", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("promotions", schema=None) as batch_op:
        batch_op.drop_index("ix_promotions_status_created_at")
        batch_op.drop_index("ix_promotions_issuer_shop_id")
        batch_op.drop_index(
            "ix_promotions_holding_level",
            postgresql_where=sa.text("status IN ('paused', 'scheduled')"),
            sqlite_where=sa.text("status IN ('paused', 'scheduled')"),
        )
        batch_op.drop_index("ix_promotions_created_at")

    op.drop_table("promotions")
