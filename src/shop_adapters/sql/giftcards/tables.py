"""Tables of the gift-card context (GC-1..14).

- ``giftcard_batches``: every attribute of a batch a column of its own; the validity as
  ``starts_at``/``ends_at``/``days_from_activation``, the face value as minor units + currency.
- ``giftcards``: one row per card, written in bulk by the card store (a batch may hold
  millions). The number is unique across all batches; the sealed secret is its key id and blob
  (never readable without the key, GC-11). A CHECK keeps ``0 <= balance <= face value`` in the
  database itself, whatever two concurrent writers do. The indexes that only some cards need
  (sold cards by sale reference, bound cards by user or by phone, unsold cards) are partial, so
  that a million fresh cards are written into as few index entries as possible.
- ``giftcard_usages``: one row per card per order paid (GC-8); the order's tender split is three
  nullable minor columns and their currency, the restore keys a JSON list; for a card bound to
  a phone number, the verified phone it was paid through.
- ``giftcard_exports``: one row per export (GC-12); the sealed password is kept until the file is
  written.
- ``giftcard_key_checks``: per key id, the check value that proves a key is the one that sealed
  this shop's secrets (GC-11).
- ``giftcard_operations`` (GC-10) and ``giftcard_activations`` (GC-9): the ledger, append-only
  (the migration adds triggers refusing UPDATE and DELETE on both backends).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.engine.interfaces import Dialect

from shop_adapters.sql.metadata import Json, UtcDateTime, metadata, value_enum
from shop_domain.giftcards.batch import BatchState, CardKind, CreationMode
from shop_domain.giftcards.card import CardState, SalesState
from shop_domain.giftcards.export import ExportState
from shop_domain.giftcards.usage import UsageState


class UuidListJson(Json):
    """A list of UUIDs as a JSON array of strings (``None`` stays NULL)."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else [str(item) for item in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else [uuid.UUID(item) for item in value]


# --- batches (GC-1, GC-3, GC-13) --------------------------------------------------------------

giftcard_batches = Table(
    "giftcard_batches",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", value_enum(CardKind, "giftcard_kind"), nullable=False),
    Column("mode", value_enum(CreationMode, "giftcard_creation_mode"), nullable=False),
    Column("face_value_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("starts_at", UtcDateTime, nullable=True),
    Column("ends_at", UtcDateTime, nullable=True),
    Column("days_from_activation", Integer, nullable=True),
    Column("owner", String(200), nullable=False),
    Column("card_maker", String(200), nullable=True),
    Column("remark", String(500), nullable=False),
    Column("owner_phone", String(20), nullable=True),
    Column("number_prefix", String(8), nullable=False),
    Column("state", value_enum(BatchState, "giftcard_batch_state"), nullable=False),
    Column("requested", BigInteger, nullable=False),
    Column("generated", BigInteger, nullable=False),
    Column("announced", BigInteger, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)
# the operators' list: newest first, alone or by state
Index("ix_giftcard_batches_created_at", giftcard_batches.c.created_at, giftcard_batches.c.id)
Index(
    "ix_giftcard_batches_state_created_at",
    giftcard_batches.c.state,
    giftcard_batches.c.created_at,
)

# --- cards (GC-2, GC-4..8) --------------------------------------------------------------------


def _batch_fk() -> ForeignKey:
    """Checked at commit (deferred): cards given with a new batch are written (Core rows) before
    the flush writes the batch itself."""
    return ForeignKey("giftcard_batches.id", deferrable=True, initially="DEFERRED")


giftcards = Table(
    "giftcards",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("batch_id", Uuid, _batch_fk(), nullable=False),
    Column("number", String(32), nullable=False, unique=True),
    Column("secret_key_id", String(64), nullable=False),
    Column("secret_blob", LargeBinary, nullable=False),
    Column("face_value_minor", BigInteger, nullable=False),
    Column("balance_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("state", value_enum(CardState, "giftcard_state"), nullable=False),
    Column("sales_state", value_enum(SalesState, "giftcard_sales_state"), nullable=False),
    Column("buyer_id", Uuid, nullable=True),
    Column("sold_at", UtcDateTime, nullable=True),
    Column("sale_ref", String(200), nullable=True),
    Column("user_id", Uuid, nullable=True),
    Column("phone", String(32), nullable=True),
    Column("activated_at", UtcDateTime, nullable=True),
    Column("activated_by", String(200), nullable=True),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("discarded_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    # defence in depth: the domain never lets a balance leave 0..face value (GC-7, GC-8)
    CheckConstraint("balance_minor >= 0 AND balance_minor <= face_value_minor", name="balance"),
)
_c = giftcards.c
# a batch's cards by number: the card list, the export's keyset pages, the foreign key's index
Index("ix_giftcards_batch_id_number", _c.batch_id, _c.number)
# selling (GC-6): a batch's pending unsold cards, lowest number first
_UNSOLD = text("sales_state = 'unsold' AND state = 'pending'")
Index(
    "ix_giftcards_unsold",
    _c.batch_id,
    _c.number,
    postgresql_where=_UNSOLD,
    sqlite_where=_UNSOLD,
)
# a retried sale finds the cards its reference got
Index(
    "ix_giftcards_batch_id_sale_ref",
    _c.batch_id,
    _c.sale_ref,
    postgresql_where=_c.sale_ref.is_not(None),
    sqlite_where=_c.sale_ref.is_not(None),
)
# a user's cards, newest activation first
Index(
    "ix_giftcards_user_id_activated_at",
    _c.user_id,
    _c.activated_at,
    postgresql_where=_c.user_id.is_not(None),
    sqlite_where=_c.user_id.is_not(None),
)
# the cards bound to a phone number, newest activation first: a member's cards (GC-5)
Index(
    "ix_giftcards_phone_activated_at",
    _c.phone,
    _c.activated_at,
    postgresql_where=_c.phone.is_not(None),
    sqlite_where=_c.phone.is_not(None),
)
# a buyer's purchased cards (GC-6)
Index(
    "ix_giftcards_buyer_id",
    _c.buyer_id,
    postgresql_where=_c.buyer_id.is_not(None),
    sqlite_where=_c.buyer_id.is_not(None),
)
# which keys still seal cards (checked at every start, a few index probes per key id) and
# the cards a re-seal moves to the current key (GC-11)
Index("ix_giftcards_secret_key_id", _c.secret_key_id)

# --- usages (GC-8) ----------------------------------------------------------------------------

giftcard_usages = Table(
    "giftcard_usages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("card_id", Uuid, nullable=False),
    Column("batch_id", Uuid, nullable=False),
    Column("number", String(32), nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("order_id", Uuid, nullable=False),
    Column("sub_order_id", String(200), nullable=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("restored_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("state", value_enum(UsageState, "giftcard_usage_state", 24), nullable=False),
    Column("tender_cash_minor", BigInteger, nullable=True),
    Column("tender_points_minor", BigInteger, nullable=True),
    Column("tender_gift_cards_minor", BigInteger, nullable=True),
    Column("tender_currency", String(3), nullable=True),
    Column("restore_keys", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("phone", String(32), nullable=True),
    Column("version", Integer, nullable=False),
)
_u = giftcard_usages.c
Index("ix_giftcard_usages_order_id", _u.order_id)
Index("ix_giftcard_usages_card_id", _u.card_id)
Index("ix_giftcard_usages_user_id", _u.user_id)
Index("ix_giftcard_usages_batch_id_created_at", _u.batch_id, _u.created_at)
Index("ix_giftcard_usages_created_at", _u.created_at, _u.id)

# --- exports (GC-12) --------------------------------------------------------------------------

giftcard_exports = Table(
    "giftcard_exports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("batch_id", Uuid, nullable=False),
    Column("card_ids", UuidListJson, nullable=True),
    Column("password_key_id", String(64), nullable=True),
    Column("password_blob", LargeBinary, nullable=True),
    Column("state", value_enum(ExportState, "giftcard_export_state"), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("file_name", Text, nullable=True),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("error", String(500), nullable=True),
    Column("version", Integer, nullable=False),
)
Index(
    "ix_giftcard_exports_batch_id_created_at",
    giftcard_exports.c.batch_id,
    giftcard_exports.c.created_at,
)

# --- key checks (GC-11) ------------------------------------------------------------------------

# Per key id that ever sealed a secret here, a check value proving which key it is (HMAC-SHA256
# of a fixed label under the key; it reveals nothing about the key). See
# shop_app.giftcards.keyring: a start with a missing or different key is refused.
giftcard_key_checks = Table(
    "giftcard_key_checks",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("check_value", LargeBinary, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

# --- the ledger: operation history (GC-10) and activation records (GC-9) ----------------------

# Append-only: the application only inserts, and the migration adds triggers that refuse UPDATE
# and DELETE on both backends.
giftcard_operations = Table(
    "giftcard_operations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("batch_id", Uuid, nullable=False),
    Column("card_id", Uuid, nullable=True),
    Column("number", String(32), nullable=True),
    Column("action", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("detail", Json, nullable=False),
)
_o = giftcard_operations.c
Index("ix_giftcard_operations_batch_id_at", _o.batch_id, _o.at)
Index(
    "ix_giftcard_operations_card_id_at",
    _o.card_id,
    _o.at,
    postgresql_where=_o.card_id.is_not(None),
    sqlite_where=_o.card_id.is_not(None),
)
Index("ix_giftcard_operations_at", _o.at, _o.id)

giftcard_activations = Table(
    "giftcard_activations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("batch_id", Uuid, nullable=False),
    Column("card_id", Uuid, nullable=False),
    Column("number", String(32), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("user_id", Uuid, nullable=True),
    Column("phone", String(32), nullable=True),
    Column("via", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
_a = giftcard_activations.c
Index("ix_giftcard_activations_batch_id_at", _a.batch_id, _a.at)
Index(
    "ix_giftcard_activations_user_id_at",
    _a.user_id,
    _a.at,
    postgresql_where=_a.user_id.is_not(None),
    sqlite_where=_a.user_id.is_not(None),
)
Index("ix_giftcard_activations_number", _a.number)
Index("ix_giftcard_activations_card_id", _a.card_id)
Index("ix_giftcard_activations_at", _a.at, _a.id)
