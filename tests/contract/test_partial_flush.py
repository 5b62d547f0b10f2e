"""The flush before a repository's read (decision 0048): a read of one table alone, when nothing
of that table waits to be written, sends nothing — the new rows of other tables wait for the next
flush (at commit, in the last statement); a read of a table with changes of its own, or of more
than one table, still finds everything written first."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from tests.unit.pricing.participation_support import active_promotion

from shop_adapters.sql.driver import recording
from shop_adapters.sql.loyalty.tables import points_accounts
from shop_adapters.sql.ordering.repositories import _FOR_PAYMENT
from shop_domain.loyalty.account import PointsAccount
from shop_domain.pricing.terms import PromotionLimits
from shop_testing.contracts import SqlBackend


def inserts_of_accounts(sent: list[str]) -> list[str]:
    return [sql for sql in sent if "INSERT INTO points_accounts" in sql]


async def accounts(backend: SqlBackend) -> list[uuid.UUID]:
    async with backend.engine.connect() as conn:
        return list((await conn.execute(select(points_accounts.c.id))).scalars())


class PartialFlushContract:
    pytestmark = pytest.mark.asyncio

    async def test_a_read_of_another_table_leaves_the_new_rows_for_the_commit(
        self, backend: SqlBackend
    ) -> None:
        promotion = await active_promotion(backend.uow, backend.clock.now(), PromotionLimits())
        async with backend.uow() as uow:
            account = PointsAccount.open(
                id=uow.ids.new_id(), user_id=uuid.uuid4(), now=backend.clock.now()
            )
            uow.points_accounts.add(account)
            with recording() as before_commit:
                found = await uow.promotions.get_for_update(promotion)
            with recording() as at_commit:
                await uow.commit()
        assert found.id == promotion
        assert inserts_of_accounts(before_commit) == []
        assert len(inserts_of_accounts(at_commit)) == 1
        assert await accounts(backend) == [account.id]

    async def test_a_read_of_a_table_with_changes_writes_everything_first(
        self, backend: SqlBackend
    ) -> None:
        promotion = await active_promotion(backend.uow, backend.clock.now(), PromotionLimits())
        async with backend.uow() as uow:
            held = await uow.promotions.get(promotion)
            held.pause(backend.clock.now())
            uow.points_accounts.add(
                PointsAccount.open(id=uow.ids.new_id(), user_id=uuid.uuid4(), now=held.created_at)
            )
            with recording() as sent:
                await uow.promotions.get_for_update(promotion)
            await uow.commit()
        assert len(inserts_of_accounts(sent)) == 1
        assert any("UPDATE promotions" in sql for sql in sent)


def test_a_statement_knows_the_tables_it_reads() -> None:
    for dialect in (postgresql.dialect(), sqlite.dialect()):
        assert _FOR_PAYMENT.compiled(dialect).tables == {"orders", "payments"}


class TestSqlitePartialFlush(PartialFlushContract):
    @pytest.fixture
    def backend(self, sqlite_backend: SqlBackend) -> SqlBackend:
        return sqlite_backend


@pytest.mark.postgres
class TestPostgresPartialFlush(PartialFlushContract):
    @pytest.fixture
    def backend(self, postgres_backend: SqlBackend) -> SqlBackend:
        return postgres_backend
