"""one-time codes: the one_time_codes table of the kernel's SMS verification codes

One row per (purpose, subject): the latest code as a salted HMAC-SHA-256 (never in clear,
SEC-3), the masked phone it was sent to, its expiry, wrong attempts and when it was used (see
shop_app.shared.otp; first used by the gift-card export, GC-12).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:17:08.139621
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "one_time_codes",
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(), nullable=False),
        sa.Column("phone_masked", sa.String(length=32), nullable=False),
        sa.Column(
            "issued_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_one_time_codes_attempts")),
        sa.PrimaryKeyConstraint("purpose", "subject", name=op.f("pk_one_time_codes")),
    )


def downgrade() -> None:
    op.drop_table("one_time_codes")
