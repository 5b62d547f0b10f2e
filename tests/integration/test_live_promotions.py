"""Live promotions in step across processes (ADR 0034): two runtimes on one database — a SQLite
file, a PostgreSQL database — where a promotion scheduled, paused, resumed or ended through one
runtime's unit of work becomes a candidate, or stops being one, in the other's index within the
documented bound; and a quote reads no promotion from the database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.integration.live_support import (
    INSIDE,
    Shop,
    build_shop,
    change,
    create,
    item,
    on_skus,
    start,
)

from shop_adapters.shared.crypto import new_key_spec
from shop_adapters.sql.pricing.live import SqlLivePromotionSource
from shop_app.pricing.live import LivePromotions
from shop_domain.pricing.terms import Channel

pytestmark = pytest.mark.rule("PRO-2")


@pytest.fixture
async def shops(backend_url: str, tmp_path: Path) -> AsyncIterator[tuple[Shop, Shop]]:
    """Runtime ``a`` writes; runtime ``b`` quotes with ``SHOP_PROMOTIONS_MAX_LAG_MS=0``."""
    keys = new_key_spec()
    a = build_shop(backend_url, keys, str(tmp_path / "a"))
    b = build_shop(backend_url, keys, str(tmp_path / "b"))
    await start(a)
    await start(b)
    try:
        yield a, b
    finally:
        await a.runtime.close()
        await b.runtime.close()


def live(shop: Shop) -> LivePromotions:
    return shop.runtime.get(LivePromotions)


def feed(shop: Shop) -> AsyncEngine:
    """Where the shop reads the feed: the shop's engine on SQLite, one of its own (a single
    connection, outside the pool) on PostgreSQL."""
    source = live(shop).source
    assert isinstance(source, SqlLivePromotionSource)
    if shop.engine.dialect.name == "postgresql":
        assert source.engine.sync_engine.pool is not shop.engine.sync_engine.pool
    return source.engine


async def candidates(shop: Shop, *numbers: int) -> list[uuid.UUID]:
    found = await live(shop).candidates([item(n) for n in numbers], INSIDE, Channel.APP)
    return [promotion.id for promotion in found]


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement ``engine`` sends through SQLAlchemy meanwhile."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def reading(sent: list[str], table: str) -> list[str]:
    return [sql for sql in sent if f"FROM {table}" in sql]


async def test_the_lifecycle_through_one_runtime_shows_in_the_other(
    shops: tuple[Shop, Shop],
) -> None:
    a, b = shops
    draft = await create(a, on_skus(1), schedule=False)
    assert await candidates(b, 1) == []
    assert draft not in live(b).index  # a draft holds no goods
    await change(a, draft, "schedule", a.clock.now())
    assert await candidates(b, 1) == [draft]
    await change(a, draft, "pause", INSIDE)
    assert await candidates(b, 1) == []
    assert draft in live(b).index  # paused: it still holds its goods
    await change(a, draft, "resume", INSIDE)
    assert await candidates(b, 1, 2) == [draft]
    await change(a, draft, "end", INSIDE)
    assert await candidates(b, 1) == []
    assert len(live(b).index) == 0
    assert live(b).reloads == 1  # loaded at start, then kept in step change by change


async def test_a_quote_reads_the_feed_number_and_no_promotion(shops: tuple[Shop, Shop]) -> None:
    a, b = shops
    first = await create(a, on_skus(1), schedule=True)
    others = [await create(a, on_skus(n), schedule=True) for n in (2, 3)]
    assert await candidates(b, 1) == [first]
    with statements(feed(b)) as sent:
        for _ in range(5):
            assert await candidates(b, 1, 2, 3) == sorted([first, *others])
    assert reading(sent, "promotions") == []
    assert len(reading(sent, "promotion_feed")) == 5  # SHOP_PROMOTIONS_MAX_LAG_MS=0
    assert len([sql for sql in sent if sql != "BEGIN"]) == 5  # SQLite: a deferred BEGIN each
    await change(a, others[0], "end", INSIDE)
    with statements(feed(b)) as sent:
        assert await candidates(b, 1, 2, 3) == sorted([first, others[1]])
    [_by_id] = reading(sent, "promotions")  # only the promotion that changed, read again
    assert len(reading(sent, "promotion_changes")) == 1


async def test_within_the_lag_a_quote_reads_nothing_and_after_it_sees_the_change(
    backend_url: str, tmp_path: Path
) -> None:
    keys = new_key_spec()
    a = build_shop(backend_url, keys, str(tmp_path / "a"))
    b = build_shop(backend_url, keys, str(tmp_path / "b"), max_lag_ms=300)
    await start(a)
    await start(b)
    try:
        assert await candidates(b, 1) == []
        promotion = await create(a, on_skus(1), schedule=True)
        with statements(feed(b)) as sent:
            assert await candidates(b, 1) == []  # checked at start, less than 300 ms ago
        assert sent == []
        await asyncio.sleep(0.31)
        assert await candidates(b, 1) == [promotion]
    finally:
        await a.runtime.close()
        await b.runtime.close()


async def test_changes_made_past_the_application_are_followed_too(
    shops: tuple[Shop, Shop],
) -> None:
    a, b = shops
    promotion = await create(a, on_skus(1), schedule=True)
    assert await candidates(b, 1) == [promotion]
    async with a.engine.begin() as conn:
        await conn.execute(
            text("UPDATE promotions SET status = 'ended' WHERE id = :id"),
            {"id": promotion if a.engine.dialect.name == "postgresql" else promotion.hex},
        )
    assert await candidates(b, 1) == []


async def test_a_hole_in_the_feed_loads_everything_again(shops: tuple[Shop, Shop]) -> None:
    a, b = shops
    kept = await create(a, on_skus(1), schedule=True)
    assert await candidates(b, 1) == [kept]
    ended = await create(a, on_skus(2), schedule=True)
    await change(a, ended, "end", INSIDE)
    async with a.engine.begin() as conn:  # the changes dropped, as if they were long ago
        await conn.execute(text("DELETE FROM promotion_changes"))
    later = await create(a, on_skus(3), schedule=True)
    assert await candidates(b, 1, 2, 3) == sorted([kept, later])
    assert live(b).reloads == 2


async def test_concurrent_quotes_share_one_check(shops: tuple[Shop, Shop]) -> None:
    a, b = shops
    promotion = await create(a, on_skus(1), schedule=True)
    with statements(feed(b)) as sent:
        found = await asyncio.gather(*(candidates(b, 1) for _ in range(20)))
    assert found == [[promotion]] * 20
    # a check under way when most quotes arrived, then one more that began after them
    assert len(reading(sent, "promotion_feed")) <= 2
