"""Tables of the messaging kernel: the transactional outbox, the consumers' inbox, and the
idempotency store of commands (SEC-5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
)

from shop_adapters.sql.metadata import Json, UtcDateTime, metadata
from shop_app.shared.ports import OutboxMessage

# ``position`` keeps the order events were written in. BigInteger needs a variant on SQLite,
# where only INTEGER PRIMARY KEY auto-increments.
outbox = Table(
    "outbox",
    metadata,
    Column(
        "position",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("id", Uuid, nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    # the integration event's contract version (``type`` + ``version`` name its schema)
    Column("version", Integer, nullable=False, server_default="1"),
    Column("aggregate_type", String(100), nullable=False),
    Column("aggregate_id", String(100), nullable=False),
    Column("payload", Json, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
)
# the relay's scan: unsent rows in ``position`` order (the due ones among them are nearly all of
# them; rows waiting for a retry are few). Ordered by position, a batch reads only the rows it
# takes, however many were sent before it (migration 0009; ADR 0025).
Index(
    "ix_outbox_unsent",
    outbox.c.position,
    postgresql_where=outbox.c.sent_at.is_(None),
    sqlite_where=outbox.c.sent_at.is_(None),
)
# the retention purge: sent rows, oldest first (unsent rows are never purged)
Index(
    "ix_outbox_sent",
    outbox.c.sent_at,
    postgresql_where=outbox.c.sent_at.is_not(None),
    sqlite_where=outbox.c.sent_at.is_not(None),
)

# A consumer records each message id it handled in the same transaction as its effects, so a
# redelivered message changes nothing twice.
inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(200), nullable=False),
    Column("message_id", Uuid, nullable=False),
    Column("handled_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("consumer", "message_id"),
)
Index("ix_inbox_handled_at", inbox.c.handled_at)  # the retention purge

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(300), nullable=False),
    Column("key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("result", Json, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("scope", "key"),
)
Index("ix_idempotency_keys_created_at", idempotency_keys.c.created_at)  # the retention purge


def new_outbox_rows(messages: Sequence[OutboxMessage], now: dt.datetime) -> list[dict[str, Any]]:
    """The ``outbox`` rows of ``messages`` written at ``now``, due at once."""
    return [
        {
            "id": m.id,
            "type": m.type,
            "version": m.version,
            "aggregate_type": m.aggregate_type,
            "aggregate_id": m.aggregate_id,
            "payload": dict(m.payload),
            "occurred_at": m.occurred_at,
            "created_at": now,
            "next_attempt_at": now,
            "attempts": 0,
        }
        for m in messages
    ]
