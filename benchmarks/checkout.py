"""Submit-and-pay on PostgreSQL (issue 14): orders per second and latency of a 5-line order
over two shops with a coupon and points, through the real stack, against the same writes sent
with asyncpg.

The world (a fresh database per run, through the contexts' commands): two shops with five
listed SKUs (three and two), a million units of each in one Shanghai warehouse, a direct
reduction on one SKU (so the order records a promotion participation), a 满100减20 coupon
template claimed ``--coupons`` times by each of ``--clients`` × ``--users`` customers, each
customer with a Shanghai address in the carts' address book and a million points. Each client
owns its customers and makes one order after another, waiting for each: ``ours`` is
``bus.handle(SubmitOrder(5 lines, coupons={one coupon}, points=1000, address_id))`` (priced
first by ``PriceFirst``, then one transaction taking every hold), ``PaymentService.pay`` (PAY-6's
attempt count, ``StartPayment``, the fake gateway's payment) and ``PaymentService.notified`` of
the fake gateway's signed notification (verified, ``ConfirmPayment``: the order paid, the coupon
used, the points captured, purchase points pending). The baseline (``checkout_sql.py``) writes
the same rows in the same transactions with raw asyncpg, without pricing. Latency is per order
(submit + pay + notification). Rounds alternate; each figure is the median over the rounds.
The driver's world is frozen after seeding (``gc.freeze``), as the runtime's start froze the
process's start-up heap (decision 0047), for both sides.
After every run the books must be exact (orders, payments, stock, coupons and their statistics,
points, outbox rows, the SKU stock projection and the order statistics: see ``_check``).

    .venv/bin/python benchmarks/checkout.py [--clients 50] [--users 10] [--coupons 10]
        [--seconds 5] [--rounds 3] [--pool 20]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
import attrs
from bench_db import ADMIN_URL, admin_sql, run_keys
from checkout_sql import Customer, Shape, same_writes
from sqlalchemy.engine import make_url

from shop_adapters.bootstrap import bootstrap
from shop_adapters.payments.fake import FakeGateway
from shop_adapters.plugins.ordering_settings import OrderingSettings
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.system import UuidV7Generator
from shop_adapters.sql.engine import upgrade
from shop_app.catalog import commands as cat
from shop_app.coupons import commands as cc
from shop_app.fulfillment.stock import AdjustStock, CreateWarehouse
from shop_app.loyalty.commands import AdjustPoints
from shop_app.ordering.addresses import AddAddress
from shop_app.ordering.gateway import PaymentGateway
from shop_app.ordering.paying import PaymentService
from shop_app.ordering.ports import CheckoutItem, OrderingPolicy
from shop_app.ordering.submit import SubmitOrder
from shop_app.pricing import commands as pc
from shop_app.shared.auth import Principal
from shop_domain.coupons import (
    Benefit,
    CouponKind,
    CouponTerms,
    Limits,
    TemplateDefinition,
    Validity,
)
from shop_domain.pricing.kinds import DirectReduction
from shop_domain.pricing.promotion import PromotionDefinition
from shop_domain.pricing.terms import TargetKind, Targets, Window
from shop_domain.shared.money import Money

OPERATOR = Principal("op-bench", "operator", frozenset({"*"}))
PRICES = (("120", 0), ("200", 0), ("35", 0), ("80", 1), ("15", 1))  # (price, shop)
QUANTITIES = (1, 2, 1, 2, 1)
POINTS = 1000
GRANT = 1_000_000
EVENTS = 13  # outbox rows per order: 8 at submission, 5 at payment

Order = Callable[[Customer], Awaitable[None]]
new_id = UuidV7Generator().new_id


@attrs.define
class World:
    skus: list[uuid.UUID]
    template_id: uuid.UUID
    promotion_id: uuid.UUID
    customers: list[Customer]
    addresses: dict[uuid.UUID, uuid.UUID]


@attrs.define
class Run:
    orders: int
    seconds: float
    latencies: list[float]
    cpu: float

    @property
    def rate(self) -> float:
        return self.orders / self.seconds


def _cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _chunked(calls: Sequence[Awaitable[object]], size: int = 200) -> list[object]:
    done: list[object] = []
    for n in range(0, len(calls), size):
        done += await asyncio.gather(*calls[n : n + size])
    return done


async def _seed(runtime: Runtime, customers: int, coupons: int) -> World:
    bus = runtime.bus
    now = dt.datetime.now(dt.UTC)
    root = await bus.handle(cat.CreateCategory("Electronics"))
    leaf = await bus.handle(cat.CreateCategory("Phones", parent_id=root))
    shops = (uuid.uuid4(), uuid.uuid4())
    skus = []
    for n, (price, shop) in enumerate(PRICES):
        product_id = await bus.handle(
            cat.CreateProduct(
                shop_id=shops[shop],
                name=f"Product {n}",
                category_id=leaf,
                currency="CNY",
                skus=(cat.NewSku(code=f"B-{n}", sale_price=_cny(price), list_price=_cny("999")),),
            )
        )
        await bus.handle(cat.ListProduct(product_id))
        async with bus.unit_of_work() as uow:
            product = await uow.products.get(product_id)  # type: ignore[attr-defined]
            skus.append(product.skus[0].id)
    house = await bus.handle(
        CreateWarehouse(code="SH-1", name="Shanghai", regions=frozenset({"310000"}))
    )
    for sku in skus:
        await bus.handle(
            AdjustStock(sku_id=sku, warehouse_id=house, change=GRANT, reason="in", actor="op")
        )
    reduction = PromotionDefinition(
        name="直降 10",
        kind=DirectReduction(_cny("10")),
        window=Window(now - dt.timedelta(days=1), now + dt.timedelta(days=30)),
        targets=Targets(TargetKind.SKU, frozenset({skus[0]})),
    )
    promotion_id = await bus.handle(
        pc.CreatePromotion(definition=reduction, created_by=OPERATOR.subject), actor=OPERATOR
    )
    await bus.handle(pc.SchedulePromotion(promotion_id=promotion_id), actor=OPERATOR)
    benefit = Benefit(CouponKind.THRESHOLD, value=_cny("20"), threshold=_cny("100"))
    template = TemplateDefinition(
        name="满100减20",
        terms=CouponTerms(benefit=benefit),
        validity=Validity.relative(30),
        limits=Limits(total_quantity=10**9),
    )
    template_id = await bus.handle(
        cc.CreateTemplate(definition=template, created_by=OPERATOR.subject), actor=OPERATOR
    )
    await bus.handle(cc.ActivateTemplate(template_id=template_id), actor=OPERATOR)
    users = [uuid.uuid4() for _ in range(customers)]
    home: dict[str, Any] = {
        "recipient": "Li Lei",
        "phone": "138-0013-1234",
        "province": "310000",
        "city": "310100",
        "district": "310104",
        "detail": "88 Caoxi Road",
    }
    made = await _chunked([bus.handle(AddAddress(user_id=user, **home)) for user in users])
    addresses: dict[uuid.UUID, Any] = dict(zip(users, made, strict=True))
    await _chunked(
        [
            bus.handle(AdjustPoints(user_id=u, points=GRANT, reason="bench", actor="op"))
            for u in users
        ]
    )
    claims = [
        bus.handle(cc.ClaimCoupon(template_id=template_id, user_id=user))
        for user in users
        for _ in range(coupons)
    ]
    acquired = await _chunked(claims, 2000)
    wallets: dict[uuid.UUID, list[uuid.UUID]] = {user: [] for user in users}
    for claim, user in zip(acquired, [u for u in users for _ in range(coupons)], strict=True):
        wallets[user].append(claim.coupon_id)  # type: ignore[attr-defined]
    return World(
        skus, template_id, promotion_id, [Customer(u, wallets[u]) for u in users], addresses
    )


def _ours(runtime: Runtime, world: World) -> Order:
    bus, payments = runtime.bus, runtime.get(PaymentService)
    gateway = runtime.get(PaymentGateway)
    assert isinstance(gateway, FakeGateway)
    items = tuple(
        CheckoutItem(sku_id=sku, quantity=q) for sku, q in zip(world.skus, QUANTITIES, strict=True)
    )

    async def order(customer: Customer) -> None:
        coupon = customer.coupons.pop()
        made = await bus.handle(
            SubmitOrder(
                user_id=customer.user_id,
                items=items,
                address_id=world.addresses[customer.user_id],
                coupons=frozenset({coupon}),
                points=POINTS,
            )
        )
        await payments.pay(
            made.order_id,
            customer.user_id,
            notify_url="https://shop.test/payments/notify",
            return_url="https://shop.test/done",
        )
        note = gateway.pay(made.payment_number)
        confirmed = await payments.notified(note.headers, note.body)
        if confirmed is None or confirmed.outcome != "accepted":
            raise AssertionError(f"not paid: {confirmed}")

    return order


async def _shape(dsn: str, world: World) -> Shape:
    conn = await asyncpg.connect(dsn)
    try:
        order = await conn.fetchrow("SELECT * FROM orders ORDER BY created_at LIMIT 1")
        children = await conn.fetch(
            "SELECT * FROM order_children WHERE order_id = $1 ORDER BY number", order["id"]
        )
        lines = await conn.fetch(
            "SELECT * FROM order_lines WHERE order_id = $1 ORDER BY line_id", order["id"]
        )
        payment = await conn.fetchrow("SELECT * FROM payments WHERE order_id = $1", order["id"])
        earned = await conn.fetchval(
            "SELECT earned FROM points_orders WHERE order_id = $1", order["id"]
        )
    finally:
        await conn.close()
    by_sku = {line["sku_id"]: dict(line) for line in lines}
    return Shape(
        order=dict(order),
        children=[dict(child) for child in children],
        lines=[by_sku[sku] for sku in world.skus],  # ours reserves in the items' order
        payment=dict(payment),
        template_id=world.template_id,
        promotion_id=world.promotion_id,
        points=POINTS,
        earned=earned,
    )


async def _drive(clients: int, seconds: float, customers: Sequence[Customer], order: Order) -> Run:
    latencies: list[float] = []
    cpu = time.process_time()
    started = time.perf_counter()
    deadline = started + seconds

    async def client(index: int) -> None:
        mine = customers[index::clients]
        n = 0
        while time.perf_counter() < deadline:
            customer = mine[n % len(mine)]
            if not customer.coupons:
                raise RuntimeError("out of coupons: seed more (--coupons)")
            before = time.perf_counter()
            await order(customer)
            latencies.append(time.perf_counter() - before)
            n += 1

    await asyncio.gather(*(client(i) for i in range(clients)))
    return Run(len(latencies), time.perf_counter() - started, latencies, time.process_time() - cpu)


BOOKS = {
    "orders": "SELECT count(*) FROM orders",
    "unpaid": "SELECT count(*) FROM orders WHERE state <> 'paid'",
    "paid": "SELECT count(*) FROM payments WHERE state = 'paid'",
    "paid_minor": "SELECT coalesce(sum(external_minor), 0) FROM payments WHERE state = 'paid'",
    "reservations": "SELECT count(*) FROM stock_reservations WHERE state = 'held'",
    "reserved": "SELECT sum(reserved) FROM stock_items",
    "reserved_rows": "SELECT coalesce(sum(quantity), 0) FROM stock_reservations",
    "used": "SELECT count(*) FROM coupons WHERE state = 'used'",
    "locked": "SELECT count(*) FROM coupons WHERE state = 'locked'",
    "stats_off": "SELECT (SELECT sum(used) FROM coupon_stats) - (SELECT count(*) FROM coupons "
    "WHERE state = 'used') + abs((SELECT sum(locked) FROM coupon_stats))",
    "usage_log": "SELECT count(*) FROM coupon_usage_log",
    "balance": "SELECT sum(balance) FROM points_accounts",
    "held": "SELECT sum(held) FROM points_accounts",
    "pending": "SELECT sum(pending) FROM points_accounts",
    "lots_off": "SELECT count(*) FROM points_accounts a WHERE a.balance <> "
    "(SELECT sum(remaining) FROM points_lots l WHERE l.account_id = a.id)",
    "points_orders": "SELECT count(*) FROM points_orders WHERE captured",
    "entries": "SELECT count(*) FROM points_entries",
    "participations": "SELECT count(*) FROM promotion_participations",
    "outbox": "SELECT count(*) FROM outbox",
    "sku_stock_off": "SELECT count(*) FROM stock_items i JOIN sku_stock s USING (sku_id, "
    "warehouse_id) WHERE s.available <> i.on_hand - i.reserved",
    "submitted": "SELECT coalesce(sum(submitted), 0) FROM order_stats_days",
    "stats_paid": "SELECT coalesce(sum(paid), 0) FROM order_stats_days",
    "gmv": "SELECT coalesce(sum(gmv_minor), 0) FROM order_stats_days",
}


async def _books(dsn: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        return {name: int(await conn.fetchval(sql)) for name, sql in BOOKS.items()}
    finally:
        await conn.close()


def _check(
    before: dict[str, int], after: dict[str, int], run: Run, shape: Shape, side: str
) -> None:
    n = run.orders
    grew = {name: after[name] - before[name] for name in BOOKS}
    expected = {
        "orders": n,
        "unpaid": 0,
        "paid": n,
        "paid_minor": n * shape.payment["external_minor"],
        "reservations": n * len(QUANTITIES),
        "reserved": n * sum(QUANTITIES),
        "reserved_rows": n * sum(QUANTITIES),
        "used": n,
        "locked": 0,
        "stats_off": 0,
        "usage_log": n,
        "balance": -n * POINTS,
        "held": 0,
        "pending": n * shape.earned,
        "lots_off": 0,
        "points_orders": n,
        "entries": 3 * n,
        "participations": n,
        "outbox": EVENTS * n,
        "sku_stock_off": 0,
        "submitted": n,
        "stats_paid": n,
        "gmv": n * shape.payment["external_minor"],
    }
    wrong = {k: (grew[k], v) for k, v in expected.items() if grew[k] != v}
    if wrong or after["unpaid"] or after["locked"] or after["stats_off"] or after["held"]:
        raise AssertionError(f"{side}: books wrong after {n} orders (grew, expected): {wrong}")
    if after["reserved"] != after["reserved_rows"] or after["lots_off"] or after["sku_stock_off"]:
        raise AssertionError(f"{side}: stock or lots out of step: {after}")


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(name: str, runs: Sequence[Run]) -> tuple[float, float, float]:
    rate = statistics.median(run.rate for run in runs)
    every = [x for run in runs for x in run.latencies]
    p50, p99 = _percentile(every, 0.5) * 1000, _percentile(every, 0.99) * 1000
    cpu = statistics.median(run.cpu / run.orders * 1000 for run in runs)
    print(
        f"{name}: {rate:.1f} orders/s (p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"p99/p50 {p99 / p50:.1f}; client CPU {cpu:.2f} ms/order)"
    )
    return rate, p50, p99


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--users", type=int, default=10, help="customers per client")
    parser.add_argument("--coupons", type=int, default=10, help="coupons per customer")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pool", type=int, default=20)
    parser.add_argument("--pool-wait", type=float, default=60.0, help="seconds (default 5)")
    parser.add_argument("--only", choices=("ours", "baseline"), help="run one side (profiling)")
    args = parser.parse_args()
    name = f"shop_bench_checkout_{os.getpid()}"
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    await admin_sql(f"DROP DATABASE IF EXISTS {name}")
    await admin_sql(f"CREATE DATABASE {name}")
    runtime = None
    pool = None
    try:
        await asyncio.to_thread(upgrade, url)
        # PAY-6's attempts and daily total raised: a customer here pays many orders a minute
        policy = OrderingPolicy(attempts_per_minute=1000, max_daily=10**13)
        runtime = bootstrap(
            Settings(
                database_url=url,
                database_pool_size=args.pool,
                database_pool_wait=args.pool_wait,
                sms="memory",
                sections=[OrderingSettings(policy=policy), run_keys()],
            )
        )
        await runtime.start()
        seeded = time.perf_counter()
        world = await _seed(runtime, args.clients * args.users, args.coupons)
        conn = await asyncpg.connect(_dsn(url))
        await conn.execute("VACUUM ANALYZE")
        await conn.close()
        # The driver's world (every customer's coupon ids: 30,000 objects at --coupons 60) lives
        # to the end like the start-up heap the runtime froze: frozen too, so that collections
        # during the rounds walk what a serving process would hold, on both sides alike.
        gc.collect()
        gc.freeze()
        print(f"seeded in {time.perf_counter() - seeded:.1f} s")
        ours = _ours(runtime, world)
        await ours(world.customers[0])
        shape = await _shape(_dsn(url), world)
        pool = await asyncpg.create_pool(_dsn(url), min_size=args.pool, max_size=args.pool)
        sides = {"ours": ours, "baseline": same_writes(pool, shape, new_id)}
        if args.only:
            sides = {args.only: sides[args.only]}
        for order in sides.values():  # warm up
            await _drive(args.clients, 1.0, world.customers, order)
        runs: dict[str, list[Run]] = {side: [] for side in sides}
        for n in range(args.rounds):
            for side in list(sides) if n % 2 == 0 else list(sides)[::-1]:
                before = await _books(_dsn(url))
                run = await _drive(args.clients, args.seconds, world.customers, sides[side])
                _check(before, await _books(_dsn(url)), run, shape, side)
                runs[side].append(run)
                print(f"round {n + 1} {side}: {run.rate:.1f} orders/s ({run.orders} orders)")
        print(
            f"parameters: {args.clients} clients, {args.clients * args.users} customers, "
            f"{len(QUANTITIES)} lines over 2 shops, 1 coupon and {POINTS} points per order, "
            f"{args.rounds} x {args.seconds:.0f} s, pool {args.pool} "
            f"(wait {args.pool_wait:.0f} s); load {os.getloadavg()}"
        )
        figures = {side: _summary(side, runs[side]) for side in runs}
        if len(figures) == 2:
            (o, o50, o99), (b, _, _) = figures["ours"], figures["baseline"]
            print(f"ratio (ours / baseline): {o / b:.2f}; ours p99/p50 {o99 / o50:.1f}")
    finally:
        if pool is not None:
            await pool.close()
        if runtime is not None:
            await runtime.close()
        await admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    asyncio.run(main())
