"""A 1,000,000-card gift-card batch into PostgreSQL: the real stack against one ``COPY`` of
pre-made rows.

``ours`` does what an operator's request does, through the runtime ``bootstrap`` wires: the
``CreateBatch`` command (the batch row, its history, the ``GENERATE_CARDS`` job queued in the
same transaction), then that job run by the job runner (``run_inline``): ``CardGenerator`` draws
each chunk — random 16-digit numbers with a Luhn check digit, 16-symbol secrets, all from the
cryptographic source — seals every secret with AES-256-GCM bound to its number, and writes the
chunk through ``SqlCardStore.insert_chunk`` (batch row locked, one ``INSERT … SELECT FROM
unnest(…) ON CONFLICT DO NOTHING``, the batch's ``generated`` moved on), one short transaction
per chunk, reporting progress to the job after each; finally ``ConfirmGenerated``. Memory holds
one chunk. The baseline copies the same number of rows of the same shape (every column ``ours``
writes: id, batch, number, key id, sealed secret of the same length, face value, balance,
currency, state, sales state, creation time, version) into the same table with asyncpg's
``copy_records_to_table`` in one go. Its rows are made with the same functions (numbers,
secrets, sealing, ids) before its clock starts — so its time leaves out everything that makes
a card — but after its memory mark, so its peak includes holding them all, which is what
loading everything at once costs.

Each side runs in a subprocess of its own (no shared peak) on a fresh database (created and
migrated for that run, dropped after; ``--reuse-db`` empties the cards table of one database
instead): once without tracemalloc for the wall time and the peak resident-set growth (the
kernel's peak, ``VmHWM``, reset just before the work, minus the resident set at that moment),
and — with ``--trace``, first round only — once under tracemalloc for the peak of Python
allocations. Times and RSS growth are medians over the rounds; sides alternate. After every
run the batch must hold exactly ``count`` cards with ``count`` distinct numbers (and ``ours``
its ``generated`` at ``count``, the job succeeded). Prints both sides and
``ratio = ours / baseline``.

    .venv/bin/python benchmarks/giftcard_batch.py [--count 1000000] [--rounds 2]
        [--chunk 10000] [--trace] [--reuse-db]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from typing import Any

from bench_db import ADMIN_URL, admin_sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shop_adapters.bootstrap import bootstrap
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.keyring import secret_box
from shop_adapters.sql.engine import make_engine, upgrade
from shop_app.giftcards import commands as c
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.results import BatchStarted
from shop_domain.giftcards.batch import BatchDefinition, CardKind, Validity
from shop_domain.shared.money import Money

KEYS_ENV = "SHOP_GIFTCARD_KEYS"  # handed to the children in their environment, never argv
SIDES = ("baseline", "ours")
FACE = 10_000
SALES = "not_for_sale"  # physical cards
COLUMNS = [
    "id",
    "batch_id",
    "number",
    "secret_key_id",
    "secret_blob",
    "face_value_minor",
    "balance_minor",
    "currency",
    "state",
    "sales_state",
    "created_at",
    "version",
]


def _definition(name: str) -> BatchDefinition:
    return BatchDefinition(
        name=name,
        kind=CardKind.PHYSICAL,
        face_value=Money(FACE, "CNY"),
        validity=Validity(),
        owner="bench",
        card_maker="bench printer",
    )


async def _runtime(url: str, chunk: int) -> Runtime:
    runtime = bootstrap(
        Settings(
            database_url=url,
            database_pool_size=2,
            sms="memory",
            sections=[
                GiftCardSettings(
                    keys=os.environ[KEYS_ENV], chunk=chunk, export_dir=tempfile.gettempdir()
                )
            ],
        )
    )
    await runtime.start()  # the keys are checked against the database before any use
    return runtime


# --- one side, in a process of its own --------------------------------------------------------


def _premade_rows(count: int, batch_id: uuid.UUID, chunk: int) -> list[tuple[Any, ...]]:
    """``count`` rows as ``ours`` writes them, made with the same functions, in the order they
    were drawn (a repeated number, rare at 16 digits, is dropped and drawn again)."""
    from shop_app.giftcards.generation import bulk_ids
    from shop_domain.giftcards import numbers

    box = secret_box(os.environ[KEYS_ENV])
    now = dt.datetime.now(dt.UTC)
    millis = int(now.timestamp() * 1000)
    rows: list[tuple[Any, ...]] = []
    while len(rows) < count:
        while len(rows) < count:
            size = min(chunk, count - len(rows))
            drawn = numbers.random_numbers(size)
            sealed = box.seal_many(list(zip(drawn, numbers.random_secrets(size), strict=True)))
            key_id = box.key_id
            rows.extend(
                (i, batch_id, n, key_id, s.blob, FACE, FACE, "CNY", "pending", SALES, now, 1)
                for i, n, s in zip(bulk_ids(size, millis), drawn, sealed, strict=True)
            )
        ordered = sorted(row[2] for row in rows)  # references only: no set of a million
        repeated = {a for a, b in itertools.pairwise(ordered) if a == b}
        del ordered
        if repeated:
            rows = [row for row in rows if row[2] not in repeated]
    return rows


async def _child(args: argparse.Namespace) -> dict[str, Any]:
    if args.side == "ours":
        runtime = await _runtime(args.url, args.chunk)
        await runtime.check_ready()  # the pool is warm, as the baseline's link is
    else:
        import asyncpg

        dsn = make_url(args.url).set(drivername="postgresql").render_as_string(False)
        conn = await asyncpg.connect(dsn)
    before = _reset_peak()
    if args.traced:
        tracemalloc.start()
    if args.side == "ours":
        started = time.perf_counter()
        answer: BatchStarted = await runtime.bus.handle(
            c.CreateBatch(definition=_definition("batch bench"), actor="bench", count=args.count)
        )
        assert answer.job_id is not None
        job = await runtime.job_runner.run_inline(answer.job_id, "bench")
        seconds = time.perf_counter() - started
        await runtime.close()
        if job.state != "succeeded" or job.result is None:
            raise AssertionError(f"ours: the job ended {job.state}: {job.error}")
        batch_id, done = answer.batch_id, int(job.result["generated"])
    else:
        batch_id = uuid.UUID(args.batch)
        rows = _premade_rows(args.count, batch_id, args.chunk)
        started = time.perf_counter()
        status = await conn.copy_records_to_table("giftcards", records=rows, columns=COLUMNS)
        seconds = time.perf_counter() - started
        done = int(status.rsplit(" ", 1)[-1])
        await conn.close()
    peak = tracemalloc.get_traced_memory()[1] if args.traced else None
    return {
        "seconds": seconds,
        "rows": done,
        "rss_kib": _peak() - before,
        "peak": peak,
        "batch": str(batch_id),
    }


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


def _spawn(url: str, side: str, batch: uuid.UUID | None, args: Any, trace: bool) -> Any:
    command = [
        sys.executable,
        __file__,
        "--child",
        side,
        "--url",
        url,
        "--count",
        str(args.count),
        "--chunk",
        str(args.chunk),
    ]
    if batch is not None:
        command += ["--batch", str(batch)]
    if trace:
        command.append("--traced")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- the driver ---------------------------------------------------------------------------


class Databases:
    """A fresh, migrated database per run (or one, emptied between runs, with ``reuse``)."""

    def __init__(self, reuse: bool) -> None:
        self.reuse = reuse
        self._shared: str | None = None
        self.made: list[str] = []

    async def fresh(self) -> str:
        if self.reuse and self._shared is not None:
            engine = make_engine(self._shared, pool_size=1)
            try:
                async with engine.connect() as conn:
                    await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await conn.execute(text("TRUNCATE giftcards"))
                    await conn.execute(text("CHECKPOINT"))
            finally:
                await engine.dispose()
            return self._shared
        name = f"shop_bench_{uuid.uuid4().hex[:10]}"
        await admin_sql(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade, url)
        await admin_sql("CHECKPOINT")  # neither side pays for the other's dirty pages
        self._shared = url
        return url

    async def done(self, url: str) -> None:
        if not self.reuse:
            await self.drop(make_url(url).database or "")

    async def drop(self, name: str) -> None:
        if name in self.made:
            self.made.remove(name)
            await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def close(self) -> None:
        for name in list(self.made):
            await self.drop(name)


async def _baseline_batch(url: str, count: int, chunk: int) -> uuid.UUID:
    """The batch the baseline's rows belong to (made through the bus; its job never runs)."""
    runtime = await _runtime(url, chunk)
    try:
        started: BatchStarted = await runtime.bus.handle(
            c.CreateBatch(definition=_definition("copy baseline"), actor="bench", count=count)
        )
        return started.batch_id
    finally:
        await runtime.close()


async def _check(url: str, batch_id: uuid.UUID, count: int, side: str) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows, distinct = (
                await conn.execute(
                    text(
                        "SELECT count(*), count(DISTINCT number) FROM giftcards WHERE batch_id = :b"
                    ),
                    {"b": batch_id},
                )
            ).one()
            generated = (
                await conn.execute(
                    text("SELECT generated FROM giftcard_batches WHERE id = :b"), {"b": batch_id}
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    if rows != count or distinct != count:
        raise AssertionError(f"{side}: {rows} rows, {distinct} numbers for {count} cards")
    if side == "ours" and generated != count:
        raise AssertionError(f"ours: the batch says {generated} cards were generated")


async def _one(databases: Databases, side: str, args: argparse.Namespace, trace: bool) -> Any:
    url = await databases.fresh()
    try:
        batch = await _baseline_batch(url, args.count, args.chunk) if side == "baseline" else None
        result = await asyncio.to_thread(_spawn, url, side, batch, args, trace)
        if result["rows"] != args.count:
            raise AssertionError(f"{side}: wrote {result['rows']} of {args.count} cards")
        if not trace:
            await _check(url, uuid.UUID(result["batch"]), args.count, side)
        return result
    finally:
        await databases.done(url)


async def main(args: argparse.Namespace) -> None:
    os.environ[KEYS_ENV] = f"bench:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"
    databases = Databases(args.reuse_db)
    results: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    traced: dict[str, list[int]] = {side: [] for side in SIDES}
    try:
        for round_ in range(args.rounds):  # sides alternate, so drift hits both alike
            for side in SIDES:
                results[side].append(await _one(databases, side, args, False))
                if args.trace and round_ == 0:  # allocation peaks do not drift: once
                    traced[side].append((await _one(databases, side, args, True))["peak"])
    finally:
        await databases.close()

    def med(side: str, key: str) -> float:
        return float(statistics.median(r[key] for r in results[side]))

    ours_s, base_s = med("ours", "seconds"), med("baseline", "seconds")
    ours_rss, base_rss = med("ours", "rss_kib") / 1024, med("baseline", "rss_kib") / 1024
    print("benchmark: a gift-card batch into PostgreSQL")
    print(
        f"parameters: count={args.count} chunk={args.chunk} rounds={args.rounds} "
        f"database={'one, emptied per run' if args.reuse_db else 'fresh per run'} "
        "(baseline rows made before its clock starts, after its memory mark)"
    )
    print(
        f"ours (CreateBatch + GENERATE_CARDS job: CardGenerator + SqlCardStore): "
        f"{ours_s:.2f} s ({args.count / ours_s:.0f} cards/s)"
    )
    print(
        f"baseline (asyncpg COPY of pre-made rows): {base_s:.2f} s "
        f"({args.count / base_s:.0f} cards/s)"
    )
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
    print("exact: count rows, count distinct numbers after every run")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=GiftCardPolicy().card_chunk)
    parser.add_argument(
        "--trace", action="store_true", help="also the tracemalloc peaks (one more run a side)"
    )
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="one database, its cards table emptied between runs (default: a fresh one per run)",
    )
    # the subprocess of one side
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
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
