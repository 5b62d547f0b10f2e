"""The schema comes only from Alembic migrations, and they match the models (no drift)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from tests.conftest import scratch_postgres
from tests.unit.giftcards.giftcard_builders import NOW, new_card, opened_batch

from shop_adapters.sql.engine import alembic_config, check, make_engine, upgrade
from shop_adapters.sql.giftcards.mapping import BATCHES, CARDS
from shop_adapters.sql.giftcards.tables import giftcard_batches, giftcards
from shop_adapters.sql.kernel_tables import audit_log
from shop_adapters.sql.tables import metadata
from shop_app.shared.errors import PersistenceConflict
from shop_domain.giftcards.card import ActivationVia


def _table_names(url: str) -> set[str]:
    async def run() -> set[str]:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_sqlite_schema_matches_models(sqlite_url: str) -> None:
    check(sqlite_url)  # raises on any drift between models and migrations
    assert set(metadata.tables) <= _table_names(sqlite_url)


def test_postgres_schema_matches_models(postgres_url: str) -> None:
    check(postgres_url)
    assert set(metadata.tables) <= _table_names(postgres_url)


def _audit_log_refuses_changes(url: str) -> None:
    """SEC-2: the migration makes ``audit_log`` append-only in the database itself."""

    async def run() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    audit_log.insert().values(
                        id=uuid.uuid4(),
                        at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                        actor_kind="operator",
                        actor="op-1",
                        action="create_brand",
                        target="",
                        outcome="done",
                        detail={},
                    )
                )
            for change in (audit_log.update().values(actor="someone else"), audit_log.delete()):
                with pytest.raises(PersistenceConflict) as refused:
                    async with engine.begin() as conn:
                        await conn.execute(change)
                assert "append-only" in str(refused.value.__cause__)
            async with engine.connect() as conn:
                rows = (await conn.execute(select(audit_log.c.actor))).scalars().all()
            assert rows == ["op-1"]
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.mark.rule("SEC-2")
def test_sqlite_audit_log_is_append_only(sqlite_url: str) -> None:
    _audit_log_refuses_changes(sqlite_url)


@pytest.mark.rule("SEC-2")
def test_postgres_audit_log_is_append_only(postgres_url: str) -> None:
    _audit_log_refuses_changes(postgres_url)


# --- 0017: members' verified phones -------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0016(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own migrated up to 0016 (this test moves it up and down)."""
    if request.param == "postgresql":
        with scratch_postgres("shop_migration", "0016") as url:
            yield url
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    upgrade(url, "0016")
    yield url


async def _execute(url: str, *statements: str) -> list[Any]:
    """Run ``statements`` in one transaction; the rows of the last."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            result = None
            for statement in statements:
                result = await conn.execute(text(statement))
            return list(result.all()) if result is not None and result.returns_rows else []
    finally:
        await engine.dispose()


MEMBER = "'00000000-0000-7000-8000-00000000a11c'"
MEMBER_ROW = (
    f"INSERT INTO members (id, user_id, created_at, growth, level, photos, seq, version) "
    f"VALUES ({MEMBER}, {MEMBER}, '2026-01-01 00:00:00+00:00', 5, 0, 0, 1, 1)"
)
GROWTH_ROW = (
    f"INSERT INTO member_growth (member_id, seq, source, ref, amount, at, key) "
    f"VALUES ({MEMBER}, 1, 'sign_in', '2026-01-01', 5, '2026-01-01 00:00:00+00:00', '')"
)


@pytest.mark.rule("MEM-1")
def test_0017_gives_members_one_phone_each_and_goes_back_keeping_their_growth(
    at_0016: str,
) -> None:
    url = at_0016
    asyncio.run(_execute(url, MEMBER_ROW, GROWTH_ROW))
    upgrade(url, "0017")
    asyncio.run(_execute(url, "UPDATE members SET phone = '+8613800131234'"))
    other = MEMBER_ROW.replace("a11c", "0b0b")
    with pytest.raises(PersistenceConflict):  # one member per number
        asyncio.run(_execute(url, other, "UPDATE members SET phone = '+8613800131234'"))
    command.downgrade(alembic_config(url), "0016")
    assert asyncio.run(_execute(url, "SELECT count(*) FROM member_growth")) == [(1,)]
    upgrade(url)
    assert asyncio.run(_execute(url, "SELECT phone, growth FROM members")) == [(None, 5)]
    check(url)


async def _insert_card_bound_to(url: str, typed: str) -> uuid.UUID:
    """A batch and a card bound by an operator to ``typed``, written as 0016 kept it (the
    number as it was typed)."""
    batch = opened_batch()
    card = new_card(batch)
    card.activate(batch=batch, via=ActivationVia.MANUAL, actor="op", now=NOW, phone="13800131234")
    card.phone = typed  # as typed: before 0017, nothing made it canonical
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                giftcard_batches.insert().values(BATCHES.params(BATCHES.dump(batch)))
            )
            await conn.execute(giftcards.insert().values(CARDS.params(CARDS.dump(card))))
    finally:
        await engine.dispose()
    return card.id


@pytest.mark.rule("GC-5")
def test_0017_makes_the_numbers_cards_are_bound_to_canonical(at_0016: str) -> None:
    url = at_0016
    bound = asyncio.run(_insert_card_bound_to(url, "+86 138-0013 1234"))
    upgrade(url)
    rows = asyncio.run(_execute(url, "SELECT id, phone FROM giftcards"))
    assert [(uuid.UUID(str(card_id)), phone) for card_id, phone in rows] == [
        (bound, "+8613800131234")
    ]
    command.downgrade(alembic_config(url), "0016")
    upgrade(url)
    check(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0021(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own migrated up to 0021, before the catalog's stock projection."""
    if request.param == "postgresql":
        with scratch_postgres("shop_migration_0023", "0021") as url:
            yield url
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    upgrade(url, "0021")
    yield url


SKU = "'00000000-0000-7000-8000-0000000005c1'"
HOUSES = ("'00000000-0000-7000-8000-00000000e001'", "'00000000-0000-7000-8000-00000000e002'")


@pytest.mark.rule("STK-1")
def test_0023_starts_the_catalogs_stock_from_fulfillments_books(at_0021: str) -> None:
    url = at_0021
    rows = []
    for n, (house, on_hand, reserved) in enumerate(
        ((HOUSES[0], 10, 3), (HOUSES[1], 4, 0)), start=1
    ):
        rows += [
            f"INSERT INTO warehouses (id, code, name, regions, active, version) "
            f"VALUES ({house}, 'W{n}', 'W{n}', '[]', true, 1)",
            f"INSERT INTO stock_items (id, sku_id, warehouse_id, on_hand, reserved, low_stock, "
            f"version) VALUES ({house.replace('e00', 'a00')}, {SKU}, {house}, {on_hand}, "
            f"{reserved}, 0, 1)",
        ]
    asyncio.run(_execute(url, *rows))
    upgrade(url, "0023")
    shown = asyncio.run(_execute(url, "SELECT available FROM sku_stock ORDER BY available"))
    assert shown == [(4,), (7,)]  # on hand − reserved, per warehouse
    command.downgrade(alembic_config(url), "0021")
    upgrade(url)
    check(url)
