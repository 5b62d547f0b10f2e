"""Points spends per second on PostgreSQL: ``SpendPoints`` through the real stack against the
same statements sent with asyncpg.

1,000 accounts, each with ten lots of points expiring on different days (seeded with ``COPY``),
and 100 concurrent clients; each client owns ten of the accounts and spends 1..50 points for
one new order after another, waiting for each answer. ``ours`` goes through the runtime that
``bootstrap`` wires: ``MessageBus`` → ``SpendPoints`` → the account locked by its user, its
orders and first page of open lots attached, the aggregate deciding (soonest lots first, the
key remembered), the versioned account UPDATE, the lots' UPDATEs, the order row, one entry per
lot and the outbox row, one commit. The baseline sends the same statements by hand
(``points_spends_sql.py``). Rounds alternate; each figure is the median over the rounds. After
every run the books must balance exactly: every account's balance is what was granted less what
its spend entries took, and the run took exactly what the clients were told.

    .venv/bin/python benchmarks/points_spends.py [--clients 100] [--accounts 1000]
        [--seconds 5] [--rounds 3] [--pool 20]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
import attrs
from bench_db import ADMIN_URL, admin_sql, run_keys
from points_spends_sql import same_statements
from sqlalchemy.engine import make_url

from shop_adapters.bootstrap import bootstrap
from shop_adapters.plugins.loyalty import LoyaltySettings
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.system import UuidV7Generator
from shop_adapters.sql.engine import upgrade
from shop_app.loyalty.commands import SpendPoints

LOT_POINTS = 1_000_000
LOTS = 10
MAX_POINTS = 50
GRANTED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

Spend = Callable[[uuid.UUID, int], Awaitable[None]]
new_id = UuidV7Generator().new_id


@attrs.define
class Run:
    spends: int
    points: int
    seconds: float
    latencies: list[float]
    cpu: float

    @property
    def rate(self) -> float:
        return self.spends / self.seconds


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _seed(dsn: str, accounts: int) -> list[uuid.UUID]:
    users, account_rows, lot_rows, entry_rows = [], [], [], []
    for _ in range(accounts):
        account_id, user_id = uuid.uuid4(), uuid.uuid4()
        users.append(user_id)
        for n in range(LOTS):
            lot_id = uuid.uuid4()
            expires = dt.datetime(2030, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=30 * n)
            lot_rows.append(
                (
                    lot_id,
                    account_id,
                    "activity",
                    LOT_POINTS,
                    LOT_POINTS,
                    GRANTED,
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
                    GRANTED,
                    LOT_POINTS,
                    LOT_POINTS * (n + 1),
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
        account_rows.append((account_id, user_id, GRANTED, LOT_POINTS * LOTS, 0, 0, 0, LOTS, 1))
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("points_accounts", records=account_rows)
        await conn.copy_records_to_table("points_lots", records=lot_rows)
        await conn.copy_records_to_table("points_entries", records=entry_rows)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return users


def _ours(runtime: Runtime) -> Spend:
    bus = runtime.bus

    async def spend(user_id: uuid.UUID, points: int) -> None:
        await bus.handle(SpendPoints(user_id=user_id, order_id=new_id(), key="pay", points=points))

    return spend


async def _drive(clients: int, seconds: float, users: Sequence[uuid.UUID], spend: Spend) -> Run:
    latencies: list[float] = []
    taken = 0
    cpu = time.process_time()
    started = time.perf_counter()
    deadline = started + seconds

    async def client(index: int) -> None:
        nonlocal taken
        mine = users[index::clients]
        rng = random.Random(index)
        n = 0
        while time.perf_counter() < deadline:
            points = rng.randint(1, MAX_POINTS)
            before = time.perf_counter()
            await spend(mine[n % len(mine)], points)
            latencies.append(time.perf_counter() - before)
            taken += points
            n += 1

    await asyncio.gather(*(client(i) for i in range(clients)))
    return Run(
        len(latencies), taken, time.perf_counter() - started, latencies, time.process_time() - cpu
    )


async def _books(dsn: str) -> tuple[int, int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        balances = await conn.fetchval("SELECT sum(balance) FROM points_accounts")
        spent = await conn.fetchval(
            "SELECT coalesce(-sum(points), 0) FROM points_entries WHERE kind = 'spend'"
        )
        wrong = await conn.fetchval(
            "SELECT count(*) FROM points_accounts a WHERE a.balance <> "
            "(SELECT sum(points) FROM points_entries e WHERE e.account_id = a.id) OR a.balance <> "
            "(SELECT sum(remaining) FROM points_lots l WHERE l.account_id = a.id)"
        )
        return int(balances), int(spent), int(wrong)
    finally:
        await conn.close()


def _check(before: tuple[int, int, int], after: tuple[int, int, int], run: Run, side: str) -> None:
    granted = before[0] + before[1]
    if after[0] + after[1] != granted or after[2] or after[1] - before[1] != run.points:
        raise AssertionError(f"{side}: books {before} → {after} for {run.points} points spent")


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(name: str, runs: Sequence[Run]) -> tuple[float, float, float]:
    rate = statistics.median(run.rate for run in runs)
    every = [x for run in runs for x in run.latencies]
    p50, p99 = _percentile(every, 0.5) * 1000, _percentile(every, 0.99) * 1000
    cpu = statistics.median(run.cpu / run.spends * 1000 for run in runs)
    print(
        f"{name}: {rate:.0f} spends/s (p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"p99/p50 {p99 / p50:.1f}; client CPU {cpu:.2f} ms/spend)"
    )
    return rate, p50, p99


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pool", type=int, default=20)
    args = parser.parse_args()
    name = f"shop_bench_points_spends_{os.getpid()}"
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    await admin_sql(f"DROP DATABASE IF EXISTS {name}")
    await admin_sql(f"CREATE DATABASE {name}")
    runtime = None
    pool = None
    try:
        await asyncio.to_thread(upgrade, url)
        users = await _seed(_dsn(url), args.accounts)
        runtime = bootstrap(
            Settings(
                database_url=url,
                database_pool_size=args.pool,
                sms="memory",
                sections=[LoyaltySettings(), run_keys()],
            )
        )
        await runtime.start()
        pool = await asyncpg.create_pool(_dsn(url), min_size=args.pool, max_size=args.pool)
        sides = {"ours": _ours(runtime), "baseline": same_statements(pool, new_id)}
        for spend in sides.values():  # warm up both
            await _drive(args.clients, 1.0, users, spend)
        runs: dict[str, list[Run]] = {"ours": [], "baseline": []}
        for n in range(args.rounds):
            for side in ("ours", "baseline") if n % 2 == 0 else ("baseline", "ours"):
                before = await _books(_dsn(url))
                run = await _drive(args.clients, args.seconds, users, sides[side])
                _check(before, await _books(_dsn(url)), run, side)
                runs[side].append(run)
                print(f"round {n + 1} {side}: {run.rate:.0f} spends/s")
        print(
            f"parameters: {args.clients} clients, {args.accounts} accounts of {LOTS} lots, "
            f"{args.rounds} x {args.seconds:.0f} s, pool {args.pool}"
        )
        ours, o50, o99 = _summary("ours", runs["ours"])
        base, _, _ = _summary("baseline (same statements, asyncpg)", runs["baseline"])
        print(f"ratio (ours / baseline): {ours / base:.2f}; ours p99/p50 {o99 / o50:.1f}")
    finally:
        if pool is not None:
            await pool.close()
        if runtime is not None:
            await runtime.close()
        await admin_sql(f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    asyncio.run(main())
