"""gift-card key checks: a check value per key id, and cards findable by the key that sealed them

``giftcard_key_checks`` holds, per key id, the check value that proves a key is the one that
sealed this shop's secrets (GC-11). It starts empty: key ids already sealing cards are found
through the new index ``ix_giftcards_secret_key_id``, and the first start with the right key
proves it by opening one of those secrets, then records its check value.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "giftcard_key_checks",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("check_value", sa.LargeBinary(), nullable=False),
        sa.Column(
            "recorded_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_giftcard_key_checks")),
    )
    with op.batch_alter_table("giftcards", schema=None) as batch_op:
        batch_op.create_index("ix_giftcards_secret_key_id", ["secret_key_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("giftcards", schema=None) as batch_op:
        batch_op.drop_index("ix_giftcards_secret_key_id")
    op.drop_table("giftcard_key_checks")
