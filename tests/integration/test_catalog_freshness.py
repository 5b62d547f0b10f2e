"""The catalog's freshness stamp (ADR 0026), on SQLite and PostgreSQL as migrated.

Every committed write to a catalog table — whoever sends it, here plain SQL past the
application — changes the stamp; a rolled-back one does not; on PostgreSQL one transaction
moves it once, at commit. The stamp reader sees a commit as soon as it is made, and on a SQLite
file reads without the pool (so it neither waits for a connection nor for the write lock).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.catalog import tables as catalog_tables
from shop_adapters.sql.catalog.freshness import (
    CATALOG_TABLES,
    FreshnessStamp,
    _Shared,
    catalog_freshness,
)
from shop_adapters.sql.engine import make_engine, reader
from shop_adapters.sql.tables import metadata
from shop_app.shared.errors import StorageBusy

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
async def engine(backend_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(backend_url, pool_size=2, pool_wait=0.5)
    try:
        yield engine
    finally:
        await engine.dispose()


def test_every_catalog_table_has_the_triggers() -> None:
    """A catalog table added without them would let answers go stale: the list must be every
    table of the catalog's tables module."""
    defined = {v.name for v in vars(catalog_tables).values() if isinstance(v, Table)}
    assert defined == set(CATALOG_TABLES)


async def _stamp(engine: AsyncEngine) -> int | None:
    async with engine.connect() as conn:
        value = (await conn.execute(catalog_freshness.select())).one_or_none()
    return None if value is None else int(value.stamp)


def _rows() -> list[tuple[Table, dict[str, Any]]]:
    """One row for every catalog table, parents first."""
    category, front, brand, product = (uuid.uuid4() for _ in range(4))
    t = catalog_tables
    return [
        (
            t.categories,
            {
                "id": category,
                "name": "C",
                "name_key": "c",
                "parent_id": None,
                "depth": 1,
                "path": f"/{category}/",
                "created_at": NOW,
                "version": 1,
            },
        ),
        (
            t.category_attributes,
            {
                "category_id": category,
                "key": "k",
                "name": "K",
                "kind": "key",
                "required": True,
                "allowed_values": [],
                "position": 0,
            },
        ),
        (
            t.front_categories,
            {
                "id": front,
                "name": "F",
                "parent_id": None,
                "sort_order": 0,
                "visible": True,
                "created_at": NOW,
                "category_ids": [],
                "version": 1,
            },
        ),
        (t.front_category_links, {"front_category_id": front, "category_id": category}),
        (
            t.brands,
            {
                "id": brand,
                "name": f"B{brand}",
                "name_key": f"b{brand}",
                "logo_url": None,
                "category_ids": [],
                "created_at": NOW,
                "version": 1,
            },
        ),
        (
            t.products,
            {
                "id": product,
                "shop_id": product,
                "name": "P",
                "name_key": "p",
                "description": "",
                "category_id": category,
                "brand_id": None,
                "currency": "CNY",
                "key_attributes": {},
                "other_attributes": {},
                "sales_attribute_keys": [],
                "status": "unlisted",
                "sales_count": 0,
                "created_at": NOW,
                "updated_at": NOW,
                "version": 1,
            },
        ),
        (
            t.skus,
            {
                "id": product,
                "product_id": product,
                "shop_id": product,
                "code": "S",
                "barcode": None,
                "sales_attributes": {},
                "combination": "x",
                "sale_price_minor": 1,
                "list_price_minor": 1,
                "currency": "CNY",
                "weight_g": 1,
                "length_mm": 1,
                "width_mm": 1,
                "height_mm": 1,
                "freight_template_id": None,
                "enabled": True,
                "position": 0,
            },
        ),
        (t.product_attribute_values, {"product_id": product, "key": "k", "value": "v"}),
        # fulfillment's stock as the catalog shows it (ADR 0045)
        (t.sku_stock, {"sku_id": product, "warehouse_id": brand, "available": 1}),
    ]


async def _commit(engine: AsyncEngine, statement: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(statement)


async def test_every_committed_write_to_a_catalog_table_changes_the_stamp(
    engine: AsyncEngine,
) -> None:
    rows = _rows()
    assert {table.name for table, _ in rows} == set(CATALOG_TABLES)
    for table, row in rows:
        before = await _stamp(engine)
        await _commit(engine, table.insert().values(**row))
        assert await _stamp(engine) != before, f"an INSERT into {table.name}"
    for table, row in reversed(rows):
        column = next(iter(row))
        changes = [
            table.update().values({column: table.c[column]}),  # changes nothing, still a write
            table.delete(),
        ]
        for change in changes:
            before = await _stamp(engine)
            await _commit(engine, change)
            assert await _stamp(engine) != before, f"{change} on {table.name}"


async def test_a_rolled_back_write_leaves_the_stamp(engine: AsyncEngine) -> None:
    before = await _stamp(engine)
    assert before is not None  # the migration made the row
    table, row = _rows()[4]
    async with engine.connect() as conn:
        await conn.execute(table.insert().values(**row))
        await conn.rollback()
    assert await _stamp(engine) == before


@pytest.mark.postgres
async def test_postgresql_moves_the_stamp_once_per_transaction_at_commit(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url, pool_size=2)
    try:
        before = await _stamp(engine)
        assert before is not None
        async with engine.begin() as conn:
            for table, row in _rows()[4:5] * 3:
                await conn.execute(
                    table.insert().values(
                        **{**row, "id": uuid.uuid4(), "name_key": str(uuid.uuid4())}
                    )
                )
            # deferred to COMMIT: the stamp's row is not locked while the transaction works
            mid = (await conn.execute(catalog_freshness.select())).one().stamp
            assert mid == before
        assert await _stamp(engine) == before + 1
    finally:
        await engine.dispose()


async def test_an_emptied_stamp_row_comes_back_with_a_stamp_not_seen_before(
    engine: AsyncEngine,
) -> None:
    before = await _stamp(engine)
    async with engine.begin() as conn:
        await conn.execute(catalog_freshness.delete())
    stamps = FreshnessStamp(engine)
    assert await stamps.read() is None  # no row: nothing may be reused
    table, row = _rows()[4]
    await _commit(engine, table.insert().values(**row))
    after = await stamps.read()
    assert after is not None
    assert after not in (before, (before or 0) + 1)


async def test_the_reader_sees_each_commit_at_once(engine: AsyncEngine) -> None:
    stamps = FreshnessStamp(engine)
    seen = {await stamps.read()}
    for _ in range(5):
        table, row = _rows()[4]
        await _commit(engine, table.insert().values(**row))
        stamp = await stamps.read()
        assert stamp == await _stamp(engine)
        assert stamp not in seen
        seen.add(stamp)


async def test_on_a_sqlite_file_the_stamp_needs_no_connection_and_no_lock(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url, pool_size=1, pool_wait=0.2)
    writer = sqlite3.connect(engine.url.database or "", isolation_level=None)
    try:
        stamps = FreshnessStamp(engine)
        expected = await _stamp(engine)
        async with reader(engine).connect() as held:  # the pool's only connection is taken
            await held.execute(text("SELECT 1"))
            writer.execute("BEGIN IMMEDIATE")  # and another process holds the write lock
            with pytest.raises(StorageBusy):
                async with engine.connect():
                    pass
            assert await asyncio.wait_for(stamps.read(), 1) == expected
            writer.execute("ROLLBACK")
    finally:
        writer.close()
        await engine.dispose()


async def test_a_shared_read_begins_after_every_request_it_answers() -> None:
    """Requests that arrive while a read is under way wait for the next one: the read under
    way may have begun before a commit they could see."""
    began: list[int] = []
    gates: list[asyncio.Future[None]] = []

    async def read() -> int:
        began.append(len(began))
        gate = asyncio.get_running_loop().create_future()
        gates.append(gate)
        await gate
        return len(began)

    shared = _Shared(read)
    first = asyncio.create_task(shared())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert began == [0]  # the first read is under way
    late = [asyncio.create_task(shared()) for _ in range(3)]
    await asyncio.sleep(0)
    gates[0].set_result(None)
    assert await first == 1
    await asyncio.sleep(0)
    assert began == [0, 1]  # one more read, for all three latecomers
    gates[1].set_result(None)
    assert [await task for task in late] == [2, 2, 2]


def test_a_schema_made_by_create_all_gets_the_triggers_too(tmp_path: Path) -> None:
    """A schema not made by the migrations (``metadata.create_all``) must not keep a stamp that
    never moves: its answers would be reused for ever."""
    path = tmp_path / "created.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        metadata.create_all(engine)
        table, row = _rows()[4]
        with engine.connect() as conn:
            before = conn.execute(catalog_freshness.select()).one().stamp
        with engine.begin() as conn:
            conn.execute(table.insert().values(**row))
        with engine.connect() as conn:
            assert conn.execute(catalog_freshness.select()).one().stamp == before + 1
    finally:
        engine.dispose()
