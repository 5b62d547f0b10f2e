"""One million one-time codes into PostgreSQL: ``CodeGenerator`` + ``SqlCodeStore`` against a
single ``COPY`` of pre-made rows.

``ours`` fills a batch reserved with ``ReserveCodeBatch`` the way the job does:
``CodeGenerator.generate`` draws each chunk from the cryptographic source and writes it through
``SqlCodeStore.insert_chunk`` (batch row locked, ``INSERT … ON CONFLICT DO NOTHING``, the batch's
``generated`` moved on), one short transaction per chunk, holding one chunk in memory. The
baseline copies the same number of rows (same columns: code, template, batch) into the same
table with asyncpg's ``copy_records_to_table`` in one go; its rows are made (with the same code
function) before its clock starts — so its time leaves generation out — but after its memory
mark, so its peak includes holding them all, which is what loading everything at once costs.

Each side runs in a subprocess of its own (no shared peak), on an emptied table: once without
tracemalloc for the wall time and the peak resident-set growth (the kernel's peak, ``VmHWM``,
reset just before the work, minus the resident set at that moment), and once under
tracemalloc for the peak of Python allocations (first round only). Each side is warmed up
before its memory mark: the baseline's connection is open, ours has been through a unit of work
once (pool open, plug-in modules imported, statements built). Times and RSS growth are
medians over the rounds. Prints both sides and ``ratio = ours / baseline``.

    .venv/bin/python benchmarks/coupon_codes.py [--count 1000000] [--rounds 3] [--no-trace]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import uuid
from typing import Any

from bench_db import ADMIN_URL, admin_sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shop_adapters.shared.system import SystemClock, UuidV7Generator
from shop_adapters.sql.engine import make_engine, upgrade
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.coupons import commands as c
from shop_app.coupons.handlers import coupon_command_handlers
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.results import CodeBatchStarted
from shop_app.shared.messagebus import MessageBus
from shop_domain.coupons.template import TemplateDefinition
from shop_domain.coupons.terms import (
    Benefit,
    CouponKind,
    CouponTerms,
    Distribution,
    Limits,
    Validity,
)
from shop_domain.shared.money import Money

SIDES = ("baseline", "ours")


def _bus(url: str, policy: CouponPolicy) -> tuple[Any, MessageBus, Any]:
    engine = make_engine(url, pool_size=2)
    clock, ids = SystemClock(), UuidV7Generator()

    def uow() -> SqlShopUnitOfWork:
        return SqlShopUnitOfWork(engine, clock, ids)

    return engine, MessageBus(uow, coupon_command_handlers(policy)), uow


# --- one side, in a process of its own --------------------------------------------------------


async def _child(args: argparse.Namespace) -> dict[str, Any]:
    template_id, batch_id = uuid.UUID(args.template), uuid.UUID(args.batch)
    if args.side == "ours":
        from shop_adapters.sql.coupons.codes import SqlCodeStore
        from shop_app.coupons.codegen import CodeGenerator

        policy = CouponPolicy(code_chunk=args.chunk)
        engine, _, uow = _bus(args.url, policy)
        generator = CodeGenerator(uow, SqlCodeStore(engine), SystemClock(), policy)
        # warm up as a running job process is warm (the baseline warms its link): the pool
        # open, and the unit of work's first use behind us — it imports the plug-ins' modules
        # and builds their statements, a one-off cost of ~10 MiB that is not the generation's
        async with uow() as warm:
            await warm.code_batches.get(batch_id)
    else:
        import asyncpg

        from shop_domain.coupons.codes import unique_codes

        dsn = make_url(args.url).set(drivername="postgresql").render_as_string(False)
        conn = await asyncpg.connect(dsn)
    before = _reset_peak()
    if args.traced:
        tracemalloc.start()
    if args.side == "ours":
        started = time.perf_counter()
        done = await generator.generate(batch_id)
        seconds = time.perf_counter() - started
        await engine.dispose()
    else:
        rows = [(code, template_id, batch_id) for code in unique_codes(args.count)]
        started = time.perf_counter()
        status = await conn.copy_records_to_table(
            "coupon_codes", records=rows, columns=["code", "template_id", "batch_id"]
        )
        seconds = time.perf_counter() - started
        done = int(status.rsplit(" ", 1)[-1])
        await conn.close()
    peak = tracemalloc.get_traced_memory()[1] if args.traced else None
    return {"seconds": seconds, "rows": done, "rss_kib": _peak() - before, "peak": peak}


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])  # kB
    raise LookupError(field)


def _reset_peak() -> int:
    """Reset the peak resident set to the current one (Linux: ``clear_refs`` 5) and return it
    in KiB, so that the peak read afterwards belongs to the work alone. Where that is not
    possible, fall back on ``ru_maxrss``, which only shows growth past the start-up peak."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return _status("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak() -> int:
    try:
        return _status("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _spawn(
    url: str, side: str, template: uuid.UUID, batch: uuid.UUID, args: Any, trace: bool
) -> Any:
    command = [
        sys.executable,
        __file__,
        "--child",
        side,
        "--url",
        url,
        "--template",
        str(template),
        "--batch",
        str(batch),
        "--count",
        str(args.count),
        "--chunk",
        str(args.chunk),
    ]
    if trace:
        command.append("--traced")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- the driver ---------------------------------------------------------------------------


async def _prepare(bus: MessageBus, count: int, engine: Any) -> tuple[uuid.UUID, uuid.UUID]:
    """An emptied code table and a freshly reserved batch of ``count`` codes."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("TRUNCATE coupon_codes"))
        await conn.execute(text("CHECKPOINT"))  # neither side pays for the other's dirty pages
    template_id: uuid.UUID = await bus.handle(
        c.CreateTemplate(
            definition=TemplateDefinition(
                name="codes bench",
                terms=CouponTerms(benefit=Benefit(kind=CouponKind.CASH, value=Money(500, "CNY"))),
                validity=Validity.relative(30),
                limits=Limits(total_quantity=count, per_user=1),
                distribution=Distribution.CLAIMABLE,
            ),
            created_by="bench",
        )
    )
    started: CodeBatchStarted = await bus.handle(
        c.ReserveCodeBatch(template_id=template_id, count=count, created_by="bench")
    )
    return template_id, started.batch_id


async def _count(engine: Any, batch_id: uuid.UUID) -> tuple[int, int | None, str | None]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT count(*) FROM coupon_codes WHERE batch_id = :b"), {"b": batch_id}
            )
        ).scalar_one()
        batch = (
            await conn.execute(
                text("SELECT generated, state FROM coupon_code_batches WHERE id = :b"),
                {"b": batch_id},
            )
        ).one()
    return rows, batch.generated, batch.state


async def main(args: argparse.Namespace) -> None:
    name = f"shop_bench_{uuid.uuid4().hex[:10]}"
    await admin_sql(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    results: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    traced: dict[str, list[int]] = {side: [] for side in SIDES}
    try:
        await asyncio.to_thread(upgrade, url)
        engine, bus, _ = _bus(url, CouponPolicy())
        for round_ in range(args.rounds):  # sides alternate, so drift hits both alike
            for side in SIDES:
                template_id, batch_id = await _prepare(bus, args.count, engine)
                result = await asyncio.to_thread(
                    _spawn, url, side, template_id, batch_id, args, False
                )
                rows, generated, state = await _count(engine, batch_id)
                if rows != args.count or result["rows"] != args.count:
                    raise AssertionError(f"{side}: {rows} rows for {args.count} codes")
                if side == "ours" and (generated, state) != (args.count, "ready"):
                    raise AssertionError(f"ours: batch says {generated} codes, {state}")
                results[side].append(result)
                if args.trace and round_ == 0:  # allocation peaks do not drift: once
                    template_id, batch_id = await _prepare(bus, args.count, engine)
                    traced[side].append(
                        (
                            await asyncio.to_thread(
                                _spawn, url, side, template_id, batch_id, args, True
                            )
                        )["peak"]
                    )
        await engine.dispose()
    finally:
        await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def med(side: str, key: str) -> float:
        return statistics.median(r[key] for r in results[side])

    ours_s, base_s = med("ours", "seconds"), med("baseline", "seconds")
    ours_rss, base_rss = med("ours", "rss_kib") / 1024, med("baseline", "rss_kib") / 1024
    print("benchmark: one-time codes into PostgreSQL")
    print(
        f"parameters: count={args.count} chunk={args.chunk} rounds={args.rounds} "
        "(baseline rows made before its clock starts, after its memory mark)"
    )
    print(f"ours (CodeGenerator + SqlCodeStore): {ours_s:.2f} s ({args.count / ours_s:.0f}/s)")
    print(f"baseline (asyncpg COPY of pre-made rows): {base_s:.2f} s ({args.count / base_s:.0f}/s)")
    print(f"ratio (time): {ours_s / base_s:.2f}")
    print(f"ours peak RSS growth: {ours_rss:.1f} MiB")
    print(f"baseline peak RSS growth (rows included): {base_rss:.1f} MiB")
    print(f"ratio (peak RSS growth): {ours_rss / base_rss:.2f}")
    if args.trace:
        ours_peak = statistics.median(traced["ours"]) / 2**20
        base_peak = statistics.median(traced["baseline"]) / 2**20
        print(f"ours tracemalloc peak: {ours_peak:.1f} MiB")
        print(f"baseline tracemalloc peak: {base_peak:.1f} MiB")
        print(f"ratio (tracemalloc peak): {ours_peak / base_peak:.2f}")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=CouponPolicy().code_chunk)
    parser.add_argument("--no-trace", dest="trace", action="store_false")
    # the subprocess of one side
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--template", help=argparse.SUPPRESS)
    parser.add_argument("--batch", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _parse()
    if arguments.child:
        arguments.side = arguments.child
        print(json.dumps(asyncio.run(_child(arguments))))
    else:
        asyncio.run(main(arguments))
