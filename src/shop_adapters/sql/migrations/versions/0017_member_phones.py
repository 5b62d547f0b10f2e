"""members' verified phones, and the gift cards bound to them (MEM, GC-5; decision 0037)

- ``members`` gains ``phone`` (canonical: ``+`` and digits) and ``phone_verified_at``; the
  partial unique index ``uq_members_phone`` lets one member at most hold a number.
- ``giftcards.phone`` becomes canonical too (the numbers operators bound cards to are rewritten
  with :func:`shop_domain.shared.phones.normalize_phone`; one that is not a number is left as it
  was and matches no member), and the partial index ``ix_giftcards_phone_activated_at`` finds a
  member's cards by their number.
- ``giftcard_usages`` gains ``phone``: the verified phone a payment with a phone-bound card was
  made through.

The activation records (append-only) keep the numbers as they were typed.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata
from shop_domain.shared.phones import InvalidPhoneNumber, normalize_phone

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD = sa.text("phone IS NOT NULL")
CARDS = sa.table("giftcards", sa.column("id", sa.Uuid()), sa.column("phone", sa.String(32)))


def _canonical_card_phones() -> None:
    bind = op.get_bind()
    bound = bind.execute(sa.select(CARDS.c.id, CARDS.c.phone).where(CARDS.c.phone.is_not(None)))
    for card_id, typed in bound.all():
        try:
            canonical = normalize_phone(typed)
        except InvalidPhoneNumber:
            continue
        if canonical != typed:
            bind.execute(CARDS.update().where(CARDS.c.id == card_id).values(phone=canonical))


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
    with op.batch_alter_table("giftcard_usages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
    _canonical_card_phones()
    with op.batch_alter_table("giftcards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_giftcards_phone_activated_at",
            ["phone", "activated_at"],
            unique=False,
            postgresql_where=HELD,
            sqlite_where=HELD,
        )


def downgrade() -> None:
    # no table is rebuilt on SQLite (``recreate="never"``: ALTER TABLE … DROP COLUMN): dropping
    # ``members`` to rebuild it would cascade to its growth history
    with op.batch_alter_table("giftcards", schema=None, recreate="never") as batch_op:
        batch_op.drop_index(
            "ix_giftcards_phone_activated_at", postgresql_where=HELD, sqlite_where=HELD
        )
    with op.batch_alter_table("giftcard_usages", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("phone")
    with op.batch_alter_table("members", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("uq_members_phone", postgresql_where=HELD, sqlite_where=HELD)
        batch_op.drop_column("phone_verified_at")
        batch_op.drop_column("phone")
