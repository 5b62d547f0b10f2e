"""Claims per second on one hot coupon template: the bus's claim batching against bare SQL.

Many clients claim coupons of ONE template at once (a sale-day stampede), each claim waiting
for its answer before the next. ``ours`` goes through the real stack: ``ClaimCoupon`` →
``MessageBus`` (its claim-batching middleware) → ``ClaimBatch`` handler → ``SqlShopUnitOfWork``
(template row locked, holdings counted, the template decides, coupons + outbox + statistics
written, one commit per batch).
The baseline is the naive way, straight through asyncpg: per claim one transaction of
``UPDATE coupon_templates SET issued = issued + 1 WHERE id = $1 AND issued < total_quantity``
then one ``INSERT INTO coupons``; it checks no per-user limit and writes no outbox or
statistics. Same database, same tables (a fresh template per run), same durability settings,
same clients, same run; rounds are interleaved and each figure is the median over the rounds.
After every run the template's ``issued`` must equal the coupons in the table and the claims
the clients were granted.

PostgreSQL here allows 100 connections, so the baseline's clients cannot each hold one: they
share an asyncpg pool (a claim holds a connection for its whole transaction). More connections
only make the hot row's queue longer, so the script first tries the pool sizes of
``--baseline-connections`` and measures the baseline with the one that served it best.

A second part runs ``ours`` with each ``--max-batch`` value (``--sweep-seconds`` per run, the
values interleaved, ``--rounds`` times; median per value) and reports the best.

    .venv/bin/python benchmarks/coupon_claims.py [--clients 200] [--seconds 5] [--rounds 3]
        [--users 10000] [--baseline-connections 2,4,8,16,32] [--max-batch 50,100,200,400]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
import attrs
from bench_db import ADMIN_URL, admin_sql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.shared.system import SystemClock, UuidV7Generator
from shop_adapters.sql.engine import make_engine, upgrade
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.coupons import commands as c
from shop_app.coupons.claiming import claim_batching
from shop_app.coupons.handlers import coupon_command_handlers
from shop_app.coupons.policy import CouponPolicy
from shop_app.shared.messagebus import MessageBus
from shop_domain.coupons.template import TemplateDefinition
from shop_domain.coupons.terms import Benefit, CouponKind, CouponTerms, Limits, Validity
from shop_domain.shared.ids import new_id
from shop_domain.shared.money import Money

TOTAL = 100_000_000  # never runs out
PER_USER = 1000
VALID_DAYS = 30

GUARDED_UPDATE = (
    "UPDATE coupon_templates SET issued = issued + 1 WHERE id = $1 AND issued < total_quantity"
)
INSERT_COUPON = (
    "INSERT INTO coupons (id, template_id, user_id, state, via, acquired_at, acquired_on, "
    "valid_from, valid_until, returnable, note, version) "
    "VALUES ($1, $2, $3, 'available', 'claim', $4, $5, $4, $6, true, '', 1)"
)

ClaimOnce = Callable[[uuid.UUID, uuid.UUID], Awaitable[None]]


@attrs.define
class Run:
    claims: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.claims / self.seconds


@attrs.define
class Batches:
    """What the batcher's transactions looked like during one run of ours."""

    sizes: list[int] = attrs.field(factory=list)
    seconds: list[float] = attrs.field(factory=list)


class MeasuredBus(MessageBus):
    """The real bus, timing each ``ClaimBatch`` it handles into ``record.batches`` (a few clock
    reads per batch)."""

    def __init__(self, *args: Any, record: Stack, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.record = record

    async def handle(self, command: object, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await super().handle(command, **kwargs)
        finally:
            if isinstance(command, c.ClaimBatch):
                self.record.batches.sizes.append(len(command.claims))
                self.record.batches.seconds.append(time.perf_counter() - started)


def _definition(name: str) -> TemplateDefinition:
    return TemplateDefinition(
        name=name,
        terms=CouponTerms(benefit=Benefit(kind=CouponKind.CASH, value=Money(500, "CNY"))),
        validity=Validity.relative(VALID_DAYS),
        limits=Limits(total_quantity=TOTAL, per_user=PER_USER, per_user_per_day=PER_USER),
    )


class Stack:
    """The real stack, wired by hand as the composition root wires it."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = make_engine(url, pool_size=4)
        clock, ids = SystemClock(), UuidV7Generator()
        self.uow = lambda: SqlShopUnitOfWork(self.engine, clock, ids)
        self.batches = Batches()
        self.bus = self.bus_batching(200)

    def bus_batching(self, max_batch: int) -> MeasuredBus:
        """A bus as the composition root builds it, batching up to ``max_batch`` claims."""
        return MeasuredBus(
            self.uow,
            coupon_command_handlers(CouponPolicy()),
            middlewares=[claim_batching(max_batch)],
            record=self,
        )

    async def fresh_template(self, name: str) -> uuid.UUID:
        template_id: uuid.UUID = await self.bus.handle(
            c.CreateTemplate(definition=_definition(name), created_by="bench")
        )
        await self.bus.handle(c.ActivateTemplate(template_id=template_id))
        return template_id

    def claimer(self, max_batch: int) -> ClaimOnce:
        bus = self.bus_batching(max_batch)

        async def claim(template_id: uuid.UUID, user_id: uuid.UUID) -> None:
            await bus.handle(c.ClaimCoupon(template_id=template_id, user_id=user_id))

        return claim


def _baseline(pool: asyncpg.Pool) -> ClaimOnce:
    async def claim(template_id: uuid.UUID, user_id: uuid.UUID) -> None:
        async with pool.acquire() as conn, conn.transaction():
            if await conn.execute(GUARDED_UPDATE, template_id) != "UPDATE 1":
                raise RuntimeError("sold out")
            now = dt.datetime.now(dt.UTC)
            await conn.execute(
                INSERT_COUPON,
                new_id(),
                template_id,
                user_id,
                now,
                now.date(),
                now + dt.timedelta(days=VALID_DAYS),
            )

    return claim


async def _drive(
    clients: int,
    seconds: float,
    users: Sequence[uuid.UUID],
    template_id: uuid.UUID,
    claim: ClaimOnce,
) -> Run:
    """``clients`` tasks claim in a loop until ``seconds`` have passed; every claim counts,
    including those in flight at the deadline."""
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds

    async def client(index: int) -> None:
        mine = users[index::clients]
        n = 0
        while time.perf_counter() < deadline:
            user = mine[n % len(mine)]
            n += 1
            before = time.perf_counter()
            await claim(template_id, user)
            latencies.append(time.perf_counter() - before)

    await asyncio.gather(*(client(i) for i in range(clients)))
    return Run(len(latencies), time.perf_counter() - started, latencies)


async def _check_exact(
    conn: asyncpg.Connection, template_id: uuid.UUID, run: Run, side: str
) -> None:
    issued = await conn.fetchval("SELECT issued FROM coupon_templates WHERE id = $1", template_id)
    rows = await conn.fetchval("SELECT count(*) FROM coupons WHERE template_id = $1", template_id)
    if not issued == rows == run.claims:
        raise AssertionError(
            f"{side}: issued={issued} coupons={rows} granted={run.claims} — not exact"
        )


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _latency(runs: Sequence[Run]) -> str:
    every = [x for run in runs for x in run.latencies]
    p50, p99 = _percentile(every, 0.50), _percentile(every, 0.99)
    return f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one measured run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=10_000, help="distinct users (≥ clients)")
    parser.add_argument(
        "--baseline-connections",
        default="2,4,8,16,32",
        help="pool sizes to try for the baseline; the best one is measured",
    )
    parser.add_argument("--max-batch", default="50,100,200,400", help="values to compare")
    parser.add_argument("--default-max-batch", type=int, default=200, help="for the rounds")
    parser.add_argument("--sweep-seconds", type=float, default=3.0, help="one max_batch run")
    args = parser.parse_args()
    max_batches = [int(v) for v in args.max_batch.split(",") if v]
    users = [uuid.uuid4() for _ in range(max(args.users, args.clients))]

    name = f"shop_bench_{uuid.uuid4().hex[:10]}"
    await admin_sql(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        stack = Stack(url)
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        checker = await asyncpg.connect(dsn)

        async def run(side: str, claim: ClaimOnce, seconds: float) -> Run:
            template_id = await stack.fresh_template(f"bench {side}")
            result = await _drive(args.clients, seconds, users, template_id, claim)
            await _check_exact(checker, template_id, result, side)
            return result

        ours = stack.claimer(args.default_max_batch)
        await run("warm-up ours", ours, 1.5)
        # the baseline gets its best pool size (a hot row serves few connections best)
        probes: dict[int, float] = {}
        for size in [int(v) for v in args.baseline_connections.split(",")]:
            probe_pool = await asyncpg.create_pool(dsn, min_size=size, max_size=size)
            probes[size] = (await run(f"baseline/{size}", _baseline(probe_pool), 1.5)).rate
            await probe_pool.close()
        connections = max(probes, key=lambda k: probes[k])
        pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
        base = _baseline(pool)
        ours_runs, base_runs = [], []
        batches: list[Batches] = []
        for _ in range(args.rounds):  # interleaved, so drift hits both alike
            stack.batches = Batches()
            ours_runs.append(await run("ours", ours, args.seconds))
            batches.append(stack.batches)
            base_runs.append(await run("baseline", base, args.seconds))

        # max_batch: each value once per round, interleaved, shorter runs; median per value
        sweep: dict[int, list[float]] = {value: [] for value in max_batches}
        sweep_sizes: dict[int, list[int]] = {value: [] for value in max_batches}
        claimers = {value: stack.claimer(value) for value in max_batches}
        for _ in range(args.rounds if max_batches else 0):
            for value in max_batches:
                stack.batches = Batches()
                result = await run(f"max_batch={value}", claimers[value], args.sweep_seconds)
                sweep[value].append(result.rate)
                sweep_sizes[value].extend(stack.batches.sizes)
        await pool.close()
        await checker.close()
        await stack.engine.dispose()
    finally:
        await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    ours_rate = statistics.median(r.rate for r in ours_runs)
    base_rate = statistics.median(r.rate for r in base_runs)
    sizes = [s for b in batches for s in b.sizes]
    spent = [s for b in batches for s in b.seconds]
    busy = sum(spent) / sum(r.seconds for r in ours_runs)
    print("benchmark: claims of one hot coupon template on PostgreSQL")
    print(
        f"parameters: clients={args.clients} users={len(users)} seconds={args.seconds:g} "
        f"rounds={args.rounds} max_batch={args.default_max_batch} "
        f"per_user={PER_USER}"
    )
    print(
        "baseline pool sizes tried (1.5 s each): "
        + ", ".join(f"{k}={v:.0f} claims/s" for k, v in probes.items())
        + f"; measured with {connections}"
    )
    print(f"ours (claim batching, real stack): {ours_rate:.0f} claims/s")
    print(f"baseline (asyncpg, guarded UPDATE + INSERT per claim): {base_rate:.0f} claims/s")
    print(f"ratio: {ours_rate / base_rate:.2f}")
    print(f"ours latency: {_latency(ours_runs)}")
    print(f"baseline latency: {_latency(base_runs)}")
    print(
        f"ours batches: {len(sizes)} mean size {statistics.mean(sizes):.1f}, "
        f"mean transaction {statistics.mean(spent) * 1000:.1f} ms "
        f"({statistics.mean(spent) / statistics.mean(sizes) * 1e6:.0f} us/claim), "
        f"worker busy {busy:.0%}"
    )
    if max_batches:
        rates = {value: statistics.median(sweep[value]) for value in max_batches}
        print(
            f"max_batch (median of {args.rounds} interleaved {args.sweep_seconds:g}-s runs): "
            + ", ".join(
                f"{value}={rates[value]:.0f} claims/s "
                f"(mean batch {statistics.mean(sweep_sizes[value]):.0f})"
                for value in max_batches
            )
        )
        print(f"best max_batch: {max(rates, key=lambda k: rates[k])}")
        if max(max_batches) > args.clients:
            print(
                f"(values above {args.clients} act alike: a batch holds at most one claim "
                "per waiting client)"
            )
    print("exact: issued == coupons == granted after every run")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
