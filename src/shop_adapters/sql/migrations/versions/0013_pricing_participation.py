"""pricing: the participation log (PRO-7)

``promotion_participations``: one row per (order, promotion) — recording an order again adds
nothing — with the user, when it was recorded and when released (the order cancelled).
``promotion_participation_totals`` and ``promotion_participation_user_counts``: the entries that
count, per promotion with a total limit and per (promotion, user) with a per-user limit; a
participation is taken by a conditional upsert of these rows, which keeps the limits exact under
concurrency (see ``shop_adapters.sql.pricing.participation``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:04:43.973653
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotion_participation_totals",
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions.id"],
            name=op.f("fk_promotion_participation_totals_promotion_id_promotions"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("promotion_id", name=op.f("pk_promotion_participation_totals")),
    )
    op.create_table(
        "promotion_participation_user_counts",
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions.id"],
            name=op.f("fk_promotion_participation_user_counts_promotion_id_promotions"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint(
            "promotion_id", "user_id", name=op.f("pk_promotion_participation_user_counts")
        ),
    )
    op.create_table(
        "promotion_participations",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "recorded_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "released_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions.id"],
            name=op.f("fk_promotion_participations_promotion_id_promotions"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint(
            "order_id", "promotion_id", name=op.f("pk_promotion_participations")
        ),
    )
    with op.batch_alter_table("promotion_participations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_promotion_participations_promotion_id",
            ["promotion_id", "recorded_at", "order_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_promotion_participations_promotion_user", ["promotion_id", "user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("promotion_participations", schema=None) as batch_op:
        batch_op.drop_index("ix_promotion_participations_promotion_user")
        batch_op.drop_index("ix_promotion_participations_promotion_id")

    op.drop_table("promotion_participations")
    op.drop_table("promotion_participation_user_counts")
    op.drop_table("promotion_participation_totals")
