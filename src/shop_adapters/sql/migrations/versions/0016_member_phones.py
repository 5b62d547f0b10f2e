"""loyalty: a member's verified phone (MEM, GC-5; decision 0037)

``members`` gains ``phone`` (canonical, ``+`` and digits) and ``phone_verified_at``; the
partial unique index ``uq_members_phone`` lets one member at most hold a number.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD = sa.text("phone IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column(
                "phone_verified_at",
                shop_adapters.sql.metadata.UtcDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_index(
            "uq_members_phone", ["phone"], unique=True, postgresql_where=HELD, sqlite_where=HELD
        )


def downgrade() -> None:
    # no table is rebuilt on SQLite (``recreate="never"``: ALTER TABLE … DROP COLUMN): dropping
    # ``members`` to rebuild it would cascade to its growth history
    with op.batch_alter_table("members", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("uq_members_phone", postgresql_where=HELD, sqlite_where=HELD)
        batch_op.drop_column("phone_verified_at")
        batch_op.drop_column("phone")
