"""The segment store's contract (shop_testing.contracts.segments) over the SQL store:
``memory://``, SQLite and PostgreSQL; the second store of each runs on an engine of its own, as
another worker process would."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.coupons.segments import SqlSegmentStore
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.memory import EphemeralSqlite
from shop_testing.contracts.segments import SegmentStoreContract


class SqlSegments(SegmentStoreContract):
    """Subclasses provide the ``url`` of a migrated database."""

    @pytest.fixture
    async def engine(self, url: str) -> AsyncIterator[AsyncEngine]:
        engine = make_engine(url)
        yield engine
        await engine.dispose()

    @pytest.fixture
    async def other_engine(self, url: str) -> AsyncIterator[AsyncEngine]:
        engine = make_engine(url)
        yield engine
        await engine.dispose()

    @pytest.fixture
    def store(self, engine: AsyncEngine) -> SqlSegmentStore:
        return SqlSegmentStore(engine)

    @pytest.fixture
    def other_store(self, other_engine: AsyncEngine) -> SqlSegmentStore:
        return SqlSegmentStore(other_engine)


class TestMemorySegmentStore(SegmentStoreContract):
    @pytest.fixture
    async def database(self) -> AsyncIterator[EphemeralSqlite]:
        database = EphemeralSqlite()
        yield database
        await database.close()

    @pytest.fixture
    def store(self, database: EphemeralSqlite) -> SqlSegmentStore:
        return SqlSegmentStore(database.engine)

    @pytest.fixture
    def other_store(self, database: EphemeralSqlite) -> SqlSegmentStore:
        """A ``memory://`` database lives in one runtime's engine: a second store on it."""
        return SqlSegmentStore(database.engine)


class TestSqliteSegmentStore(SqlSegments):
    @pytest.fixture
    def url(self, sqlite_url: str) -> str:
        return sqlite_url


@pytest.mark.postgres
class TestPostgresSegmentStore(SqlSegments):
    @pytest.fixture
    def url(self, postgres_url: str) -> str:
        return postgres_url
