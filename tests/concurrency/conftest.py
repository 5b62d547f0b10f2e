"""Fixtures of the concurrency suites: several "processes" racing on one PostgreSQL database.

A :class:`Node` is what one process of `shop` holds: its own engine (connection pool) and message
bus, which batches claims, wired by hand as the composition root wires them. A :class:`Cluster`
makes as many nodes as a test wants, all on the test session's database, and reads the outcome
back independently of the code under test (plain SQL on the tables, and the read side).

Every test here runs real concurrency: many asyncio tasks on many connections, so the database's
row locks — not the event loop — decide who wins.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.shared.system import FixedClock, UuidV7Generator
from shop_adapters.sql.coupons.codes import SqlCodeStore
from shop_adapters.sql.coupons.queries import SqlCouponQueries
from shop_adapters.sql.coupons.tables import coupon_codes, coupon_templates, coupons
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.coupons import commands as c
from shop_app.coupons.claiming import claim_batching
from shop_app.coupons.codegen import CodeGenerator
from shop_app.coupons.handlers import coupon_command_handlers
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.results import Acquired, CodeBatchStarted
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ports import Clock
from shop_domain.coupons.template import TemplateDefinition
from shop_domain.coupons.terms import (
    Benefit,
    ClaimWindow,
    CouponKind,
    CouponTerms,
    Distribution,
    Limits,
    Validity,
)
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money

T0 = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)
POLICY = CouponPolicy()
OPERATOR = "ops@example.com"


def definition(
    *,
    total: int,
    per_user: int | None = None,
    per_day: int | None = None,
    distribution: Distribution = Distribution.CLAIMABLE,
    public_code: str | None = None,
    validity_days: int = 30,
    stackable: bool = False,
    name: str = "Race",
) -> TemplateDefinition:
    return TemplateDefinition(
        name=name,
        terms=CouponTerms(
            benefit=Benefit(kind=CouponKind.CASH, value=Money(500, "CNY")), stackable=stackable
        ),
        validity=Validity.relative(validity_days),
        limits=Limits(total_quantity=total, per_user=per_user, per_user_per_day=per_day),
        claim_window=ClaimWindow(),
        distribution=distribution,
        public_code=public_code,
    )


def users(count: int) -> list[uuid.UUID]:
    return [uuid.uuid4() for _ in range(count)]


class Node:
    """One process's worth of the stack: an engine, a bus over ``SqlShopUnitOfWork`` that
    batches claims (:meth:`claim`)."""

    def __init__(
        self, url: str, clock: Clock, *, pool_size: int, max_batch: int = 200, name: str = ""
    ) -> None:
        self.name = name
        self.clock = clock
        self.engine = make_engine(url, pool_size=pool_size)
        ids = UuidV7Generator()
        self.uow = lambda: SqlShopUnitOfWork(self.engine, clock, ids)
        self.bus = MessageBus(
            self.uow, coupon_command_handlers(POLICY), middlewares=[claim_batching(max_batch)]
        )

    async def claim(self, command: c.ClaimCoupon) -> Acquired:
        """A claim through the bus, batched with the node's other claims of the template."""
        acquired: Acquired = await self.bus.handle(command)
        return acquired

    async def close(self) -> None:
        await self.engine.dispose()


class Cluster:
    """Nodes on one database, plus independent ways to read what they did."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.clock = FixedClock(T0)
        self.nodes: list[Node] = []
        self.reader: AsyncEngine = make_engine(url, pool_size=2)
        self.watcher: AsyncEngine = make_engine(url, pool_size=1)
        self.queries = SqlCouponQueries(self.reader)

    def node(self, *, pool_size: int = 4, max_batch: int = 200, clock: Clock | None = None) -> Node:
        node = Node(
            self.url,
            clock or self.clock,
            pool_size=pool_size,
            max_batch=max_batch,
            name=f"node{len(self.nodes)}",
        )
        self.nodes.append(node)
        return node

    def many(self, count: int, *, pool_size: int = 4, clock: Clock | None = None) -> list[Node]:
        return [self.node(pool_size=pool_size, clock=clock) for _ in range(count)]

    @property
    def admin(self) -> Node:
        if not self.nodes:
            self.node(pool_size=2)
        return self.nodes[0]

    async def template(self, spec: TemplateDefinition) -> uuid.UUID:
        """Create and activate a template; returns its id."""
        bus = self.admin.bus
        template_id: uuid.UUID = await bus.handle(
            c.CreateTemplate(definition=spec, created_by=OPERATOR)
        )
        await bus.handle(c.ActivateTemplate(template_id=template_id))
        return template_id

    async def one_time_codes(self, template_id: uuid.UUID, count: int) -> list[str]:
        """Reserve and generate ``count`` one-time codes (the real generator and store)."""
        started: CodeBatchStarted = await self.admin.bus.handle(
            c.ReserveCodeBatch(template_id=template_id, count=count, created_by=OPERATOR)
        )
        batch_id = started.batch_id
        generator = CodeGenerator(self.admin.uow, SqlCodeStore(self.reader), self.clock, POLICY)
        assert await generator.generate(batch_id) == count
        found: list[str] = []
        async for chunk in self.queries.batch_codes(batch_id):
            found.extend(chunk)
        return found

    # --- independent read-back (plain SQL) ---------------------------------------------------
    async def holdings(self, template_id: uuid.UUID) -> dict[uuid.UUID, int]:
        """Coupons per user of the template, counted in the table."""
        statement = (
            select(coupons.c.user_id, func.count())
            .where(coupons.c.template_id == template_id)
            .group_by(coupons.c.user_id)
        )
        async with self.reader.connect() as conn:
            return {row[0]: row[1] for row in await conn.execute(statement)}

    async def coupon_rows(self, template_id: uuid.UUID) -> list[Any]:
        statement = select(coupons).where(coupons.c.template_id == template_id)
        async with self.reader.connect() as conn:
            return list(await conn.execute(statement))

    async def coupon_row(self, coupon_id: uuid.UUID) -> Any:
        async with self.reader.connect() as conn:
            return (await conn.execute(select(coupons).where(coupons.c.id == coupon_id))).one()

    async def issued(self, template_id: uuid.UUID) -> int:
        statement = select(coupon_templates.c.issued).where(coupon_templates.c.id == template_id)
        async with self.reader.connect() as conn:
            return int((await conn.execute(statement)).scalar_one())

    async def code_row(self, code: str) -> Any:
        async with self.reader.connect() as conn:
            return (
                await conn.execute(select(coupon_codes).where(coupon_codes.c.code == code))
            ).one()

    async def close(self) -> None:
        for node in self.nodes:
            await node.close()
        await self.reader.dispose()
        await self.watcher.dispose()

    def lock_waits(self) -> LockWaits:
        return LockWaits(self.watcher)


@pytest.fixture
async def cluster(postgres_url: str) -> AsyncIterator[Cluster]:
    made = Cluster(postgres_url)
    yield made
    await made.close()


class Processes:
    """Plain buses on engines of their own, as processes of ``shop`` would be: ``bus_on`` makes
    each one's bus from its engine and a unit of work factory on it."""

    def __init__(
        self,
        cluster: Cluster,
        bus_on: Callable[[AsyncEngine, Callable[[], SqlShopUnitOfWork]], MessageBus],
        *,
        count: int = 6,
        pool_size: int = 4,
    ) -> None:
        ids = UuidV7Generator()
        self.engines = [make_engine(cluster.url, pool_size=pool_size) for _ in range(count)]
        self.buses = [
            bus_on(engine, lambda e=engine: SqlShopUnitOfWork(e, cluster.clock, ids))
            for engine in self.engines
        ]

    def bus(self, i: int) -> MessageBus:
        return self.buses[i % len(self.buses)]

    async def close(self) -> None:
        for engine in self.engines:
            await engine.dispose()


# --- running many attempts at once --------------------------------------------------------


class LockWaits:
    """Watches, from a thread and a connection of its own, how many sessions of this database
    wait for a lock at once while a race runs: proof that the race really contended in
    PostgreSQL rather than being serialised before it got there. The thread samples every
    2 ms however busy the racers keep the test's event loop (sampled from that loop, a short
    wait could pass unseen while the racers ran)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.most = 0
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self._watch())
        except BaseException as exc:  # reported by __aexit__
            self._failure = exc
            self._ready.set()

    async def _watch(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        try:
            self._ready.set()
            while not self._stop.is_set():
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                self.most = max(self.most, int(waiting))
                await asyncio.sleep(0.002)
        finally:
            await conn.close()

    async def __aenter__(self) -> LockWaits:
        self._thread = threading.Thread(target=self._run, name="lock-waits", daemon=True)
        self._thread.start()
        await asyncio.to_thread(self._ready.wait, 10)  # watching before the race starts
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._thread is not None
        self._stop.set()
        await asyncio.to_thread(self._thread.join, 10)
        if self._failure is not None:
            raise self._failure


async def jittered(attempt: Awaitable[Any], rng: random.Random, spread: float = 0.02) -> Any:
    """Start ``attempt`` after a random pause of up to ``spread`` seconds, so the attempts
    arrive spread over a window (batches of every size) rather than all in one tick."""
    await asyncio.sleep(rng.random() * spread)
    return await attempt


async def race(attempts: Iterable[Awaitable[Any]]) -> list[Any]:
    """Run every attempt at once; each result is the answer or the exception raised."""
    return list(await asyncio.gather(*attempts, return_exceptions=True))


def refusal_codes(results: Iterable[Any]) -> list[str]:
    """The codes of the domain errors among ``results``. Any other exception (a deadlock, a
    pool timeout, a driver error) fails the test with the exception itself."""
    codes = []
    for result in results:
        if isinstance(result, DomainError):
            codes.append(result.code)
        elif isinstance(result, BaseException):
            raise AssertionError(f"an attempt failed with a non-domain error: {result!r}") from (
                result
            )
    return codes
