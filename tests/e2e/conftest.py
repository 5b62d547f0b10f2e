"""E2E fixtures: a real :class:`Runtime` on the in-memory adapters, with a test-only command.

The ``Ping`` command records a ``Note`` aggregate, so a test can check what a request wrote
(and that a refused request wrote nothing) by looking at the memory database and the handler's
call log.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from shop_adapters.memory import FixedClock, MemoryDatabase, MemoryRepository, MemoryUnitOfWork
from shop_adapters.memory.audit import MemoryAuditQueries
from shop_adapters.memory.jobs import MemoryJobStore
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.system import UuidV7Generator
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ratelimit import TooManyAttempts
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import Conflict, InvalidValue, NotFound


@attrs.define(slots=False, eq=False)
class Note(Aggregate):
    name: str
    count: int
    author: str


class Notes(MemoryRepository[Note]):
    aggregate_type = Note


class TestUnitOfWork(MemoryUnitOfWork):
    __test__ = False

    def __init__(self, db: MemoryDatabase, clock: FixedClock) -> None:
        super().__init__(db, clock, UuidV7Generator())
        self.notes = Notes(self)


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

    db: MemoryDatabase
    calls: list[Ping]
    readiness: Readiness
    runtime: Runtime

    def notes(self) -> list[Any]:
        return list(self.db.rows("Note"))


@pytest.fixture
def settings() -> Settings:
    # memory://: tokens are signed with the process's random secret, never a file or a constant
    return Settings(database_url="memory://")


@pytest.fixture
def world(settings: Settings) -> World:
    db = MemoryDatabase()
    clock = FixedClock()
    calls: list[Ping] = []

    async def ping(command: Ping, uow: TestUnitOfWork) -> dict[str, Any]:
        calls.append(command)
        if command.name == "boom":
            raise RuntimeError("secret internals: password=hunter2")
        if command.name in DOMAIN_FAILURES:
            raise DOMAIN_FAILURES[command.name]
        note = Note(
            id=uow.ids.new_id(), name=command.name, count=command.count, author=command.author
        )
        uow.notes.add(note)
        return {"id": str(note.id), "name": note.name, "count": note.count, "author": note.author}

    bus = MessageBus(lambda: TestUnitOfWork(db, clock), {Ping: ping})
    readiness = Readiness()
    runtime = Runtime(
        settings=settings,
        bus=bus,
        clock=clock,
        check_ready=readiness.check,
        closers=[readiness.close],
        jobs=MemoryJobStore(db),
        audit=MemoryAuditQueries(db),
    )
    return World(db=db, calls=calls, readiness=readiness, runtime=runtime)
