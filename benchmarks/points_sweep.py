"""The points expiry sweep (PTS-7) on PostgreSQL: 1,000,000 due lots over 100,000 accounts,
through the real stack, against one set-based SQL statement doing the same writes.

``ours`` runs what ``shop points sweep`` runs: a runtime from ``bootstrap``, and
``SweepExpiredPoints`` steps through the bus until nothing is due — each step a transaction
that locks the accounts of the next ``--step`` due lots and writes their entries, balances,
lots and one outbox event per account (:mod:`shop_adapters.sql.loyalty.sweep`). The baseline
is one statement (data-modifying CTEs) that writes the same rows: one ``expire`` entry per lot
numbered and balanced with window sums, the accounts' balances, sequence numbers and versions,
the emptied lots, and one outbox row per account with the same payload fields — in one
transaction, nothing in Python.

The accounts and lots (and each lot's ``earn`` entry, so the history has the size it would)
are seeded once with ``COPY`` into a template database; every run gets a fresh copy of it
(``CREATE DATABASE … TEMPLATE``) and runs in a subprocess of its own, measured for wall time
and peak resident-set growth. After each run: no lot is due, every account's balance is zero
and equals the sum of its entries, 2,000,000 entries, and 100,000 ``loyalty.points_expired``
events. Prints both sides, medians over the rounds (sides alternate), and
``ratio = ours / baseline``.

    .venv/bin/python benchmarks/points_sweep.py [--accounts 100000] [--lots 10] [--rounds 2]
        [--step 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid

import asyncpg
from bench_db import ADMIN_URL, admin_sql, run_keys
from sqlalchemy.engine import make_url

from shop_adapters.bootstrap import bootstrap
from shop_adapters.plugins.loyalty import LoyaltySettings
from shop_adapters.settings import Settings
from shop_adapters.sql.engine import upgrade
from shop_app.loyalty.commands import SweepExpiredPoints

GRANTED = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
EXPIRED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

BASELINE_SQL = """
WITH due AS (
    SELECT l.id, l.account_id, l.remaining,
           row_number() OVER w AS n, sum(l.remaining) OVER w AS running
    FROM points_lots l
    WHERE l.remaining > 0 AND l.spend_until <= $1
    WINDOW w AS (PARTITION BY l.account_id ORDER BY l.spend_until, l.granted_at, l.id
                 ROWS UNBOUNDED PRECEDING)
), entries AS (
    INSERT INTO points_entries (account_id, seq, kind, at, points, balance_after, pending,
                                pending_after, held, held_after, lot_id, actor)
    SELECT d.account_id, a.seq + d.n, 'expire', $1, -d.remaining, a.balance - d.running, 0,
           a.pending, 0, a.held, d.id, 'system'
    FROM due d JOIN points_accounts a ON a.id = d.account_id
), lots AS (
    UPDATE points_lots SET remaining = 0, expired = true WHERE id IN (SELECT id FROM due)
), totals AS (
    SELECT account_id, sum(remaining) AS points, count(*) AS lots FROM due GROUP BY account_id
), accounts AS (
    UPDATE points_accounts a
    SET balance = a.balance - t.points, seq = a.seq + t.lots, version = a.version + 1
    FROM totals t WHERE a.id = t.account_id
    RETURNING a.id, a.user_id, a.balance, a.pending, a.held, t.points, t.lots
)
INSERT INTO outbox (id, type, version, aggregate_type, aggregate_id, payload, occurred_at,
                    created_at, attempts, next_attempt_at)
SELECT gen_random_uuid(), 'loyalty.points_expired', 1, 'loyalty.points_account', a.id::text,
       jsonb_build_object('account_id', a.id, 'user_id', a.user_id, 'points', a.points,
                          'balance_after', a.balance, 'pending_after', a.pending,
                          'held_after', a.held, 'order_id', NULL, 'lots', a.lots),
       $1, $1, 0, $1
FROM accounts a
"""


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _seed(url: str, accounts: int, lots: int) -> None:
    rng = random.Random(7)
    conn = await asyncpg.connect(_dsn(url))
    try:
        account_rows, lot_rows, entry_rows = [], [], []
        for _ in range(accounts):
            account_id = uuid.uuid4()
            balance = 0
            for n in range(lots):
                points = rng.randint(1, 100)
                balance += points
                lot_id = uuid.uuid4()
                granted = GRANTED + dt.timedelta(days=n)
                expires = EXPIRED + dt.timedelta(days=n)
                lot_rows.append(
                    (
                        lot_id,
                        account_id,
                        "check_in",
                        points,
                        points,
                        granted,
                        expires,
                        expires,
                        None,
                        False,
                    )
                )
                entry_rows.append(
                    (
                        account_id,
                        n + 1,
                        "earn",
                        granted,
                        points,
                        balance,
                        0,
                        0,
                        0,
                        0,
                        lot_id,
                        None,
                        None,
                        None,
                        "system",
                    )
                )
            account_rows.append((account_id, uuid.uuid4(), GRANTED, balance, 0, 0, 0, lots, 1))
        await conn.copy_records_to_table("points_accounts", records=account_rows)
        await conn.copy_records_to_table("points_lots", records=lot_rows)
        await conn.copy_records_to_table("points_entries", records=entry_rows)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def _peak_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def _ours(url: str, step: int) -> float:
    runtime = bootstrap(
        Settings(
            database_url=url,
            database_pool_size=2,
            sms="memory",
            sections=[LoyaltySettings(), run_keys()],
        )
    )
    await runtime.start()
    try:
        started = time.perf_counter()
        while (await runtime.bus.handle(SweepExpiredPoints(lots=step))).accounts:
            pass
        return time.perf_counter() - started
    finally:
        await runtime.close()


async def _baseline(url: str) -> float:
    conn = await asyncpg.connect(_dsn(url))
    try:
        started = time.perf_counter()
        async with conn.transaction():
            await conn.execute(BASELINE_SQL, dt.datetime.now(dt.UTC))
        return time.perf_counter() - started
    finally:
        await conn.close()


async def _check(url: str, accounts: int, lots: int) -> None:
    conn = await asyncpg.connect(_dsn(url))
    try:
        due = await conn.fetchval("SELECT count(*) FROM points_lots WHERE remaining > 0")
        entries = await conn.fetchval("SELECT count(*) FROM points_entries")
        events = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE type = 'loyalty.points_expired'"
        )
        wrong = await conn.fetchval(
            """SELECT count(*) FROM points_accounts a WHERE a.balance <> 0 OR a.seq <> $1 OR
               a.balance <> (SELECT sum(points) FROM points_entries e WHERE e.account_id = a.id)
            """,
            2 * lots,
        )
        assert (due, entries, events, wrong) == (0, 2 * accounts * lots, accounts, 0), (
            due,
            entries,
            events,
            wrong,
        )
    finally:
        await conn.close()


def child(side: str, url: str, step: int, accounts: int, lots: int) -> None:
    base = _rss_kib()
    _reset_peak()
    seconds = asyncio.run(_ours(url, step) if side == "ours" else _baseline(url))
    peak = _peak_kib() - base
    asyncio.run(_check(url, accounts, lots))
    print(json.dumps({"seconds": seconds, "rss_kib": peak}))


async def _prepare(seed: str, url: str, accounts: int, lots: int) -> None:
    await admin_sql(f"DROP DATABASE IF EXISTS {seed}")
    await admin_sql(f"CREATE DATABASE {seed}")
    await asyncio.to_thread(upgrade, url)
    started = time.perf_counter()
    await _seed(url, accounts, lots)
    seconds = time.perf_counter() - started
    print(f"seeded {accounts} accounts, {accounts * lots} lots in {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--lots", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--step", type=int, default=2_000)
    parser.add_argument("--child", choices=["ours", "baseline"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.step, args.accounts, args.lots)
        return
    admin = make_url(ADMIN_URL)
    seed = f"shop_bench_points_seed_{os.getpid()}"
    asyncio.run(
        _prepare(seed, admin.set(database=seed).render_as_string(False), args.accounts, args.lots)
    )
    results: dict[str, list[dict[str, float]]] = {"baseline": [], "ours": []}
    try:
        for n in range(args.rounds):
            for side in ("baseline", "ours") if n % 2 == 0 else ("ours", "baseline"):
                name = f"shop_bench_points_run_{os.getpid()}"
                asyncio.run(admin_sql(f"DROP DATABASE IF EXISTS {name}"))
                asyncio.run(admin_sql(f"CREATE DATABASE {name} TEMPLATE {seed}"))
                url = admin.set(database=name).render_as_string(False)
                try:
                    out = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--child",
                            side,
                            "--url",
                            url,
                            "--step",
                            str(args.step),
                            "--accounts",
                            str(args.accounts),
                            "--lots",
                            str(args.lots),
                        ],
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                finally:
                    asyncio.run(admin_sql(f"DROP DATABASE IF EXISTS {name}"))
                result = json.loads(out.stdout.strip().splitlines()[-1])
                results[side].append(result)
                mib = result["rss_kib"] / 1024
                print(f"round {n + 1} {side}: {result['seconds']:.2f} s, peak RSS +{mib:.1f} MiB")
    finally:
        asyncio.run(admin_sql(f"DROP DATABASE IF EXISTS {seed}"))
    ours = statistics.median(r["seconds"] for r in results["ours"])
    base = statistics.median(r["seconds"] for r in results["baseline"])
    ours_rss = statistics.median(r["rss_kib"] for r in results["ours"]) / 1024
    base_rss = statistics.median(r["rss_kib"] for r in results["baseline"]) / 1024
    due = args.accounts * args.lots
    print(f"parameters: {args.accounts} accounts, {due} due lots, step {args.step}")
    print(f"rounds: {args.rounds}")
    print(f"ours: {ours:.2f} s ({due / ours:,.0f} lots/s), peak RSS +{ours_rss:.1f} MiB")
    print(f"baseline: {base:.2f} s ({due / base:,.0f} lots/s), peak RSS +{base_rss:.1f} MiB")
    print(f"ratio (ours / baseline): time {ours / base:.2f}")


if __name__ == "__main__":
    main()
