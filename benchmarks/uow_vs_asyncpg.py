"""Load-change-save of one catalog aggregate: the unit of work against bare asyncpg.

Each operation loads a product with its SKUs, moves one SKU's sale price by a fen (99.00 ⇄
99.01; a SKU holds no stock since ADR 0045, which this benchmark used to change), and saves it with
an optimistic-lock check and an outbox row, in one transaction. ``ours`` goes through
``MessageBus`` → ``SqlShopUnitOfWork`` → SQLAlchemy; the baseline sends the same statements the
unit of work sends (two SELECTs, two UPDATEs, one INSERT) straight through an asyncpg pool. Same
database, same products, same concurrency, same run. Prints operations per second for both and
``ratio = ours / baseline``.

    .venv/bin/python benchmarks/uow_vs_asyncpg.py [--clients 16] [--ops 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
from bench_db import ADMIN_URL, admin_sql, run_keys
from sqlalchemy.engine import make_url

from shop_adapters.bootstrap import bootstrap
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.sql.catalog.tables import products, skus
from shop_adapters.sql.engine import upgrade
from shop_app.catalog import commands as c
from shop_app.catalog.ports import CatalogQueries
from shop_domain.shared.ids import new_id
from shop_domain.shared.money import Money

Target = tuple[uuid.UUID, uuid.UUID, uuid.UUID]  # product, SKU changed by ours, by the baseline
Op = Callable[[uuid.UUID, uuid.UUID, uuid.UUID], Awaitable[None]]


PRODUCT_COLUMNS = ", ".join(f"products.{col.name}" for col in products.c)
SKU_COLUMNS = ", ".join(f"skus.{col.name}" for col in skus.c)
SELECT_PRODUCT = f"SELECT {PRODUCT_COLUMNS} FROM products WHERE products.id = $1"
SELECT_SKUS = (
    f"SELECT {SKU_COLUMNS} FROM skus WHERE skus.product_id = ANY($1::uuid[]) ORDER BY skus.position"
)
UPDATE_PRODUCT = (
    "UPDATE products SET updated_at=$1, version=$2, min_price_minor=$3, max_price_minor=$4 "
    "WHERE products.id = $5 AND products.version = $6"
)
UPDATE_SKU = "UPDATE skus SET sale_price_minor=$1 WHERE skus.id = $2"
INSERT_OUTBOX = (
    "INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, occurred_at, "
    "created_at, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, 0, $7)"
)


async def _seed(url: str, count: int) -> list[Target]:
    runtime = bootstrap(Settings(database_url=url, sections=[run_keys()]))
    try:
        root = await runtime.bus.handle(c.CreateCategory(name="Bench"))
        leaf = await runtime.bus.handle(c.CreateCategory(name="Leaf", parent_id=root))
        await runtime.bus.handle(
            c.DefineCategoryAttributes(
                category_id=leaf, attributes=(c.AttributeSpec("colour", "Colour", "sales"),)
            )
        )
        pairs = []
        for i in range(count):
            product_id = await runtime.bus.handle(
                c.CreateProduct(
                    shop_id=uuid.UUID(int=1),
                    name=f"Bench product {i}",
                    category_id=leaf,
                    currency="CNY",
                    sales_attribute_keys=("colour",),
                    skus=tuple(
                        c.NewSku(
                            code=f"B{i}-{colour}",
                            sale_price=Money(9900, "CNY"),
                            list_price=Money(12900, "CNY"),
                            sales_attributes={"colour": colour},
                        )
                        for colour in ("red", "green", "blue")
                    ),
                )
            )
            detail = await runtime.get(CatalogQueries).product_detail(
                product_id, runtime.clock.now(), include_unlisted=True
            )
            pairs.append((product_id, detail.skus[0].id, detail.skus[1].id))
        return pairs
    finally:
        await runtime.close()


async def _drive(clients: int, ops: int, pairs: list[Target], op: Op) -> float:
    """Each client works through its own products; returns operations per second."""

    async def client(index: int) -> None:
        mine = pairs[index::clients]
        for n in range(ops):
            await op(*mine[n % len(mine)])

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return clients * ops / (time.perf_counter() - started)


def _flip(minor: int) -> int:
    return 9901 if minor == 9900 else 9900


def _ours(runtime: Runtime) -> Op:
    price: dict[uuid.UUID, int] = {}

    async def op(product_id: uuid.UUID, sku_id: uuid.UUID, _: uuid.UUID) -> None:
        # the real path: bus → handler → repository load → aggregate rule and event → commit
        price[sku_id] = _flip(price.get(sku_id, 9900))
        sale = Money(price[sku_id], "CNY")
        await runtime.bus.handle(c.ChangeSkuPrice(product_id, sku_id, sale, Money(12900, "CNY")))

    return op


def _baseline(pool: asyncpg.Pool) -> Op:
    async def op(product_id: uuid.UUID, _: uuid.UUID, sku_id: uuid.UUID) -> None:
        async with pool.acquire() as conn, conn.transaction():
            product = await conn.fetchrow(SELECT_PRODUCT, product_id)
            rows = await conn.fetch(SELECT_SKUS, [product_id])
            old = next(r["sale_price_minor"] for r in rows if r["id"] == sku_id)
            new = _flip(old)
            prices = [new if r["id"] == sku_id else r["sale_price_minor"] for r in rows]
            now = dt.datetime.now(dt.UTC)
            version = product["version"]
            status = await conn.execute(
                UPDATE_PRODUCT, now, version + 1, min(prices), max(prices), product_id, version
            )
            if status != "UPDATE 1":
                raise RuntimeError("stale version")
            await conn.execute(UPDATE_SKU, new, sku_id)
            payload = {
                "occurred_at": now.isoformat(),
                "product_id": str(product_id),
                "sku_id": str(sku_id),
                "sale_price": {"minor": new, "currency": "CNY"},
                "list_price": {"minor": 12900, "currency": "CNY"},
                "previous_sale_price": {"minor": old, "currency": "CNY"},
                "previous_list_price": {"minor": 12900, "currency": "CNY"},
            }
            await conn.execute(
                INSERT_OUTBOX,
                new_id(),
                "catalog.sku_price_changed",
                "Product",
                str(product_id),
                json.dumps(payload),
                now,
                now,
            )

    return op


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--ops", type=int, default=200, help="operations per client per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    name = f"shop_bench_{uuid.uuid4().hex[:10]}"
    await admin_sql(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        pairs = await _seed(url, args.clients * 4)
        runtime = bootstrap(
            Settings(database_url=url, database_pool_size=args.clients, sections=[run_keys()])
        )
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        pool = await asyncpg.create_pool(dsn, min_size=args.clients, max_size=args.clients)
        ours, base = _ours(runtime), _baseline(pool)
        await _drive(args.clients, 20, pairs, ours)  # warm-up: connections, caches
        await _drive(args.clients, 20, pairs, base)
        ours_rates, base_rates = [], []
        for _ in range(args.rounds):  # interleaved, so drift hits both alike
            ours_rates.append(await _drive(args.clients, args.ops, pairs, ours))
            base_rates.append(await _drive(args.clients, args.ops, pairs, base))
        await pool.close()
        await runtime.close()
    finally:
        await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    ours_rate, base_rate = statistics.median(ours_rates), statistics.median(base_rates)
    print("benchmark: load-change-save of one catalog aggregate on PostgreSQL")
    print(f"parameters: clients={args.clients} ops_per_client={args.ops} rounds={args.rounds}")
    print(f"ours (unit of work): {ours_rate:.0f} ops/s")
    print(f"baseline (asyncpg, same statements): {base_rate:.0f} ops/s")
    print(f"ratio: {ours_rate / base_rate:.2f}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
