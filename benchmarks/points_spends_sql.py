"""The baseline of ``points_spends.py``: a points spend as the same statements ``ours`` sends
(read with the statement recorder), written by hand on raw asyncpg — the account locked by its
user, the order looked up, the first page of open lots in spend order, the lots it takes
updated, the account's versioned UPDATE, the order row, one entry per lot, one outbox row, one
commit. The decisions are the least that keeps the books: take the soonest lots first, refuse
more than the balance."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

LOCK_ACCOUNT = "SELECT id, balance, seq, version FROM points_accounts WHERE user_id = $1 FOR UPDATE"
ORDER = "SELECT order_id FROM points_orders WHERE account_id = $1 AND order_id = ANY($2::uuid[])"
OPEN_LOTS = (
    "SELECT id, remaining, expires_at FROM points_lots WHERE account_id = $1 AND remaining > 0 "
    "ORDER BY spend_until, granted_at, id LIMIT 100"
)
UPDATE_ACCOUNT = (
    "UPDATE points_accounts SET balance = $1, seq = $2, version = $3 WHERE id = $4 AND version = $5"
)
UPDATE_LOT = "UPDATE points_lots SET remaining = $1 WHERE id = $2"
INSERT_ORDER = (
    "INSERT INTO points_orders (account_id, order_id, hold_parts, spent_parts, held, captured, "
    "earned, paid, released, lot_id, refunded, reversed, forgiven, forfeited, keys) "
    "VALUES ($1, $2, '[]', $3, 0, false, 0, 0, false, NULL, 0, 0, 0, 0, $4)"
)
INSERT_ENTRY = (
    "INSERT INTO points_entries (account_id, seq, kind, at, points, balance_after, pending, "
    "pending_after, held, held_after, lot_id, order_id, key, reason, actor) "
    "VALUES ($1, $2, 'spend', $3, $4, $5, 0, 0, 0, 0, $6, $7, 'pay', NULL, 'system')"
)
INSERT_OUTBOX = (
    "INSERT INTO outbox (id, type, version, aggregate_type, aggregate_id, payload, occurred_at, "
    "created_at, attempts, next_attempt_at) "
    "VALUES ($1, 'loyalty.points_spent', 1, 'loyalty.points_account', $2, $3, $4, $4, 0, $4)"
)


def same_statements(
    pool: asyncpg.Pool, new_id: Callable[[], uuid.UUID]
) -> Callable[[uuid.UUID, int], Awaitable[None]]:
    async def spend(user_id: uuid.UUID, points: int) -> None:
        order_id, now = new_id(), dt.datetime.now(dt.UTC)
        async with pool.acquire() as conn, conn.transaction():
            account = await conn.fetchrow(LOCK_ACCOUNT, user_id)
            if await conn.fetch(ORDER, account["id"], [order_id]):
                return
            lots = await conn.fetch(OPEN_LOTS, account["id"])
            if points > account["balance"]:
                raise RuntimeError("insufficient points")
            taken: list[tuple[Any, int]] = []
            need = points
            for lot in lots:
                part = min(need, lot["remaining"])
                taken.append((lot, part))
                need -= part
                if not need:
                    break
            balance, seq = account["balance"], account["seq"]
            entries = []
            for lot, part in taken:
                balance -= part
                seq += 1
                entries.append((account["id"], seq, now, -part, balance, lot["id"], order_id))
            await conn.execute(
                UPDATE_ACCOUNT,
                balance,
                seq,
                account["version"] + 1,
                account["id"],
                account["version"],
            )
            for lot, part in taken:
                await conn.execute(UPDATE_LOT, lot["remaining"] - part, lot["id"])
            parts = [[str(lot["id"]), part, None, 0] for lot, part in taken]
            keys = {"spend:pay": [["spend", [points]], points]}
            await conn.execute(
                INSERT_ORDER, account["id"], order_id, json.dumps(parts), json.dumps(keys)
            )
            await conn.executemany(INSERT_ENTRY, entries)
            payload = {
                "account_id": str(account["id"]),
                "user_id": str(user_id),
                "points": points,
                "balance_after": balance,
                "pending_after": 0,
                "held_after": 0,
                "order_id": str(order_id),
            }
            await conn.execute(
                INSERT_OUTBOX, new_id(), str(account["id"]), json.dumps(payload), now
            )

    return spend


__all__ = ["same_statements"]
