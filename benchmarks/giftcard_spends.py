"""Gift-card spends per second: ``SpendGiftCards`` through the real stack against bare SQL.

1,000 activated cards, each bound to a user of its own, and 100 concurrent clients; each client
owns ten of the cards and pays one order after another with one of them (one card per order, a
random amount of 1..500 fen), waiting for each answer before the next. ``ours`` goes through
the real stack, wired by ``bootstrap``: ``MessageBus`` → ``SpendGiftCards`` handler →
``SqlShopUnitOfWork`` (the order's usages locked, the card locked ``FOR UPDATE``, its batch
read, the domain decides, the usage row, the card's versioned UPDATE, the operation-history row
and the outbox row, one commit). The baseline is the bare minimum on raw asyncpg: per spend one
transaction of a guarded ``UPDATE giftcards SET balance_minor = balance_minor - $1 WHERE id = $2
AND balance_minor >= $1`` and one ``INSERT INTO giftcard_usages``; no ownership, batch or
validity check, no history, no outbox. Same database, same cards, same clients, same run;
rounds interleaved, each figure the median over the rounds. After every run the books must
balance exactly: the sum of the cards' balances plus every usage's amount equals the sum of
their face values, and the run added exactly as many usage rows, and took exactly as much, as
the clients were told.

PostgreSQL here allows 100 connections: ``ours`` runs on the runtime's pool (``--pool``, no
overflow), the baseline on an asyncpg pool whose size is chosen in the
same run among ``--baseline-connections`` (the one that served it best).

``--profile`` adds one more run of ``ours`` under cProfile and prints where its time goes.

    .venv/bin/python benchmarks/giftcard_spends.py [--clients 100] [--cards 1000]
        [--seconds 5] [--rounds 3] [--pool 20] [--baseline-connections 10,20] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
import attrs
from bench_db import ADMIN_URL, admin_sql
from giftcard_spends_sql import same_statements
from sqlalchemy.engine import make_url

from shop_adapters.bootstrap import bootstrap
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.sql.engine import upgrade
from shop_app.giftcards import commands as c
from shop_app.giftcards.results import BatchStarted
from shop_app.giftcards.services import GiftCardServices
from shop_domain.giftcards.batch import BatchDefinition, CardKind, Validity
from shop_domain.shared.ids import new_id
from shop_domain.shared.money import Money

FACE = 100_000_000  # fen: a card never runs out during a benchmark
OWNER = "bench"
MAX_AMOUNT = 500

GUARDED_UPDATE = (
    "UPDATE giftcards SET balance_minor = balance_minor - $1 WHERE id = $2 AND balance_minor >= $1"
)
INSERT_USAGE = (
    "INSERT INTO giftcard_usages (id, card_id, batch_id, number, user_id, order_id, "
    "amount_minor, restored_minor, currency, state, restore_keys, created_at, updated_at, "
    "version) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 'CNY', 'valid', '[]', $8, $8, 1)"
)


@attrs.frozen
class Card:
    id: uuid.UUID
    batch_id: uuid.UUID
    number: str
    user_id: uuid.UUID


SpendOnce = Callable[[Card, int], Awaitable[None]]


@attrs.define
class Run:
    spends: int
    spent: int
    seconds: float
    latencies: list[float]
    cpu: float
    """CPU seconds this process used during the run (user + system)."""

    @property
    def rate(self) -> float:
        return self.spends / self.seconds


# --- the two sides ----------------------------------------------------------------------------


def _ours(runtime: Runtime) -> SpendOnce:
    bus = runtime.bus

    async def spend(card: Card, amount: int) -> None:
        await bus.handle(
            c.SpendGiftCards(
                order_id=new_id(),
                user_id=card.user_id,
                amount=Money(amount, "CNY"),
                card_ids=(card.id,),
                actor=f"user:{card.user_id}",
            )
        )

    return spend


def _baseline(pool: asyncpg.Pool) -> SpendOnce:
    async def spend(card: Card, amount: int) -> None:
        async with pool.acquire() as conn, conn.transaction():
            if await conn.execute(GUARDED_UPDATE, amount, card.id) != "UPDATE 1":
                raise RuntimeError("insufficient balance")
            await conn.execute(
                INSERT_USAGE,
                new_id(),
                card.id,
                card.batch_id,
                card.number,
                card.user_id,
                new_id(),
                amount,
                dt.datetime.now(dt.UTC),
            )

    return spend


# --- arranging ----------------------------------------------------------------------------


async def _cards(runtime: Runtime, count: int, dsn: str) -> list[Card]:
    """``count`` physical cards, generated by the real job, the batch opened, each card bound
    to a user of its own by an operator (through the bus, twenty at a time)."""
    bus = runtime.bus
    started: BatchStarted = await bus.handle(
        c.CreateBatch(
            definition=BatchDefinition(
                name="spends bench",
                kind=CardKind.PHYSICAL,
                face_value=Money(FACE, "CNY"),
                validity=Validity(),
                owner=OWNER,
            ),
            actor=OWNER,
            count=count,
        )
    )
    await runtime.get(GiftCardServices).generator.generate(started.batch_id)
    await bus.handle(c.OpenBatch(batch_id=started.batch_id, actor=OWNER, has_open_permission=True))
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT id, number FROM giftcards WHERE batch_id = $1 ORDER BY number",
            started.batch_id,
        )
    finally:
        await conn.close()
    cards = [Card(row["id"], started.batch_id, row["number"], uuid.uuid4()) for row in rows]
    gate = asyncio.Semaphore(20)

    async def bind(card: Card) -> None:
        async with gate:
            await bus.handle(c.BindCard(card_id=card.id, actor=OWNER, user_id=card.user_id))

    await asyncio.gather(*(bind(card) for card in cards))
    return cards


# --- running and checking -------------------------------------------------------------------


async def _drive(clients: int, seconds: float, cards: Sequence[Card], spend: SpendOnce) -> Run:
    """``clients`` tasks spend in a loop until ``seconds`` have passed; every spend counts,
    including those in flight at the deadline."""
    latencies: list[float] = []
    spent = 0
    cpu = time.process_time()
    started = time.perf_counter()
    deadline = started + seconds

    async def client(index: int) -> None:
        nonlocal spent
        mine = cards[index::clients]
        rng = random.Random(index)
        n = 0
        while time.perf_counter() < deadline:
            card = mine[n % len(mine)]
            n += 1
            amount = rng.randint(1, MAX_AMOUNT)
            before = time.perf_counter()
            await spend(card, amount)
            latencies.append(time.perf_counter() - before)
            spent += amount

    await asyncio.gather(*(client(i) for i in range(clients)))
    seconds = time.perf_counter() - started
    return Run(len(latencies), spent, seconds, latencies, time.process_time() - cpu)


@attrs.frozen
class Books:
    balances: int
    faces: int
    usages: int
    used: int

    @classmethod
    async def read(cls, conn: asyncpg.Connection, batch_id: uuid.UUID) -> Books:
        cards = await conn.fetchrow(
            "SELECT sum(balance_minor) AS balances, sum(face_value_minor) AS faces "
            "FROM giftcards WHERE batch_id = $1",
            batch_id,
        )
        usages = await conn.fetchrow(
            "SELECT count(*) AS usages, coalesce(sum(amount_minor - restored_minor), 0) AS used "
            "FROM giftcard_usages WHERE batch_id = $1",
            batch_id,
        )
        return cls(
            int(cards["balances"]), int(cards["faces"]), int(usages["usages"]), int(usages["used"])
        )


def _check_exact(before: Books, after: Books, run: Run, side: str) -> None:
    if after.balances + after.used != after.faces:
        raise AssertionError(
            f"{side}: balances {after.balances} + spent {after.used} != faces {after.faces}"
        )
    if after.usages - before.usages != run.spends or before.balances - after.balances != run.spent:
        raise AssertionError(
            f"{side}: {after.usages - before.usages} usages and "
            f"{before.balances - after.balances} taken, for {run.spends} spends of {run.spent}"
        )


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _latency(runs: Sequence[Run]) -> str:
    every = [x for run in runs for x in run.latencies]
    p50, p99 = _percentile(every, 0.50), _percentile(every, 0.99)
    return f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


def _cpu(runs: Sequence[Run]) -> float:
    return float(statistics.median(run.cpu / run.spends * 1000 for run in runs))


def _where(filename: str) -> str:
    """The package a profiled function belongs to (``shop_app``, ``sqlalchemy``, …)."""
    for marker in ("/site-packages/", "/src/"):
        if marker in filename:
            return filename.split(marker, 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "stdlib" if "/lib/python" in filename else os.path.basename(filename)


def _profile_report(profile: cProfile.Profile, top: int, spends: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    by_package: dict[str, float] = {}
    raw: Any = stats.stats  # type: ignore[attr-defined]  # {(file, line, name): (cc, nc, tt, ct, callers)}
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        package = _where(filename)
        by_package[package] = by_package.get(package, 0.0) + tottime
    total = sum(by_package.values())
    out.write(f"CPU by package (own time; {total:.2f} s for {spends} spends, profiler included):\n")
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1]):
        out.write(
            f"  {package:<24} {seconds:7.3f} s  {seconds / total:6.1%}  "
            f"{seconds / spends * 1000:6.2f} ms/spend\n"
        )
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--cards", type=int, default=1000, help="activated cards (≥ clients)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one measured run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pool", type=int, default=20, help="ours: pool size (no overflow)")
    parser.add_argument(
        "--baseline-connections",
        default="10,20",
        help="asyncpg pool sizes to try for the baseline; the best one is measured",
    )
    parser.add_argument("--profile", action="store_true", help="one more run of ours, profiled")
    parser.add_argument("--profile-top", type=int, default=30)
    args = parser.parse_args()
    if args.cards < args.clients:
        parser.error("--cards must be at least --clients (each client owns its cards)")

    name = f"shop_bench_{uuid.uuid4().hex[:10]}"
    await admin_sql(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    report = ""
    try:
        await asyncio.to_thread(upgrade, url)
        runtime = bootstrap(
            Settings(
                database_url=url,
                database_pool_size=args.pool,
                sms="memory",
                sections=[
                    GiftCardSettings(
                        keys=f"bench:{base64.urlsafe_b64encode(os.urandom(32)).decode()}",
                        export_dir=tempfile.mkdtemp(prefix="shop-bench-"),
                    )
                ],
            )
        )
        await runtime.start()  # the keys are checked against the database before any use
        cards = await _cards(runtime, args.cards, dsn)
        batch_id = cards[0].batch_id
        checker = await asyncpg.connect(dsn)

        async def run(side: str, spend: SpendOnce, seconds: float) -> Run:
            before = await Books.read(checker, batch_id)
            result = await _drive(args.clients, seconds, cards, spend)
            _check_exact(before, await Books.read(checker, batch_id), result, side)
            return result

        ours = _ours(runtime)
        await run("warm-up ours", ours, 1.5)
        probes: dict[int, float] = {}
        for size in [int(v) for v in args.baseline_connections.split(",") if v]:
            probe_pool = await asyncpg.create_pool(dsn, min_size=size, max_size=size)
            probes[size] = (await run(f"baseline/{size}", _baseline(probe_pool), 1.5)).rate
            await probe_pool.close()
        connections = max(probes, key=lambda k: probes[k])
        pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
        base, same = _baseline(pool), same_statements(pool)
        await run("warm-up same statements", same, 1.5)
        ours_runs, base_runs, same_runs = [], [], []
        for _ in range(args.rounds):  # interleaved, so drift hits all alike
            ours_runs.append(await run("ours", ours, args.seconds))
            same_runs.append(await run("same statements", same, args.seconds))
            base_runs.append(await run("baseline", base, args.seconds))
        if args.profile:
            profile = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
            profile.enable()
            profiled = await run("ours (profiled)", ours, args.seconds)
            profile.disable()
            report = (
                f"profile (CPU time) of one {args.seconds:g}-s run of ours under cProfile "
                f"({profiled.rate:.0f} spends/s while profiled):\n"
                + _profile_report(profile, args.profile_top, profiled.spends)
            )
        final = await Books.read(checker, batch_id)
        await pool.close()
        await checker.close()
        await runtime.close()
    finally:
        await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    ours_rate = statistics.median(r.rate for r in ours_runs)
    base_rate = statistics.median(r.rate for r in base_runs)
    same_rate = statistics.median(r.rate for r in same_runs)
    print("benchmark: gift-card spends on PostgreSQL")
    print(
        f"parameters: clients={args.clients} cards={len(cards)} seconds={args.seconds:g} "
        f"rounds={args.rounds} pool={args.pool} (no overflow) "
        f"amount=1..{MAX_AMOUNT} fen, one card per order"
    )
    print(
        "baseline pool sizes tried (1.5 s each): "
        + ", ".join(f"{k}={v:.0f} spends/s" for k, v in probes.items())
        + f"; measured with {connections}"
    )
    print(f"ours (bus → SpendGiftCards, real stack): {ours_rate:.0f} spends/s")
    print(f"same statements (asyncpg, what ours sends, same pool): {same_rate:.0f} spends/s")
    print(f"baseline (asyncpg, guarded UPDATE + usage INSERT per spend): {base_rate:.0f} spends/s")
    print(f"ratio to the same statements: {ours_rate / same_rate:.2f}")
    print(f"ratio to the minimal guarded UPDATE: {ours_rate / base_rate:.2f}")
    print(f"ours latency: {_latency(ours_runs)}")
    print(f"same statements latency: {_latency(same_runs)}")
    print(f"baseline latency: {_latency(base_runs)}")
    print(
        f"client CPU per spend (this process, median of runs): ours {_cpu(ours_runs):.2f} ms, "
        f"same statements {_cpu(same_runs):.2f} ms, baseline {_cpu(base_runs):.2f} ms"
    )
    print(
        f"exact: balances + spent == face values after every run "
        f"({final.usages} usages, {final.used} fen spent in all)"
    )
    if report:
        print(report)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
