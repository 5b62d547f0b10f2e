"""ordering: the order statistics' projection (ORD-10, decision 0044)

``order_stats_days`` (per day in the statistics' zone, channel, currency and slot: orders
submitted and paid, GMV, refunds; the day's ISO week and month) and ``order_stats_payers`` (one
row per day, channel, currency and paying customer). Both start empty: the orders of 0021 are
new on the same branch, so there is nothing to count back.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 22:24:20.025851
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_stats_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("slot", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("submitted", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("gmv_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "submitted >= 0 AND paid >= 0 AND gmv_minor >= 0 AND refunded_minor >= 0",
            name=op.f("ck_order_stats_days_figures"),
        ),
        sa.PrimaryKeyConstraint(
            "day", "channel", "currency", "slot", name=op.f("pk_order_stats_days")
        ),
    )
    op.create_table(
        "order_stats_payers",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "channel", "currency", "user_id", name=op.f("pk_order_stats_payers")
        ),
    )


def downgrade() -> None:
    op.drop_table("order_stats_payers")
    op.drop_table("order_stats_days")
