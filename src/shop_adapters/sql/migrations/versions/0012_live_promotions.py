"""pricing: the live promotions' feed, and customer facts

``promotion_feed`` (one row, its ``seq``) and ``promotion_changes`` (the promotion of each
``seq``), fed by triggers on ``promotions`` — deferred to COMMIT on PostgreSQL, so numbers are
handed out in commit order (ADR 0034). ``pricing_customer_facts``: what operators set of a
customer for promotions' audiences.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata
from shop_adapters.sql.pricing.live_tables import (
    drop_statements,
    first_row_statement,
    trigger_statements,
)

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotion_feed",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_feed")),
    )
    op.create_table(
        "promotion_changes",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_promotion_changes")),
    )
    op.create_table(
        "pricing_customer_facts",
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("new_user", sa.Boolean(), nullable=False),
        sa.Column("member_level", sa.Integer(), nullable=False),
        sa.Column("groups", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column(
            "updated_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_pricing_customer_facts")),
    )
    dialect = op.get_context().dialect.name
    for statement in [*trigger_statements(dialect), first_row_statement(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements(op.get_context().dialect.name):
        op.execute(statement)
    op.drop_table("pricing_customer_facts")
    op.drop_table("promotion_changes")
    op.drop_table("promotion_feed")
