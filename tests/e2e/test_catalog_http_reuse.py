"""Public catalog answers reused, and never stale (ADR 0026), on SQLite and PostgreSQL.

The service keeps its public catalog answers and sends them again while the catalog's
freshness stamp is unchanged. These tests hold it to what that promises:

- once a change is committed — through this process, another one, or SQL past the application
  — the very next read of this process shows it (no stale answer, however the answer was kept);
- a listing falling due changes the answers with no write at all;
- a reused answer reads the stamp and nothing else;
- an ``If-None-Match`` naming the current tag is a 304, an old tag a 200 with the new body.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from sqlalchemy import Engine, event, text

from shop_adapters.bootstrap import bootstrap
from shop_adapters.demo import seed_demo_catalog
from shop_adapters.http import create_app, mint_token
from shop_adapters.http.catalog import CATALOG_CONTROLLERS
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.sql.engine import make_engine
from shop_app.catalog import commands as c
from shop_app.catalog.ports import CatalogQueries

Client = httpx.AsyncClient
PRODUCTS = "/catalog/products"


@attrs.define
class Clock:
    current: dt.datetime = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current


@pytest.fixture
def settings(backend_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=backend_url,
        jwt_secret="public-answers-test-secret-0123456789abcdef",
        sections=[
            GiftCardSettings(
                key_file=str(tmp_path / "giftcard.keys"), export_dir=str(tmp_path / "exports")
            )
        ],
        sms="memory",
        migrate_on_start=False,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@contextlib.asynccontextmanager
async def _serving(settings: Settings, clock: Clock) -> AsyncIterator[tuple[Runtime, Client]]:
    """A runtime and a client of its app, both on the test's event loop (the test uses the
    runtime directly too: PostgreSQL connections belong to one loop)."""
    runtime = bootstrap(settings, clock=clock)
    app = create_app(runtime, CATALOG_CONTROLLERS)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # an ASGI app
    await runtime.start()  # what the app's start-up does
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
            yield runtime, client
    finally:
        await runtime.close()


@pytest.fixture
async def shop(settings: Settings, clock: Clock) -> AsyncIterator[tuple[Runtime, Client]]:
    async with _serving(settings, clock) as (runtime, client):
        await seed_demo_catalog(runtime.bus, runtime.get(CatalogQueries))
        yield runtime, client


def _operator(settings: Settings) -> dict[str, str]:
    token = mint_token(settings, "ops", "operator", ("catalog.read", "catalog.write"))
    return {"Authorization": f"Bearer {token}"}


def _phone(page: dict[str, Any]) -> dict[str, Any]:
    return next(item for item in page["items"] if item["name"].startswith("Nova X1"))


@contextlib.contextmanager
def _statements() -> Iterator[list[str]]:
    """Every statement any engine of this process sends meanwhile."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def test_a_reused_answer_reads_the_stamp_and_nothing_else(
    shop: tuple[Runtime, Client],
) -> None:
    _, client = shop
    first = await client.get(PRODUCTS)
    product = _phone(first.json())["id"]
    detail = await client.get(f"{PRODUCTS}/{product}")
    with _statements() as sent:
        again = await client.get(PRODUCTS)
        detail_again = await client.get(f"{PRODUCTS}/{product}")
    assert (again.content, detail_again.content) == (first.content, detail.content)
    # PostgreSQL reads the stamp through the pool; a SQLite file beside it, on a connection
    # of its own that no engine sees
    assert all("catalog_freshness" in statement for statement in sent), sent
    assert len(sent) <= 2


@pytest.mark.rule("CAT-8")
async def test_a_committed_change_is_the_next_answer(
    shop: tuple[Runtime, Client], settings: Settings
) -> None:
    runtime, client = shop
    writer = _operator(settings)
    page = (await client.get(PRODUCTS)).json()
    phone = _phone(page)
    path = f"{PRODUCTS}/{phone['id']}"
    detail = (await client.get(path)).json()
    sku = detail["skus"][0]["id"]
    for price in ("3899.00", "3799.00", "3699.00"):
        changed = await client.put(
            f"/admin/catalog/products/{phone['id']}/skus/{sku}/price",
            json={
                "sale_price": {"amount": price, "currency": "CNY"},
                "list_price": {"amount": "4999.00", "currency": "CNY"},
            },
            headers=writer,
        )
        assert changed.status_code == 200, changed.text
        assert _phone((await client.get(PRODUCTS)).json())["min_price"]["amount"] == price
        assert (await client.get(path)).json()["skus"][0]["sale_price"]["amount"] == price
    # through the bus, with no HTTP in between: the same
    await runtime.bus.handle(c.RecordProductSales(product_id=uuid.UUID(phone["id"]), quantity=5))
    assert _phone((await client.get(PRODUCTS)).json())["sales_count"] == phone["sales_count"] + 5


async def test_a_change_made_by_another_process_is_the_next_answer(
    shop: tuple[Runtime, Client], settings: Settings, clock: Clock
) -> None:
    _, client = shop
    phone = _phone((await client.get(PRODUCTS)).json())
    async with _serving(settings, clock) as (other, _):
        await other.bus.handle(c.RecordProductSales(product_id=uuid.UUID(phone["id"]), quantity=2))
    assert _phone((await client.get(PRODUCTS)).json())["sales_count"] == phone["sales_count"] + 2
    # SQL typed by hand, past every application: the same
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE brands SET name = 'Nova Prime' WHERE name = 'Nova'"))
    finally:
        await engine.dispose()
    assert _phone((await client.get(PRODUCTS)).json())["brand_name"] == "Nova Prime"
    brands = (await client.get("/catalog/brands")).json()
    assert "Nova Prime" in [brand["name"] for brand in brands]


@pytest.mark.rule("CAT-7")
async def test_a_listing_falling_due_changes_the_answers_with_no_write(
    shop: tuple[Runtime, Client], clock: Clock
) -> None:
    runtime, client = shop
    page = (await client.get(PRODUCTS)).json()
    phone = _phone(page)
    path = f"{PRODUCTS}/{phone['id']}"
    later = clock.current + dt.timedelta(hours=2)
    await runtime.bus.handle(c.ScheduleListing(product_id=uuid.UUID(phone["id"]), delist_at=later))
    assert (await client.get(path)).status_code == 200
    assert (await client.get(PRODUCTS)).json()["total"] == page["total"]
    clock.current = later  # no write: time alone takes the phone off sale
    assert (await client.get(path)).status_code == 404
    assert phone["id"] not in [item["id"] for item in (await client.get(PRODUCTS)).json()["items"]]


async def test_conditional_reads(shop: tuple[Runtime, Client], settings: Settings) -> None:
    runtime, client = shop
    for path in (PRODUCTS, "/catalog/categories", "/catalog/front-categories", "/catalog/brands"):
        first = await client.get(path)
        assert first.headers["cache-control"] == "public, no-cache"
        tag = first.headers["etag"]
        same = await client.get(path, headers={"If-None-Match": tag})
        assert same.status_code == 304, path
        assert same.content == b""
        assert same.headers["etag"] == tag
    tag = (await client.get(PRODUCTS)).headers["etag"]
    phone = _phone((await client.get(PRODUCTS)).json())
    await runtime.bus.handle(c.RecordProductSales(product_id=uuid.UUID(phone["id"]), quantity=1))
    changed = await client.get(PRODUCTS, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert _phone(changed.json())["sales_count"] == phone["sales_count"] + 1
