"""Tables of the loyalty context: points accounts, their lots, orders and entries (PTS-2..8).

- ``points_accounts``: one row per user: the figures (balance, pending, held, debt), how many
  entries were written (``seq``) and the version every change bumps — so one row lock
  serialises every change to an account, however many lots it has.
- ``points_lots``: one row per grant. ``spend_until`` is the expiry, or a far-future instant for
  points that never expire, so the lots an account spends next are the first rows of the
  partial index ``ix_points_lots_open`` (open lots, in spend order): a spend reads only the lots
  it takes, never the account's history. ``uq_points_lots_ref`` lets an account hold one lot
  per (source, ref): one per check-in day, activity entry, review, order.
- ``points_orders``: per (account, order), what the order held and spent lot by lot (JSON
  lists), earned, released, refunded and reversed, and the keys of its commands.
- ``points_check_ins``: per user, the runs of consecutive check-in days and the days made up
  (JSON lists of ISO dates).
- ``members`` and ``member_growth``: each member's growth and level (and verified phone, one
  member per number: ``uq_members_phone``), and every change of growth (append-only; once per
  source and ref, and once more for its revert).
- ``mall_items`` (a CHECK keeps the stock at zero or more whatever two writers do) and
  ``mall_redemptions`` (PTS-9).
- ``loyalty_programmes`` (one row: the programme in force, as a document, and its revision) and
  ``loyalty_programme_revisions`` (append-only: every revision operators set, who, when, why).
- ``points_entries``: the history, append-only (the migration adds triggers refusing UPDATE and
  DELETE on both backends), numbered per account.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Uuid,
    text,
)

from shop_adapters.sql.metadata import Json, UtcDateTime, metadata, value_enum
from shop_domain.loyalty.lots import EntryKind, Source
from shop_domain.loyalty.mall import RedemptionState
from shop_domain.loyalty.membership import GrowthSource

NEVER = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
"""``spend_until`` of points that never expire."""


def _account(*, primary_key: bool = False) -> Column[Any]:
    """The account a row belongs to (checked at commit: rows may reach the table in any order)."""
    return Column(
        "account_id",
        Uuid,
        ForeignKey("points_accounts.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        primary_key=primary_key,
        nullable=False,
    )


points_accounts = Table(
    "points_accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("balance", BigInteger, nullable=False),
    Column("pending", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False),
    Column("debt", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("pending >= 0 AND held >= 0 AND debt >= 0", name="figures"),
)

points_lots = Table(
    "points_lots",
    metadata,
    Column("id", Uuid, primary_key=True),
    _account(),
    Column("source", value_enum(Source, "points_source", 24), nullable=False),
    Column("granted", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("granted_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("spend_until", UtcDateTime, nullable=False),
    Column("ref", String(100), nullable=True),
    Column("expired", Boolean, nullable=False),
    CheckConstraint("remaining >= 0 AND remaining <= granted", name="remaining"),
    Index(
        "ix_points_lots_open",
        "account_id",
        "spend_until",
        "granted_at",
        "id",
        postgresql_where=text("remaining > 0"),
        sqlite_where=text("remaining > 0"),
    ),
    Index(
        "ix_points_lots_due",
        "spend_until",
        postgresql_where=text("remaining > 0"),
        sqlite_where=text("remaining > 0"),
    ),
    # one lot per (source, ref): a check-in day, an activity entry, a review, an order
    Index(
        "uq_points_lots_ref",
        "account_id",
        "source",
        "ref",
        unique=True,
        postgresql_where=text("ref IS NOT NULL"),
        sqlite_where=text("ref IS NOT NULL"),
    ),
)

points_check_ins = Table(
    "points_check_ins",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False, unique=True),
    Column("runs", Json, nullable=False),
    Column("made_up", Json, nullable=False),
    Column("version", Integer, nullable=False),
)

points_orders = Table(
    "points_orders",
    metadata,
    _account(primary_key=True),
    Column("order_id", Uuid, primary_key=True),
    Column("hold_parts", Json, nullable=False),
    Column("spent_parts", Json, nullable=False),
    Column("held", BigInteger, nullable=False),
    Column("captured", Boolean, nullable=False),
    Column("earned", BigInteger, nullable=False),
    Column("paid", BigInteger, nullable=False),
    Column("released", Boolean, nullable=False),
    Column("lot_id", Uuid, nullable=True),
    Column("refunded", BigInteger, nullable=False),
    Column("reversed", BigInteger, nullable=False),
    Column("forgiven", BigInteger, nullable=False),
    Column("forfeited", BigInteger, nullable=False),
    Column("keys", Json, nullable=False),
)

points_entries = Table(
    "points_entries",
    metadata,
    _account(primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("kind", value_enum(EntryKind, "points_entry_kind", 24), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("pending", BigInteger, nullable=False),
    Column("pending_after", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False),
    Column("held_after", BigInteger, nullable=False),
    Column("lot_id", Uuid, nullable=True),
    Column("order_id", Uuid, nullable=True),
    Column("key", String(100), nullable=True),
    Column("reason", String(500), nullable=True),
    Column("actor", String(200), nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("growth", BigInteger, nullable=False),
    Column("level", Integer, nullable=False),
    Column("photos", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("evaluated_at", UtcDateTime, nullable=True),
    Column("phone", String(32), nullable=True),
    Column("phone_verified_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    # operators' lists: a level's members, the most growth first
    Index("ix_members_level_growth", "level", "growth"),
    # the re-evaluation job's scan: members above the first level, least recently evaluated
    Index(
        "ix_members_evaluation",
        "evaluated_at",
        postgresql_where=text("level > 0"),
        sqlite_where=text("level > 0"),
    ),
    # one verified phone belongs to one member at most (decision 0037)
    Index(
        "uq_members_phone",
        "phone",
        unique=True,
        postgresql_where=text("phone IS NOT NULL"),
        sqlite_where=text("phone IS NOT NULL"),
    ),
)

member_growth = Table(
    "member_growth",
    metadata,
    Column(
        "member_id",
        Uuid,
        ForeignKey("members.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        primary_key=True,
    ),
    Column("seq", BigInteger, primary_key=True),
    Column("source", value_enum(GrowthSource, "growth_source", 24), nullable=False),
    Column("ref", String(100), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("key", String(100), nullable=False),
    # what earned growth earns it once (key ""); each take-back names its key, once
    Index("uq_member_growth_ref", "member_id", "source", "ref", "key", unique=True),
    Index("ix_member_growth_window", "member_id", "at"),
)

mall_items = Table(
    "mall_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("cash_minor", BigInteger, nullable=True),
    Column("cash_currency", String(3), nullable=True),
    Column("stock", Integer, nullable=False),
    Column("low_stock", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("stock >= 0", name="stock"),
)

mall_redemptions = Table(
    "mall_redemptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column(
        "item_id",
        Uuid,
        ForeignKey("mall_items.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
    Column("quantity", Integer, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("cash_minor", BigInteger, nullable=True),
    Column("cash_currency", String(3), nullable=True),
    Column("state", value_enum(RedemptionState, "redemption_state", 24), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_mall_redemptions_user", "user_id", "created_at"),
)

loyalty_programmes = Table(
    "loyalty_programmes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("programme", Json, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("changed_at", UtcDateTime, nullable=True),
    Column("changed_by", String(200), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("version", Integer, nullable=False),
)

loyalty_programme_revisions = Table(
    "loyalty_programme_revisions",
    metadata,
    Column(
        "programme_id",
        Uuid,
        ForeignKey(
            "loyalty_programmes.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"
        ),
        primary_key=True,
    ),
    Column("revision", Integer, primary_key=True),
    Column("document", Json, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("changed_by", String(200), nullable=False),
    Column("reason", String(500), nullable=False),
)

__all__ = [
    "NEVER",
    "loyalty_programme_revisions",
    "loyalty_programmes",
    "mall_items",
    "mall_redemptions",
    "member_growth",
    "members",
    "points_accounts",
    "points_check_ins",
    "points_entries",
    "points_lots",
    "points_orders",
]
