"""A backlog of waiting outbox events through ``shop relay`` to RabbitMQ, against bare aio-pika.

``ours`` is the real command, ``shop relay`` (``OutboxRelay`` + ``RabbitMQPublisher``, publisher
confirms), started as one or two subprocesses on a throwaway PostgreSQL database and a durable
topic exchange of its own. ``shop relay --once`` publishes a single batch and exits, so the
long-running form is used: each relay is started and warmed up (a few batches of other rows go
through it, which opens its database pool and its broker connection), then the table is emptied
and N rows are inserted in one ``COPY`` with ``next_attempt_at`` a few seconds ahead, and
``VACUUM (ANALYZE)`` runs — none of this is timed. The clock starts when the rows fall due and
stops when the bound queue holds N messages and no row is left unsent (polled every 10–50 ms).
The relays poll an empty outbox every ``--interval-ms`` (``SHOP_RELAY_INTERVAL_MS``), so they
pick the rows up within that time; they log one line per batch, as ``shop relay`` does. The CPU
time the relay processes spent during the clock (``/proc``) is printed per event.

The baseline, in this process, publishes the same messages — the same bodies (encoded with
``envelope.encode`` from the rows read back from the database), the same AMQP properties (the
``version`` header too) and routing keys (``<type>.v<version>``) — with bare aio-pika on one
channel with publisher confirms, in batches of the same size: it sends a batch, awaits every
confirm of it, then marks it sent with one ``UPDATE outbox SET sent_at = $1 WHERE position =
ANY($2)`` through asyncpg (autocommit). It starts from the same table state (same rows, ``COPY``,
``VACUUM (ANALYZE)``); reading and encoding the rows happen before its clock, so it is the floor
of what relaying costs with aio-pika: the broker's confirms plus one statement per batch. The
baseline is one publisher; the two-relay figures are compared with it too.

Each run is checked: exactly N messages in the queue, no row left unsent, and one delivered
message's body and properties equal to the baseline's for the same id. Runs of the two sides
alternate over the rounds; medians are printed with ``ratio = ours / baseline``. The exchange and
queue (unique names) and the database are deleted at the end.

    .venv/bin/python benchmarks/relay.py [--events 100000] [--batch-sizes 100,500] [--relays 1,2]
        [--rounds 2] [--interval-ms 50] [--timeout 300] [--queue-arguments JSON]

The bound queue is declared as ``RabbitMQConsumer`` declares its queues — a quorum queue — unless
``--queue-arguments`` says otherwise (``'{}'``: a classic queue). The CPU time per event of the
relay processes, the broker (``beam.smp``) and the database (the benchmark database's backends
and PostgreSQL's own processes) is printed for each side.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import aio_pika
import aiormq
import asyncpg
from aio_pika.abc import AbstractExchange
from bench_db import ADMIN_URL, admin_sql
from relay_support import (
    cpu_seconds,
    fill,
    log_tail,
    messages,
    queue_count,
    records,
    service_cpu,
    start_relays,
    stop_relays,
    wait_drained,
)
from sqlalchemy.engine import make_url

from shop_adapters.bootstrap import bootstrap
from shop_adapters.messaging import envelope
from shop_adapters.messaging.amqp import routing_key
from shop_adapters.messaging.rabbitmq import DEFAULT_QUEUE_ARGUMENTS
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.settings import Settings
from shop_adapters.sql.engine import upgrade
from shop_app.shared.ports import OutboxMessage

RABBITMQ_URL = os.environ.get("SHOP_BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
READ_ROWS = (
    "SELECT position, id, type, version, aggregate_type, aggregate_id, payload::text AS payload, "
    "occurred_at FROM outbox WHERE sent_at IS NULL ORDER BY position"
)
MARK_SENT = "UPDATE outbox SET sent_at = $1 WHERE position = ANY($2::bigint[])"
UNSENT = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"


# --- a run of each side -------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, url: str, dsn: str, exchange: str, queue: str):
        self.args = args
        self.url, self.dsn = url, dsn
        self.database = make_url(url).database or ""
        self.exchange_name, self.queue_name = exchange, queue
        self.messages = messages(args.events)
        self.prep_seconds = 5.0
        self.keys = f"bench:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"
        # message id -> (body, type), as the relay must send it; filled on the first baseline run
        self.expected: dict[str, tuple[bytes, str]] = {}
        # (batch, relays) -> the relay processes' CPU time per event (µs), per run
        self.cpu_per_event: dict[tuple[int, int], list[float]] = {}
        # side -> the broker's and the database's CPU time per event (µs), per run
        self.service_cpu: dict[object, list[dict[str, float]]] = {}

    async def open(self) -> None:
        # the start step records the gift-card key once, before any relay starts
        runtime = bootstrap(
            Settings(
                database_url=self.url, sms="memory", sections=[GiftCardSettings(keys=self.keys)]
            )
        )
        try:
            await runtime.start()
        finally:
            await runtime.close()
        self.db: asyncpg.Connection = await asyncpg.connect(self.dsn)
        self.amqp = await aio_pika.connect(RABBITMQ_URL)
        self.channel = await self.amqp.channel()
        exchange = await self.channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await self.channel.declare_queue(
            self.queue_name, durable=True, arguments=self.args.queue_arguments or None
        )
        await queue.bind(exchange, routing_key="#")
        self.queue = queue
        # measured once: how long emptying, inserting and vacuuming N rows take here
        self.prep_seconds = await fill(self.db, records(self.messages, dt.datetime.now(dt.UTC)))

    async def close(self) -> None:
        try:
            await self.queue.delete(if_unused=False, if_empty=False)
            await self.channel.exchange_delete(self.exchange_name)
        finally:
            await self.amqp.close()
            await self.db.close()

    async def _check(self, side: str) -> None:
        n = self.args.events
        delivered = await queue_count(self.channel, self.queue_name)
        unsent = await self.db.fetchval(UNSENT)
        if delivered != n or unsent != 0:
            raise RuntimeError(f"{side}: {delivered} delivered of {n}, {unsent} rows left unsent")
        message = await self.queue.get(no_ack=True, timeout=10)
        assert message is not None
        body, kind = self.expected[str(message.message_id)]
        same = (
            message.body == body
            and message.type == kind
            and message.routing_key == routing_key(kind, 1)
            # a quorum queue adds its own x-delivery-count
            and {k: v for k, v in message.headers.items() if not k.startswith("x-")}
            == {"version": 1}
            and message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
            and message.content_type == "application/json"
            and message.app_id == "shop"
        )
        if not same:
            raise RuntimeError(f"{side}: a delivered message differs from the baseline's")
        await self.queue.purge()

    async def ours(self, batch: int, relays: int) -> float:
        await self.queue.purge()
        logs = Path(tempfile.mkdtemp(prefix="shop-bench-relay-"))
        env = {
            **os.environ,
            "SHOP_DATABASE_URL": self.url,
            "SHOP_MIGRATE_ON_START": "0",
            "SHOP_BROKER": "rabbitmq",
            "SHOP_RABBITMQ_URL": RABBITMQ_URL,
            "SHOP_RABBITMQ_EXCHANGE": self.exchange_name,
            "SHOP_RELAY_BATCH_SIZE": str(batch),
            "SHOP_RELAY_INTERVAL_MS": str(self.args.interval_ms),
            "SHOP_GIFTCARD_KEYS": self.keys,
            "SHOP_SMS": "memory",
        }
        procs = start_relays(relays, env, logs)
        try:
            async with asyncio.timeout(self.args.timeout):
                # warm-up: a few batches per relay, through the same exchange and queue
                warm = messages(4 * batch * relays)
                await fill(self.db, records(warm, dt.datetime.now(dt.UTC)))
                await wait_drained(self.db, self.channel, self.queue_name, len(warm), procs)
                await self.queue.purge()
                # the backlog, due a little after it is in place (again, further ahead, if
                # putting it in place took longer than foreseen)
                while True:
                    lead = max(2.0, 3 * self.prep_seconds)
                    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead)
                    prep = await fill(self.db, records(self.messages, due))
                    self.prep_seconds = max(self.prep_seconds, prep)
                    wait = (due - dt.datetime.now(dt.UTC)).total_seconds()
                    if wait > 0:
                        break
                    self.prep_seconds = 2 * prep
                    await self.db.execute("TRUNCATE outbox")  # waits for a batch in flight
                    await self.queue.purge()
                cpu_before, services_before = cpu_seconds(procs), service_cpu(self.database)
                await asyncio.sleep(wait)
                started = time.perf_counter()
                await wait_drained(self.db, self.channel, self.queue_name, self.args.events, procs)
                elapsed = time.perf_counter() - started
                cpu = cpu_seconds(procs) - cpu_before
                self._services((batch, relays), services_before)
            if any(proc.poll() is not None for proc in procs):
                raise RuntimeError("a relay exited during the run")
            await self._check(f"ours (batch {batch}, {relays} relays)")
        except BaseException:
            print(log_tail(logs), file=sys.stderr)
            raise
        finally:
            stop_relays(procs)
            shutil.rmtree(logs, ignore_errors=True)
        self.cpu_per_event.setdefault((batch, relays), []).append(cpu / self.args.events * 1e6)
        return self.args.events / elapsed

    def _services(self, side: object, before: dict[str, float]) -> None:
        after = service_cpu(self.database)
        self.service_cpu.setdefault(side, []).append(
            {name: (after[name] - before[name]) / self.args.events * 1e6 for name in after}
        )

    def services_line(self, side: object) -> str:
        runs = self.service_cpu[side]
        return ", ".join(
            f"{name} {statistics.median(run[name] for run in runs):.1f}" for name in runs[0]
        )

    async def baseline(self, batch: int) -> float:
        await self.queue.purge()
        await fill(self.db, records(self.messages, dt.datetime.now(dt.UTC)))
        rows = await self.db.fetch(READ_ROWS)
        prepared = []
        for row in rows:
            message = OutboxMessage(
                id=row["id"],
                type=row["type"],
                payload=json.loads(row["payload"]),
                occurred_at=row["occurred_at"],
                aggregate_type=row["aggregate_type"],
                aggregate_id=row["aggregate_id"],
                version=row["version"],
            )
            body = envelope.encode(message)
            self.expected[str(message.id)] = (body, message.type)
            prepared.append((row["position"], body, message))
        batches = [prepared[i : i + batch] for i in range(0, len(prepared), batch)]

        connection = await aio_pika.connect(RABBITMQ_URL)
        try:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(self.exchange_name)
            await _publish(exchange, batches[0][:10])  # warm-up, then purged
            await self.queue.purge()
            async with asyncio.timeout(self.args.timeout):
                services_before = service_cpu(self.database)
                started = time.perf_counter()
                for chunk in batches:
                    await _publish(exchange, chunk)
                    await self.db.execute(
                        MARK_SENT, dt.datetime.now(dt.UTC), [position for position, _, _ in chunk]
                    )
                elapsed = time.perf_counter() - started
                self._services(batch, services_before)
        finally:
            await connection.close()
        await self._check(f"baseline (batch {batch})")
        return self.args.events / elapsed


async def _publish(
    exchange: AbstractExchange, chunk: Sequence[tuple[int, bytes, OutboxMessage]]
) -> None:
    results = await asyncio.gather(
        *(
            exchange.publish(
                aio_pika.Message(
                    body=body,
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=str(message.id),
                    type=message.type,
                    timestamp=message.occurred_at,
                    app_id="shop",
                    headers={"version": message.version},
                ),
                routing_key=routing_key(message.type, message.version),
            )
            for _, body, message in chunk
        )
    )
    if not all(isinstance(result, aiormq.spec.Basic.Ack) for result in results):
        raise RuntimeError("the broker did not confirm a batch")


def _ints(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if part]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    default_batch = Settings().relay_batch_size
    parser.add_argument(
        "--batch-sizes",
        type=_ints,
        default=sorted({100, default_batch}),
        help=f"comma-separated (default: 100, the old default, and {default_batch}, the default)",
    )
    parser.add_argument("--relays", type=_ints, default=[1, 2], help="comma-separated")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--interval-ms", type=int, default=50, help="SHOP_RELAY_INTERVAL_MS of the relays"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument(
        "--queue-arguments",
        type=json.loads,
        default=dict(DEFAULT_QUEUE_ARGUMENTS),
        help="of the bound queue, as JSON; the same queue for both sides (default: what "
        f"RabbitMQConsumer declares, {json.dumps(DEFAULT_QUEUE_ARGUMENTS)}); "
        "'{}' for a classic queue",
    )
    args = parser.parse_args()

    tag = uuid.uuid4().hex[:10]
    name = f"shop_bench_{tag}"
    await admin_sql(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    ours: dict[tuple[int, int], list[float]] = {}
    base: dict[int, list[float]] = {}
    try:
        await asyncio.to_thread(upgrade, url)
        bench = Bench(args, url, dsn, f"shop.bench.{tag}", f"shop.bench.{tag}")
        await bench.open()
        try:
            for r in range(args.rounds):
                for batch in args.batch_sizes:
                    sides = ["baseline", "ours"] if (r % 2 == 0) else ["ours", "baseline"]
                    if not bench.expected:
                        sides = ["baseline", "ours"]  # the baseline records the expected bodies
                    for side in sides:
                        if side == "baseline":
                            rate = await bench.baseline(batch)
                            base.setdefault(batch, []).append(rate)
                            print(f"  round {r + 1} baseline batch={batch}: {rate:.0f} events/s")
                            continue
                        for relays in args.relays:
                            rate = await bench.ours(batch, relays)
                            ours.setdefault((batch, relays), []).append(rate)
                            print(
                                f"  round {r + 1} ours batch={batch} relays={relays}: "
                                f"{rate:.0f} events/s",
                                flush=True,
                            )
        finally:
            await bench.close()
    finally:
        await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print("benchmark: a backlog of outbox events through `shop relay` to RabbitMQ (confirms)")
    print(
        f"parameters: events={args.events} batch_sizes={args.batch_sizes} relays={args.relays} "
        f"queue_arguments={args.queue_arguments or 'none (a classic queue)'} "
        f"rounds={args.rounds} interval_ms={args.interval_ms}"
    )
    for batch in args.batch_sizes:
        base_rate = statistics.median(base[batch])
        print(
            f"baseline (bare aio-pika, confirms, one UPDATE per batch), batch {batch}: "
            f"{base_rate:.0f} events/s (CPU µs/event: {bench.services_line(batch)})"
        )
        for relays in args.relays:
            rate = statistics.median(ours[(batch, relays)])
            cpu = statistics.median(bench.cpu_per_event[(batch, relays)])
            print(
                f"ours (shop relay x{relays}), batch {batch}: {rate:.0f} events/s "
                f"(CPU µs/event: relay {cpu:.1f}, {bench.services_line((batch, relays))}); "
                f"ratio: {rate / base_rate:.2f}"
            )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
