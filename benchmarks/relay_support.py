"""What `benchmarks/relay.py` relays: realistic outbox events, and the database, broker and relay
processes around a run."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
from aio_pika.abc import AbstractChannel

from shop_adapters.sql.messaging_tables import new_outbox_rows
from shop_app.shared.integration import REGISTRY, payload_of
from shop_app.shared.ports import OutboxMessage
from shop_domain.catalog.events import SkuPriceChanged
from shop_domain.catalog.products import Product
from shop_domain.coupons.coupon import Coupon
from shop_domain.coupons.events import CouponClaimed
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.events import CardSpent
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.events import DomainEvent
from shop_domain.shared.ids import new_id
from shop_domain.shared.money import Money

SHOP = Path(sys.executable).with_name("shop")

COLUMNS = (
    "id",
    "type",
    "version",
    "aggregate_type",
    "aggregate_id",
    "payload",
    "occurred_at",
    "created_at",
    "next_attempt_at",
    "attempts",
)
ANY_UNSENT = "SELECT EXISTS (SELECT 1 FROM outbox WHERE sent_at IS NULL)"


# --- the events ---------------------------------------------------------------------------------


def _event(i: int, now: dt.datetime) -> tuple[DomainEvent, type[Aggregate], uuid.UUID]:
    """One of the three hottest events of the shop, with realistic values; (event, aggregate
    class, aggregate id)."""
    if i % 3 == 0:
        card = new_id()
        spent = CardSpent(
            occurred_at=now,
            batch_id=new_id(),
            actor=f"user:{new_id()}",
            card_id=card,
            number=f"{6_000_000_000_000_000 + i:016d}",
            usage_id=new_id(),
            order_id=new_id(),
            amount=Money(2_500 + i % 997, "CNY"),
            balance=Money(50_000 - i % 997, "CNY"),
        )
        return spent, GiftCard, card
    if i % 3 == 1:
        coupon = new_id()
        claimed = CouponClaimed(
            occurred_at=now,
            coupon_id=coupon,
            template_id=new_id(),
            user_id=new_id(),
            via="claim",
            valid_from=now,
            valid_until=now + dt.timedelta(days=30),
            first_for_user=i % 2 == 0,
        )
        return claimed, Coupon, coupon
    product = new_id()
    changed = SkuPriceChanged(
        occurred_at=now,
        product_id=product,
        sku_id=new_id(),
        old_sale_price=Money(9900 + i % 50, "CNY"),
        new_sale_price=Money(9899 + i % 50, "CNY"),
        old_list_price=Money(12900, "CNY"),
        new_list_price=Money(12900, "CNY"),
    )
    return changed, Product, product


def messages(count: int) -> list[OutboxMessage]:
    """What the unit of work writes for these events: each one's integration event (type,
    version, explicit payload) about its aggregate's stable name."""
    now = dt.datetime.now(dt.UTC)
    messages = []
    for i in range(count):
        event, aggregate, aggregate_id = _event(i, now)
        published = REGISTRY.to_integration(event)
        assert published is not None
        messages.append(
            OutboxMessage(
                id=new_id(),
                type=published.type,
                version=published.version,
                payload=payload_of(published),
                occurred_at=event.occurred_at,
                aggregate_type=REGISTRY.aggregate_name(object.__new__(aggregate)),
                aggregate_id=str(aggregate_id),
            )
        )
    return messages


def records(messages: Sequence[OutboxMessage], due: dt.datetime) -> list[tuple[Any, ...]]:
    """COPY records of the rows the unit of work would write for ``messages``, due at ``due``."""
    rows = new_outbox_rows(messages, due)
    return [
        tuple(json.dumps(row[col]) if col == "payload" else row[col] for col in COLUMNS)
        for row in rows
    ]


# --- database, broker, relays -------------------------------------------------------------------


async def fill(db: asyncpg.Connection, records: list[tuple[Any, ...]]) -> float:
    """Empty the outbox, insert ``records`` in one COPY, vacuum and analyse; seconds taken."""
    started = time.perf_counter()
    await db.execute("TRUNCATE outbox RESTART IDENTITY")
    await db.copy_records_to_table("outbox", records=records, columns=COLUMNS)
    await db.execute("VACUUM (ANALYZE) outbox")
    return time.perf_counter() - started


async def queue_count(channel: AbstractChannel, name: str) -> int:
    queue = await channel.declare_queue(name, passive=True)
    result = queue.declaration_result
    return int(result.message_count or 0)


async def wait_drained(
    db: asyncpg.Connection,
    channel: AbstractChannel,
    queue: str,
    expected: int,
    procs: Sequence[subprocess.Popen[bytes]] = (),
) -> None:
    while await queue_count(channel, queue) < expected:
        if any(proc.poll() is not None for proc in procs):
            raise RuntimeError("a relay exited")
        await asyncio.sleep(0.05)
    while True:  # the last batch is marked sent just after its confirms
        if not await db.fetchval(ANY_UNSENT):
            return
        await asyncio.sleep(0.01)


def start_relays(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for i in range(count):
        with (logs / f"relay-{i}.log").open("wb") as log:
            procs.append(
                subprocess.Popen(
                    [str(SHOP), "relay"],
                    env=env,
                    cwd=logs,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    return procs


def stop_relays(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _cpu_of(pid: int | str) -> float:
    """CPU time (user + system) of one process so far, from ``/proc`` (0 where unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def cpu_seconds(procs: Sequence[subprocess.Popen[bytes]]) -> float:
    """CPU time the processes used so far."""
    return sum(_cpu_of(proc.pid) for proc in procs)


_PG_OWN = ("checkpointer", "background writer", "walwriter", "autovacuum launcher", "logical")


def _counts_for(database: str, title: str) -> bool:
    """Whether a ``postgres`` process works for ``database``: its backends (``postgres:
    [cluster:] user database host(port) …``) and the server's own processes (WAL writer,
    checkpointer, autovacuum…), not the backends of other databases."""
    words = title.replace("\0", " ").split(": ")[-1].split()
    activity = " ".join(words)
    if activity.startswith("autovacuum worker"):
        return words[-1] == database
    return any(activity.startswith(own) for own in _PG_OWN) or (
        len(words) >= 2 and words[1] == database
    )


def service_cpu(database: str) -> dict[str, float]:
    """CPU time used so far by the broker (RabbitMQ's ``beam.smp``) and by the database (see
    :func:`_counts_for`). Backends that end between two readings are not counted, so a
    difference is a lower bound."""
    totals = {"broker": 0.0, "database": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
            title = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if name == "beam.smp":
            totals["broker"] += _cpu_of(entry.name)
        elif name == "postgres" and _counts_for(database, title):
            totals["database"] += _cpu_of(entry.name)
    return totals


def log_tail(logs: Path) -> str:
    return "\n".join(
        f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-15:])
        for path in sorted(logs.glob("relay-*.log"))
    )
