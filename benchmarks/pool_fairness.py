"""Waiting for a pooled connection: first come, first served against SQLAlchemy's own queue.

``--clients`` tasks share a pool of ``--pool`` connections (no overflow). Each, in a loop, takes
a connection, runs one short transaction (PostgreSQL: ``SELECT pg_sleep(--work)``; SQLite: a
read of ``--work`` seconds' sleep while holding it) and gives it back, then asks again at once —
what a busy service does. ``ours`` is the engine as ``make_engine`` builds it
(:class:`~shop_adapters.sql.pool.FairQueue`); the baseline, in the same run, is the same engine
with SQLAlchemy's own ``AsyncAdaptedQueue``. Per side: transactions per second, p50/p99/max of
the time from asking for a connection to giving it back, and how evenly the clients were
served (the fewest and the most transactions of one client, in the least even round). Rounds
alternate the sides.

Issue 10's target for the service is p99 ≤ 4× p50 with 100 clients on 20 connections.

    .venv/bin/python benchmarks/pool_fairness.py [--clients 100] [--pool 20] [--seconds 5]
        [--rounds 3] [--work 0.002] [--backends postgresql,sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import attrs
from bench_db import ADMIN_URL
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.queue import AsyncAdaptedQueue

from shop_adapters.sql.engine import make_engine, reader
from shop_adapters.sql.errors import TranslatingPool
from shop_adapters.sql.pool import FairQueue


@attrs.frozen
class Run:
    done: int
    latencies: list[float]
    per_client: list[int]
    seconds: float


async def _run(engine: AsyncEngine, clients: int, seconds: float, work: float) -> Run:
    postgres = engine.dialect.name == "postgresql"
    statement = text(f"SELECT pg_sleep({work})" if postgres else "SELECT 1")
    source = engine if postgres else reader(engine)
    counts = [0] * clients
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        while (started := time.perf_counter()) < deadline:
            async with source.connect() as conn:
                await conn.execute(statement)
                if not postgres:
                    await asyncio.sleep(work)
            latencies.append(time.perf_counter() - started)
            counts[number] += 1

    await asyncio.gather(*(client(n) for n in range(clients)))
    return Run(sum(counts), latencies, counts, seconds)


def _engine(url: str, pool: int, queue: type) -> AsyncEngine:
    TranslatingPool._queue_class = queue
    try:
        return make_engine(url, pool_size=pool, pool_wait=60.0)
    finally:
        TranslatingPool._queue_class = FairQueue


async def _side(url: str, queue: type, args: argparse.Namespace) -> Run:
    engine = _engine(url, args.pool, queue)
    try:
        await _run(engine, args.clients, 1.0, args.work)  # warm-up: every connection made
        return await _run(engine, args.clients, args.seconds, args.work)
    finally:
        await engine.dispose()


def _line(runs: list[Run]) -> str:
    every = sorted(x for r in runs for x in r.latencies)

    def q(p: float) -> float:
        return every[min(len(every) - 1, int(p * len(every)))] * 1000

    rate = statistics.median(r.done / r.seconds for r in runs)
    # the least even round: the fewest and the most transactions of one client in it
    uneven = max(runs, key=lambda r: max(r.per_client) / max(1, min(r.per_client)))
    return (
        f"{rate:7.0f} tx/s  p50 {q(0.5):7.1f} ms  p99 {q(0.99):7.1f} ms  max {q(1.0):7.1f} ms  "
        f"per client {min(uneven.per_client)}..{max(uneven.per_client)}  "
        f"(p99/p50 {q(0.99) / q(0.5):.1f})"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--pool", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=float, default=0.002)
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args()
    print("benchmark: waiting for a pooled connection, first come first served vs SQLAlchemy's")
    print(
        f"parameters: clients={args.clients} pool={args.pool} (no overflow) "
        f"seconds={args.seconds:g} rounds={args.rounds} work={args.work * 1000:g} ms"
    )
    with tempfile.TemporaryDirectory(prefix="shop-bench-pool-") as folder:
        urls = {
            "postgresql": ADMIN_URL,
            "sqlite": f"sqlite+aiosqlite:///{Path(folder) / 'pool.db'}",
        }
        for backend in [b for b in args.backends.split(",") if b]:
            runs: dict[str, list[Run]] = {"ours": [], "sqlalchemy": []}
            sides = {"ours": FairQueue, "sqlalchemy": AsyncAdaptedQueue}
            for number in range(args.rounds):
                order = list(sides) if number % 2 == 0 else list(reversed(sides))
                for side in order:
                    runs[side].append(await _side(urls[backend], sides[side], args))
            print(f"{backend}")
            print(f"  ours (FairQueue)        {_line(runs['ours'])}")
            print(f"  SQLAlchemy's own queue  {_line(runs['sqlalchemy'])}")


if __name__ == "__main__":
    asyncio.run(main())
