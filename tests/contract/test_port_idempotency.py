"""The idempotency store's contract (shop_testing.contracts.idempotency) over the SQL store, in
the application's unit of work: ``memory://``, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.shared.system import FixedClock, UuidV7Generator
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.memory import EphemeralSqlite
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.shared.messagebus import UnitOfWorkFactory
from shop_testing.contracts.idempotency import IdempotencyStoreContract


def units(engine: AsyncEngine) -> UnitOfWorkFactory:
    clock, ids = FixedClock(), UuidV7Generator()
    return lambda: SqlShopUnitOfWork(engine, clock, ids)


class TestMemoryIdempotencyStore(IdempotencyStoreContract):
    @pytest.fixture
    async def uow_factory(self) -> AsyncIterator[UnitOfWorkFactory]:
        database = EphemeralSqlite()
        yield units(database.engine)
        await database.close()


class TestSqliteIdempotencyStore(IdempotencyStoreContract):
    @pytest.fixture
    async def uow_factory(self, sqlite_url: str) -> AsyncIterator[UnitOfWorkFactory]:
        engine = make_engine(sqlite_url)
        yield units(engine)
        await engine.dispose()


@pytest.mark.postgres
class TestPostgresIdempotencyStore(IdempotencyStoreContract):
    @pytest.fixture
    async def uow_factory(self, postgres_url: str) -> AsyncIterator[UnitOfWorkFactory]:
        engine = make_engine(postgres_url)
        yield units(engine)
        await engine.dispose()
