"""The statements ``SpendGiftCards`` sends for one spend, sent with bare asyncpg.

This is the "same statements" baseline of ``giftcard_spends.py``: per spend one transaction of
the advisory lock on the order, the order's usages locked, the card locked, its batch read, the
usage inserted, the card's versioned UPDATE, the operation-history row and the outbox row —
what the statement-count test of the spend (tests/integration/test_statement_counts.py) pins
for ours. Parameters are worked out the same way (the card's balance and version as locked, the
event and history payloads as JSON), with no framework in between.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from shop_adapters.sql.giftcards.tables import giftcard_batches, giftcard_usages, giftcards
from shop_domain.shared.ids import new_id


def _columns(table: Any) -> str:
    return ", ".join(column.name for column in table.c)


ADVISORY_SPACE = 0x6763
LOCK = "SELECT pg_advisory_xact_lock($1::integer, $2)"
SELECT_USAGES = (
    f"SELECT {_columns(giftcard_usages)} FROM giftcard_usages "
    "WHERE order_id = $1 ORDER BY id FOR UPDATE"
)
SELECT_CARDS = (
    f"SELECT {_columns(giftcards)} FROM giftcards WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"
)
SELECT_BATCH = f"SELECT {_columns(giftcard_batches)} FROM giftcard_batches WHERE id = $1"
INSERT_USAGE = (
    f"INSERT INTO giftcard_usages ({_columns(giftcard_usages)}) VALUES "
    f"({', '.join(f'${i}' for i in range(1, len(giftcard_usages.c) + 1))})"
)
UPDATE_CARD = "UPDATE giftcards SET balance_minor = $1, version = $2 WHERE id = $3 AND version = $4"
INSERT_OPERATION = (
    "INSERT INTO giftcard_operations (id, batch_id, card_id, number, action, actor, at, detail) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)"
)
INSERT_OUTBOX = (
    "INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, occurred_at, "
    "created_at, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, 0, $7)"
)


def _lock_key(order_id: uuid.UUID) -> int:
    digest = hashlib.blake2b(f"giftcards.order:{order_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def same_statements(pool: asyncpg.Pool) -> Callable[[Any, int], Awaitable[None]]:
    """A spend of ``amount`` from ``card`` (``giftcard_spends.Card``) in our statements."""

    async def spend(card: Any, amount: int) -> None:
        order_id, usage_id = new_id(), new_id()
        actor = f"user:{card.user_id}"
        now = dt.datetime.now(dt.UTC)
        async with pool.acquire() as conn, conn.transaction():
            await conn.fetch(LOCK, ADVISORY_SPACE, _lock_key(order_id))
            if await conn.fetch(SELECT_USAGES, order_id):
                raise RuntimeError("the order was paid already")
            locked = await conn.fetch(SELECT_CARDS, [card.id])
            row = locked[0]
            await conn.fetchrow(SELECT_BATCH, row["batch_id"])
            balance, version = row["balance_minor"], row["version"]
            if balance < amount or row["user_id"] != card.user_id:
                raise RuntimeError("the card cannot pay this")
            usage = {
                "id": usage_id,
                "card_id": card.id,
                "batch_id": row["batch_id"],
                "number": row["number"],
                "user_id": card.user_id,
                "order_id": order_id,
                "amount_minor": amount,
                "restored_minor": 0,
                "currency": "CNY",
                "state": "valid",
                "restore_keys": "[]",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }  # by name: a column added later (the phone, issue 13) is NULL here as in ours
            await conn.execute(INSERT_USAGE, *(usage.get(c.name) for c in giftcard_usages.c))
            left_minor = balance - amount
            status = await conn.execute(UPDATE_CARD, left_minor, version + 1, card.id, version)
            if status != "UPDATE 1":
                raise RuntimeError("stale card")
            money = {"minor": amount, "currency": "CNY"}
            left = {"minor": left_minor, "currency": "CNY"}
            event = {
                "occurred_at": now.isoformat(),
                "batch_id": str(row["batch_id"]),
                "actor": actor,
                "card_id": str(card.id),
                "number": row["number"],
                "usage_id": str(usage_id),
                "order_id": str(order_id),
                "amount": money,
                "balance": left,
            }
            detail = {k: event[k] for k in ("usage_id", "order_id", "amount", "balance")}
            await conn.execute(
                INSERT_OPERATION,
                new_id(),
                row["batch_id"],
                card.id,
                row["number"],
                "spend",
                actor,
                now,
                json.dumps(detail),
            )
            await conn.execute(
                INSERT_OUTBOX,
                new_id(),
                "giftcards.card_spent",
                "GiftCard",
                str(card.id),
                json.dumps(event),
                now,
                now,
            )

    return spend
