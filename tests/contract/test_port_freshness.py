"""The catalog read side's freshness contract (shop_testing.contracts.freshness) over the SQL
queries, written through the application's bus: ``memory://``, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.shared.system import FixedClock, UuidV7Generator
from shop_adapters.sql.catalog.queries import SqlCatalogQueries
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.memory import EphemeralSqlite
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.catalog import catalog_command_handlers
from shop_app.shared.messagebus import MessageBus
from shop_domain.catalog import CatalogPolicy
from shop_testing.contracts.freshness import CatalogFreshnessContract


class SqlFreshness(CatalogFreshnessContract):
    """Subclasses provide the ``engine`` of a migrated database."""

    @pytest.fixture
    def queries(self, engine: AsyncEngine) -> SqlCatalogQueries:
        return SqlCatalogQueries(engine)

    @pytest.fixture
    def catalog(self, engine: AsyncEngine) -> MessageBus:
        clock, ids = FixedClock(), UuidV7Generator()
        return MessageBus(
            lambda: SqlShopUnitOfWork(engine, clock, ids), catalog_command_handlers(CatalogPolicy())
        )


class TestMemoryFreshness(SqlFreshness):
    @pytest.fixture
    async def engine(self) -> AsyncIterator[AsyncEngine]:
        database = EphemeralSqlite()
        yield database.engine
        await database.close()


class TestSqliteFreshness(SqlFreshness):
    @pytest.fixture
    async def engine(self, sqlite_url: str) -> AsyncIterator[AsyncEngine]:
        engine = make_engine(sqlite_url)
        yield engine
        await engine.dispose()


@pytest.mark.postgres
class TestPostgresFreshness(SqlFreshness):
    @pytest.fixture
    async def engine(self, postgres_url: str) -> AsyncIterator[AsyncEngine]:
        engine = make_engine(postgres_url)
        yield engine
        await engine.dispose()
