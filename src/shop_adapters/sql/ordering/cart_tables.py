"""Tables of carts and addresses (ORD-1).

- ``carts``: one per user (``user_id`` unique) or per guest (``token_digest`` unique: the
  SHA-256 of the token, never the token), when it was made and last changed (guest carts are
  purged by ``touched_at``).
- ``cart_lines``: per (cart, SKU), the quantity (a CHECK keeps it at 1 or more), whether it is
  selected for checkout, when it was added.
- ``address_books``: one per user; ``addresses``: its addresses (the phone canonical; personal
  data, deleted with the address); the book's aggregate keeps exactly one default.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Uuid,
)

from shop_adapters.sql.metadata import UtcDateTime, metadata

carts = Table(
    "carts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=True, unique=True),
    Column("token_digest", String(64), nullable=True, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("touched_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("(user_id IS NULL) <> (token_digest IS NULL)", name="owner"),
    Index("ix_carts_touched", "touched_at"),
)

cart_lines = Table(
    "cart_lines",
    metadata,
    Column(
        "cart_id",
        Uuid,
        ForeignKey("carts.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        primary_key=True,
    ),
    Column("sku_id", Uuid, primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("selected", Boolean, nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    CheckConstraint("quantity >= 1", name="quantity"),
)

address_books = Table(
    "address_books",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False, unique=True),
    Column("version", Integer, nullable=False),
)

addresses = Table(
    "addresses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "book_id",
        Uuid,
        ForeignKey("address_books.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
    Column("recipient", String(50), nullable=False),
    Column("phone", String(21), nullable=False),
    Column("province", String(6), nullable=False),
    Column("city", String(6), nullable=False),
    Column("district", String(6), nullable=False),
    Column("detail", String(200), nullable=False),
    Column("postcode", String(6), nullable=True),
    Column("is_default", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_addresses_book", "book_id"),
)

__all__ = ["address_books", "addresses", "cart_lines", "carts"]
