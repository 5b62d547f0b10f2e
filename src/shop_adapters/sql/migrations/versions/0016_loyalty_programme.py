"""loyalty: the points programme as operators set it (PTS-1..4, MEM-1..3)

``loyalty_programmes`` (one row: the programme in force as a document, its revision, who set
it, when and why) and ``loyalty_programme_revisions`` (every revision; append-only: triggers
refuse UPDATE and DELETE on both backends); ``ix_members_level_growth`` for operators' lists of
a level's members.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata
from shop_adapters.sql.append_only import append_only, no_longer_append_only

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORY = "loyalty_programme_revisions"


def _postgres() -> bool:
    return bool(op.get_context().dialect.name == "postgresql")


def upgrade() -> None:
    op.create_table(
        "loyalty_programmes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("programme", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "changed_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_programmes")),
    )
    op.create_table(
        HISTORY,
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("document", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column(
            "changed_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["loyalty_programmes.id"],
            name=op.f("fk_loyalty_programme_revisions_programme_id_loyalty_programmes"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint(
            "programme_id", "revision", name=op.f("pk_loyalty_programme_revisions")
        ),
    )
    for statement in append_only(HISTORY, postgres=_postgres()):
        op.execute(statement)
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index("ix_members_level_growth", ["level", "growth"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_level_growth")
    for statement in no_longer_append_only(HISTORY, postgres=_postgres()):
        op.execute(statement)
    op.drop_table(HISTORY)
    op.drop_table("loyalty_programmes")
