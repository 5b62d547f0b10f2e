"""outbox: the relay's index in position order, and the integration event's version

- ``ix_outbox_unsent`` becomes ``(position) WHERE sent_at IS NULL``. The relay takes the oldest
  due rows; ordered by ``(next_attempt_at, position)`` the index could not give them in
  ``position`` order, so PostgreSQL walked the primary key instead and re-read every row sent
  before — each batch slower than the last (ADR 0025).
- ``version``: the contract version of the integration event a row carries (``type`` and
  ``version`` name its schema, ADR 0024). Rows written before are version 1.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSENT = sa.text("sent_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.drop_index("ix_outbox_unsent", postgresql_where=UNSENT, sqlite_where=UNSENT)
        batch_op.create_index(
            "ix_outbox_unsent",
            ["position"],
            unique=False,
            postgresql_where=UNSENT,
            sqlite_where=UNSENT,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unsent", postgresql_where=UNSENT, sqlite_where=UNSENT)
        batch_op.create_index(
            "ix_outbox_unsent",
            ["next_attempt_at", "position"],
            unique=False,
            postgresql_where=UNSENT,
            sqlite_where=UNSENT,
        )
        batch_op.drop_column("version")
