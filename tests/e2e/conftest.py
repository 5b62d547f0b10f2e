"""E2E fixtures: a real ``memory://`` :class:`Runtime` with a test-only command.

The ``Ping`` command records a note, so a test can check what a request wrote (and that a
refused request wrote nothing) by reading the database and the handler's call log. A note is
kept as a catalog brand — a real aggregate, written by the real unit of work — named after its
id, its fields in the brand's logo URL (brand names are unique; note names need not be).
"""

from __future__ import annotations

import urllib.parse
import uuid
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_app.catalog.ports import CatalogQueries
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ratelimit import TooManyAttempts
from shop_domain.catalog.categories import Brand
from shop_domain.shared.errors import Conflict, InvalidValue, NotFound
from shop_testing.harness import MemoryShop, memory_shop

NOTES_URL = "https://notes.test/"


@attrs.frozen
class Note:
    id: uuid.UUID
    name: str
    count: int
    author: str


@attrs.frozen
class Ping:
    """Write a note. Some names make the handler fail on purpose."""

    name: str
    count: int
    author: str


DOMAIN_FAILURES: dict[str, Exception] = {
    "bad": InvalidValue("that name is not allowed", code="test.bad_name"),
    "missing": NotFound("no such thing", code="test.missing"),
    "taken": Conflict("that name is taken", code="test.name_taken", details={"name": "taken"}),
    "limited": TooManyAttempts("too many tries", details={"retry_after_seconds": 90}),
}


def _as_brand(note: Note, now: Any) -> Brand:
    fields = urllib.parse.urlencode({"name": note.name, "count": note.count, "author": note.author})
    url = f"{NOTES_URL}?{fields}"
    return Brand.create(id=note.id, name=f"note {note.id}", logo_url=url, category_ids=(), now=now)


def _as_note(brand_id: uuid.UUID, logo_url: str | None) -> Note | None:
    if logo_url is None or not logo_url.startswith(NOTES_URL):
        return None
    fields = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(logo_url).query))
    return Note(brand_id, fields["name"], int(fields["count"]), fields["author"])


@attrs.define
class Readiness:
    failing: bool = False
    closed: int = 0

    async def check(self) -> None:
        if self.failing:
            raise ConnectionError("database at db.internal:5432 refused the connection")

    async def close(self) -> None:
        self.closed += 1


@attrs.define
class World:
    """What the tests look at: the database, the handler's calls, the probes."""

    shop: MemoryShop
    calls: list[Ping]
    readiness: Readiness
    runtime: Runtime

    async def notes(self) -> list[Note]:
        """The notes committed so far, read back from the database."""
        brands = await self.runtime.get(CatalogQueries).brands()
        found = (_as_note(b.id, b.logo_url) for b in brands)
        return [note for note in found if note is not None]


@pytest.fixture
def settings() -> Settings:
    # memory://: tokens are signed with the process's random secret, never a file or a constant
    return Settings(database_url="memory://")


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    shop = memory_shop(settings)
    calls: list[Ping] = []

    async def ping(command: Ping, uow: Any) -> dict[str, Any]:
        calls.append(command)
        if command.name == "boom":
            raise RuntimeError("secret internals: password=hunter2")
        if command.name in DOMAIN_FAILURES:
            raise DOMAIN_FAILURES[command.name]
        note = Note(uow.ids.new_id(), command.name, command.count, command.author)
        uow.brands.add(_as_brand(note, uow.clock.now()))
        return {"id": str(note.id), "name": note.name, "count": note.count, "author": note.author}

    readiness = Readiness()
    runtime = attrs.evolve(
        shop.runtime,
        bus=MessageBus(shop.uow, {Ping: ping}),
        check_ready=readiness.check,
        closers=[*shop.runtime.closers, readiness.close],
    )
    yield World(shop=shop, calls=calls, readiness=readiness, runtime=runtime)
    await shop.close()  # the database, whether or not an app closed the runtime


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each schemathesis test its own node id.

    schemathesis names the test of each operation ``test_fuzz_…[GET /path]``, but pytest 9.2
    builds a test's node id from the function's own name (schemathesis passes it as
    ``originalname``): the 88 tests of one function shared one id. Reports that go by id
    (``--durations``, JUnit XML, ``--lf``) could not tell them apart, and pytest-xdist, which
    hands tests to its workers by id, ran one test per id (2 of 176) and said nothing. The id
    is made from the test's full name; a pytest that keeps ids elsewhere fails here, loudly."""
    fuzzed = [item for item in items if getattr(item, "operation_label", None)]
    for item in fuzzed:
        assert item.parent is not None
        item._id = item.parent.id.child(item.name)  # type: ignore[attr-defined]
    ids = [item.nodeid for item in fuzzed]
    assert len(set(ids)) == len(ids), "schemathesis tests still share node ids"
