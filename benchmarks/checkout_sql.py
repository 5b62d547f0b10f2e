"""The baseline of ``checkout.py``: submit-and-pay of the same order written by hand on raw
asyncpg — the same rows, in the same four transactions as ``ours`` (read with the statement
recorder, ``shop_adapters.sql.driver.recording``), with the same row locks taken in the same
order, but none of ours' pricing (the rows' amounts are copied from an order ``ours`` made):

1. submission, in ours' order — the customer's own rows first, the rows every order shares
   last: the coupons held by the order and the coupon itself locked (``FOR UPDATE``); the points
   account locked by its user (``FOR UPDATE``) and its open lots read; then written: the order,
   its two children and five lines, the coupon's versioned UPDATE to ``locked`` and the
   template's statistics upsert, the account's and the lot's UPDATEs, the points order row and
   the hold entry; the promotion participation; the five stock items locked in one statement
   (``FOR UPDATE``, SKU order) and the order's reservations looked up in one more, the items'
   versioned UPDATEs and the reservation rows; the payment row; one outbox row per event (8);
   the projections' rows ours writes in the same transaction: the five SKUs' ``sku_stock``
   upserts (ADR 0045) and the day's order statistics upsert (submitted, decision 0044);
2. the payment-attempt count (PAY-6): one ``INSERT … ON CONFLICT DO UPDATE``;
3. starting the payment: the order and its payment locked (``FOR UPDATE``) and the customer's
   day of payments summed (PAY-6's daily limit);
4. the notification: the payment found by its number, the order, its payment, its coupons and
   the points account locked (``FOR UPDATE``), the order's, children's and payment's UPDATEs,
   the coupon's UPDATE to ``used``, its statistics upsert and usage-log row, the account's
   UPDATE (held captured, purchase points pending), the points order's UPDATE, two entries
   (capture, pending), the day's order statistics upsert (paid, GMV) and the paying customer's
   row of the day, one outbox row per event (5).

Ours locks the points account twice in (4) (once per loyalty step) and reads the coupon
template, the points order, the participation and the promotions in (1) and the order's
children, lines and refunds in (3) and (4) without locking them: the baseline leaves those out.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
import zoneinfo
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import asyncpg
import attrs

SLOTS = 8  # shop_adapters.sql.coupons.tables.STATS_SLOTS, and the order statistics' slots
ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")  # the statistics' default time zone
SKU_STOCK = (
    "INSERT INTO sku_stock (sku_id, warehouse_id, available) VALUES ($1, $2, $3) "
    "ON CONFLICT (sku_id, warehouse_id) DO UPDATE SET available = excluded.available"
)
ORDER_STATS = (
    "INSERT INTO order_stats_days (day, channel, currency, slot, week, month, submitted, paid, "
    "gmv_minor, refunded_minor) VALUES ($1, 'app', 'CNY', $2, $3, $4, $5, $6, $7, 0) "
    "ON CONFLICT (day, channel, currency, slot) DO UPDATE SET "
    "submitted = order_stats_days.submitted + excluded.submitted, "
    "paid = order_stats_days.paid + excluded.paid, "
    "gmv_minor = order_stats_days.gmv_minor + excluded.gmv_minor, "
    "refunded_minor = order_stats_days.refunded_minor + excluded.refunded_minor"
)
PAYER = (
    "INSERT INTO order_stats_payers (day, channel, currency, user_id, week, month) "
    "VALUES ($1, 'app', 'CNY', $2, $3, $4) ON CONFLICT DO NOTHING"
)


def _day(now: dt.datetime) -> tuple[dt.date, dt.date, dt.date]:
    """The statistics' day of ``now``, its week's Monday and its month's first day."""
    day = now.astimezone(ZONE).date()
    return day, day - dt.timedelta(days=day.weekday()), day.replace(day=1)


@attrs.frozen
class Shape:
    """The rows of one order ``ours`` made and paid, copied with new ids by the baseline."""

    order: Mapping[str, Any]
    children: Sequence[Mapping[str, Any]]
    lines: Sequence[Mapping[str, Any]]
    payment: Mapping[str, Any]
    template_id: uuid.UUID
    promotion_id: uuid.UUID
    points: int
    earned: int


@attrs.frozen
class Customer:
    user_id: uuid.UUID
    coupons: list[uuid.UUID]


def _insert(table: str, columns: Sequence[str]) -> str:
    marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


LOCK_STOCK_ALL = (
    "SELECT id, sku_id, warehouse_id, on_hand, reserved, version FROM stock_items "
    "WHERE sku_id = ANY($1::uuid[]) AND warehouse_id = ANY($2::uuid[]) "
    "ORDER BY sku_id, warehouse_id FOR UPDATE"
)
RESERVATIONS = (
    "SELECT stock_id, quantity FROM stock_reservations "
    "WHERE stock_id = ANY($1::uuid[]) AND order_id = $2"
)
UPDATE_STOCK = "UPDATE stock_items SET reserved = $1, version = $2 WHERE id = $3 AND version = $4"
INSERT_RESERVATION = (
    "INSERT INTO stock_reservations (stock_id, order_id, quantity, state, at) "
    "VALUES ($1, $2, $3, 'held', $4)"
)
COUPONS_OF_ORDER = (
    "SELECT id FROM coupons WHERE order_id = $1 AND state IN ('locked', 'used') "
    "ORDER BY id FOR UPDATE"
)
LOCK_COUPON = "SELECT id, state, version FROM coupons WHERE id = ANY($1::uuid[]) FOR UPDATE"
UPDATE_COUPON_LOCKED = (
    "UPDATE coupons SET state = 'locked', order_id = $1, locked_at = $2, version = $3 "
    "WHERE id = $4 AND version = $5"
)
STATS = (
    "INSERT INTO coupon_stats (template_id, slot, issued, claimed, available, locked, used, "
    "expired, voided, discount_minor, gmv_minor, orders, distinct_users) "
    "VALUES ($1, $2, 0, 0, $3, $4, $5, 0, 0, $6, $7, $8, 0) ON CONFLICT (template_id, slot) "
    "DO UPDATE SET available = coupon_stats.available + excluded.available, "
    "locked = coupon_stats.locked + excluded.locked, used = coupon_stats.used + excluded.used, "
    "discount_minor = coupon_stats.discount_minor + excluded.discount_minor, "
    "gmv_minor = coupon_stats.gmv_minor + excluded.gmv_minor, "
    "orders = coupon_stats.orders + excluded.orders"
)
LOCK_ACCOUNT = (
    "SELECT id, balance, pending, held, seq, version FROM points_accounts "
    "WHERE user_id = $1 FOR UPDATE"
)
OPEN_LOTS = (
    "SELECT id, remaining, spend_until FROM points_lots WHERE account_id = $1 AND remaining > 0 "
    "ORDER BY spend_until, granted_at, id LIMIT 100"
)
HOLD_ACCOUNT = (
    "UPDATE points_accounts SET balance = $1, held = $2, seq = $3, version = $4 "
    "WHERE id = $5 AND version = $6"
)
UPDATE_LOT = "UPDATE points_lots SET remaining = $1 WHERE id = $2"
INSERT_POINTS_ORDER = (
    "INSERT INTO points_orders (account_id, order_id, hold_parts, spent_parts, held, captured, "
    "earned, paid, released, lot_id, refunded, reversed, forgiven, forfeited, keys) "
    "VALUES ($1, $2, $3, '[]', $4, false, 0, 0, false, NULL, 0, 0, 0, 0, $5)"
)
INSERT_ENTRY = (
    "INSERT INTO points_entries (account_id, seq, kind, at, points, balance_after, pending, "
    "pending_after, held, held_after, lot_id, order_id, key, reason, actor) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, 'system')"
)
PARTICIPATION = (
    "INSERT INTO promotion_participations (order_id, promotion_id, user_id, recorded_at) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (order_id, promotion_id) DO NOTHING"
)
OUTBOX = (
    "INSERT INTO outbox (id, type, version, aggregate_type, aggregate_id, payload, occurred_at, "
    "created_at, attempts, next_attempt_at) VALUES ($1, $2, 1, $3, $4, $5, $6, $6, 0, $6)"
)
ATTEMPT = (
    "INSERT INTO rate_limits (scope, subject, failures, window_start, locked_until) "
    "VALUES ('ordering.payment_attempts.user', $1, 1, $2, NULL) "
    "ON CONFLICT (scope, subject) DO UPDATE SET "
    "failures = CASE WHEN rate_limits.window_start <= $3 THEN 1 "
    "ELSE rate_limits.failures + 1 END, "
    "window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 "
    "ELSE rate_limits.window_start END RETURNING failures, locked_until"
)
LOCK_ORDER = "SELECT id, state, user_id, expires_at, version FROM orders WHERE id = $1 FOR UPDATE"
LOCK_PAYMENT = (
    "SELECT id, external_minor, state, version FROM payments WHERE order_id = $1 FOR UPDATE"
)
PAID_TODAY = (
    "SELECT coalesce(sum(external_minor), 0) FROM payments "
    "WHERE user_id = $1 AND created_at >= $2 AND state != 'closed'"
)
PAYMENT_BY_NUMBER = "SELECT order_id FROM payments WHERE number = $1"
PAY_ORDER = (
    "UPDATE orders SET state = 'paid', paid_at = $1, payment_id = $2, version = $3 "
    "WHERE id = $4 AND version = $5"
)
PAY_CHILD = "UPDATE order_children SET state = 'pending_shipment', paid_at = $1 WHERE id = $2"
PAY_PAYMENT = (
    "UPDATE payments SET state = 'paid', trade_no = $1, paid_at = $2, version = $3 "
    "WHERE id = $4 AND version = $5"
)
USE_COUPON = (
    "UPDATE coupons SET state = 'used', used_at = $1, discount_minor = $2, "
    "discount_currency = 'CNY', order_amount_minor = $3, order_amount_currency = 'CNY', "
    "version = $4 WHERE id = $5 AND version = $6"
)
USAGE_LOG = (
    "INSERT INTO coupon_usage_log (id, coupon_id, template_id, user_id, order_id, action, "
    "discount_minor, order_amount_minor, currency, at) "
    "VALUES ($1, $2, $3, $4, $5, 'used', $6, $7, 'CNY', $8)"
)
SETTLE_ACCOUNT = (
    "UPDATE points_accounts SET held = $1, pending = $2, seq = $3, version = $4 "
    "WHERE id = $5 AND version = $6"
)
SETTLE_POINTS_ORDER = (
    "UPDATE points_orders SET hold_parts = '[]', spent_parts = $1, held = 0, captured = true, "
    "earned = $2, paid = $3, keys = $4 WHERE account_id = $5 AND order_id = $6"
)


def same_writes(
    pool: asyncpg.Pool, shape: Shape, new_id: Callable[[], uuid.UUID]
) -> Callable[[Customer], Awaitable[None]]:
    order_cols = list(shape.order)
    child_cols = list(shape.children[0])
    line_cols = list(shape.lines[0])
    payment_cols = list(shape.payment)
    insert_order = _insert("orders", order_cols)
    insert_child = _insert("order_children", child_cols)
    insert_line = _insert("order_lines", line_cols)
    insert_payment = _insert("payments", payment_cols)
    payable = shape.payment["external_minor"]
    discount = shape.order["coupon_minor"]
    stock = [(line["sku_id"], line["warehouse_id"], line["quantity"]) for line in shape.lines]
    points = shape.points

    def event(
        kind: str, aggregate: str, key: Any, now: dt.datetime, **payload: Any
    ) -> tuple[Any, ...]:
        body = json.dumps(payload, default=str)
        return (new_id(), kind, aggregate, str(key), body, now)

    async def submit(customer: Customer) -> tuple[uuid.UUID, uuid.UUID, str]:
        user_id, coupon_id = customer.user_id, customer.coupons.pop()
        now = dt.datetime.now(dt.UTC)
        order_id, payment_id = new_id(), new_id()
        number = f"{now:%y%m%d}{random.randrange(10**10):010d}"
        order = {
            **shape.order,
            "id": order_id,
            "number": number,
            "user_id": user_id,
            "state": "pending_payment",
            "created_at": now,
            "expires_at": now + dt.timedelta(minutes=30),
            "paid_at": None,
            "payment_id": None,
            "version": 1,
        }
        children, child_ids = [], {}
        for n, child in enumerate(shape.children, 1):
            child_ids[child["id"]] = new_id()
            children.append(
                {
                    **child,
                    "id": child_ids[child["id"]],
                    "order_id": order_id,
                    "number": f"{number}-{n:02d}",
                    "state": "pending_payment",
                    "paid_at": None,
                }
            )
        lines = [
            {**line, "id": new_id(), "order_id": order_id, "child_id": child_ids[line["child_id"]]}
            for line in shape.lines
        ]
        payment = {
            **shape.payment,
            "id": payment_id,
            "number": f"P{number}",
            "order_id": order_id,
            "user_id": user_id,
            "state": "pending",
            "created_at": now,
            "trade_no": None,
            "paid_at": None,
            "version": 1,
        }
        events = [event("ordering.order_submitted", "ordering.order", order_id, now, **{
            "order_id": order_id, "number": number, "user_id": user_id, "payable": payable,
            "channel": "app", "currency": "CNY", "children": [c["number"] for c in children],
        })]  # fmt: skip
        async with pool.acquire() as conn, conn.transaction():
            await conn.fetch(COUPONS_OF_ORDER, order_id)
            coupon = await conn.fetchrow(LOCK_COUPON, [coupon_id])
            if coupon["state"] != "available":
                raise RuntimeError("coupon not available")
            version = coupon["version"]
            await conn.execute(UPDATE_COUPON_LOCKED, order_id, now, version + 1, coupon_id, version)
            events.append(event("coupons.coupon_locked", "coupons.coupon", coupon_id, now,
                coupon_id=coupon_id, template_id=shape.template_id, user_id=user_id,
                order_id=order_id))  # fmt: skip
            account = await conn.fetchrow(LOCK_ACCOUNT, user_id)
            lot = (await conn.fetch(OPEN_LOTS, account["id"]))[0]
            if lot["remaining"] < points:
                raise RuntimeError("not enough points in the first lot")
            balance, held, seq = (
                account["balance"] - points,
                account["held"] + points,
                account["seq"],
            )
            version = account["version"]
            parts = json.dumps([[str(lot["id"]), points, lot["spend_until"].isoformat(), 0]])
            keys = json.dumps({"hold:hold": [["hold", [points]], points]})
            await conn.execute(insert_order, *(order[c] for c in order_cols))
            await conn.executemany(insert_child, [[c[k] for k in child_cols] for c in children])
            await conn.executemany(insert_line, [[x[k] for k in line_cols] for x in lines])
            await conn.execute(STATS, shape.template_id, random.randrange(SLOTS), -1, 1, 0, 0, 0, 0)
            await conn.execute(
                HOLD_ACCOUNT, balance, held, seq + 1, version + 1, account["id"], version
            )
            await conn.execute(UPDATE_LOT, lot["remaining"] - points, lot["id"])
            await conn.execute(INSERT_POINTS_ORDER, account["id"], order_id, parts, points, keys)
            await conn.execute(INSERT_ENTRY, account["id"], seq + 1, "hold", now, -points, balance,
                0, account["pending"], points, held, lot["id"], order_id, "hold")  # fmt: skip
            events.append(event("loyalty.points_held", "loyalty.points_account", account["id"],
                now, account_id=account["id"], user_id=user_id, order_id=order_id, points=points,
                balance_after=balance, pending_after=account["pending"],
                held_after=held))  # fmt: skip
            await conn.execute(PARTICIPATION, order_id, shape.promotion_id, user_id, now)
            # the hot rows last, as ours takes them: every SKU's stock locked in one statement,
            # the order's reservations read in one more
            items = {
                (row["sku_id"], row["warehouse_id"]): row
                for row in await conn.fetch(
                    LOCK_STOCK_ALL, [sku for sku, _, _ in stock], [house for _, house, _ in stock]
                )
            }
            if await conn.fetch(RESERVATIONS, [row["id"] for row in items.values()], order_id):
                raise RuntimeError("reserved twice")
            reservations, available = [], []
            for sku_id, warehouse_id, quantity in sorted(stock):
                item = items[(sku_id, warehouse_id)]
                if item["on_hand"] - item["reserved"] < quantity:
                    raise RuntimeError("insufficient stock")
                reserved = item["reserved"] + quantity
                stock_version = item["version"]
                await conn.execute(
                    UPDATE_STOCK, reserved, stock_version + 1, item["id"], stock_version
                )
                reservations.append((item["id"], order_id, quantity, now))
                available.append((sku_id, warehouse_id, item["on_hand"] - reserved))
                events.append(event("fulfillment.stock_reserved", "fulfillment.stock_item",
                    item["id"], now, sku_id=sku_id, warehouse_id=warehouse_id, order_id=order_id,
                    change=quantity, on_hand=item["on_hand"], reserved=reserved,
                    available=item["on_hand"] - reserved))  # fmt: skip
            await conn.executemany(INSERT_RESERVATION, reservations)
            await conn.execute(insert_payment, *(payment[c] for c in payment_cols))
            await conn.executemany(SKU_STOCK, sorted(available))
            day, week, month = _day(now)
            await conn.execute(ORDER_STATS, day, random.randrange(SLOTS), week, month, 1, 0, 0)
            await conn.executemany(OUTBOX, events)
        return order_id, coupon_id, payment["number"]

    async def start(user_id: uuid.UUID, order_id: uuid.UUID) -> None:
        now = dt.datetime.now(dt.UTC)
        async with pool.acquire() as conn:
            async with conn.transaction():  # PAY-6: the attempt counted
                await conn.fetchrow(ATTEMPT, str(user_id), now, now - dt.timedelta(minutes=1))
            async with conn.transaction():
                order = await conn.fetchrow(LOCK_ORDER, order_id)
                if order["user_id"] != user_id or order["state"] != "pending_payment":
                    raise RuntimeError("not payable")
                payment = await conn.fetchrow(LOCK_PAYMENT, order_id)
                day = now.replace(hour=0, minute=0, second=0, microsecond=0)
                await conn.fetchval(PAID_TODAY, user_id, day)
                if payment["external_minor"] != payable:
                    raise RuntimeError("wrong amount")

    async def confirm(user_id: uuid.UUID, number: str, coupon_id: uuid.UUID) -> None:
        now = dt.datetime.now(dt.UTC)
        trade_no = f"T{uuid.uuid4().hex[:24]}"
        async with pool.acquire() as conn, conn.transaction():
            order_id = await conn.fetchval(PAYMENT_BY_NUMBER, number)
            order = await conn.fetchrow(LOCK_ORDER, order_id)
            payment = await conn.fetchrow(LOCK_PAYMENT, order_id)
            if payment["state"] != "pending" or order["state"] != "pending_payment":
                raise RuntimeError("paid twice")
            coupons = await conn.fetch(
                "SELECT id, version FROM coupons WHERE order_id = $1 "
                "AND state IN ('locked', 'used') ORDER BY id FOR UPDATE",
                order_id,
            )
            account = await conn.fetchrow(LOCK_ACCOUNT, user_id)
            held, pending, seq = account["held"] - points, account["pending"] + shape.earned, 0
            seq, version = account["seq"], account["version"]
            await conn.execute(STATS, shape.template_id, random.randrange(SLOTS), 0, -1, 1,
                discount, payable, 1)  # fmt: skip
            await conn.execute(USAGE_LOG, new_id(), coupon_id, shape.template_id, user_id,
                order_id, discount, payable, now)  # fmt: skip
            await conn.execute(PAY_ORDER, now, payment["id"], order["version"] + 1, order_id,
                order["version"])  # fmt: skip
            await conn.executemany(PAY_CHILD, [(now, c) for c in await _children(conn, order_id)])
            await conn.execute(PAY_PAYMENT, trade_no, now, payment["version"] + 1, payment["id"],
                payment["version"])  # fmt: skip
            for coupon in coupons:
                await conn.execute(USE_COUPON, now, discount, payable, coupon["version"] + 1,
                    coupon["id"], coupon["version"])  # fmt: skip
            await conn.execute(SETTLE_ACCOUNT, held, pending, seq + 2, version + 1, account["id"],
                version)  # fmt: skip
            keys = json.dumps({"hold:hold": [["hold", [points]], points],
                "capture:capture": [["capture", []], points],
                "earn:purchase": [["earn", [shape.earned, payable]], shape.earned]})  # fmt: skip
            await conn.execute(SETTLE_POINTS_ORDER, "[]", shape.earned, payable, keys,
                account["id"], order_id)  # fmt: skip
            balance = account["balance"]
            day, week, month = _day(now)
            await conn.execute(
                ORDER_STATS, day, random.randrange(SLOTS), week, month, 0, 1, payable
            )
            await conn.execute(PAYER, day, user_id, week, month)
            await conn.executemany(INSERT_ENTRY, [
                (account["id"], seq + 1, "capture", now, 0, balance, 0, account["pending"],
                 -points, held, None, order_id, "capture"),
                (account["id"], seq + 2, "pending", now, 0, balance, shape.earned, pending,
                 0, held, None, order_id, "purchase"),
            ])  # fmt: skip
            common = {"order_id": order_id, "user_id": user_id}
            await conn.executemany(OUTBOX, [
                event("ordering.order_paid", "ordering.order", order_id, now, **common,
                    number=number[1:], payable=payable, external=payable, gift_card=0,
                    payment_id=payment["id"], channel="app", currency="CNY"),
                event("ordering.payment_succeeded", "ordering.payment", payment["id"], now,
                    **common, number=number, external=payable, gift_card=0, trade_no=trade_no,
                    payment_id=payment["id"], currency="CNY"),
                event("coupons.coupon_used", "coupons.coupon", coupon_id, now, **common,
                    coupon_id=coupon_id, template_id=shape.template_id,
                    discount={"minor": discount, "currency": "CNY"},
                    order_amount={"minor": payable, "currency": "CNY"}),
                event("loyalty.held_points_captured", "loyalty.points_account", account["id"],
                    now, **common, account_id=account["id"], points=points, balance_after=balance,
                    pending_after=account["pending"], held_after=held),
                event("loyalty.pending_points_earned", "loyalty.points_account", account["id"],
                    now, **common, account_id=account["id"], points=shape.earned,
                    balance_after=balance, pending_after=pending, held_after=held),
            ])  # fmt: skip

    async def order(customer: Customer) -> None:
        order_id, coupon_id, number = await submit(customer)
        await start(customer.user_id, order_id)
        await confirm(customer.user_id, number, coupon_id)

    return order


async def _children(conn: asyncpg.Connection, order_id: uuid.UUID) -> list[uuid.UUID]:
    # ours has them from the order it loaded; the baseline reads their ids
    rows = await conn.fetch("SELECT id FROM order_children WHERE order_id = $1", order_id)
    return [row["id"] for row in rows]


__all__ = ["Customer", "Shape", "same_writes"]
