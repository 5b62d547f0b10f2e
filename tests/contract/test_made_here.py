"""An id this unit of work made (decision 0048): minted by its ``ids`` and given to an aggregate it
added, no committed row refers to it. The participation log keeps such an order's rows in hand —
no read, no insert of its own — and writes them with the last statement at commit; every answer
is the one the rows written at once would give (PRO-7)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from tests.unit.pricing.participation_support import active_promotion, read_books

from shop_adapters.sql.driver import recording
from shop_app.pricing.participation_ports import TakeStatus
from shop_domain.loyalty.account import PointsAccount
from shop_domain.pricing.participation import Participation, Tally
from shop_domain.pricing.terms import PromotionLimits
from shop_testing.contracts import SqlBackend

ALICE, BOB = uuid.UUID(int=0xA11CE), uuid.UUID(int=0xB0B)
pytestmark = [pytest.mark.asyncio, pytest.mark.rule("PRO-7")]


def made_here(uow: Any, backend: SqlBackend) -> uuid.UUID:
    """The id of an aggregate ``uow`` makes (an account stands for the order a submission
    makes: any aggregate added with a minted id will do)."""
    made = uow.ids.new_id()
    uow.points_accounts.add(
        PointsAccount.open(id=made, user_id=uuid.uuid4(), now=backend.clock.now())
    )
    return made


def entry(backend: SqlBackend, promotion: uuid.UUID, order: uuid.UUID, user: uuid.UUID) -> Any:
    return Participation(
        promotion_id=promotion, user_id=user, order_id=order, recorded_at=backend.clock.now()
    )


def log_statements(sent: list[str]) -> list[str]:
    return [
        sql
        for sql in sent
        if "promotion_participations " in sql or sql.endswith("promotion_participations")
    ]


class MadeHereContract:
    async def test_only_an_id_minted_and_added_here_is_made_here(self, backend: SqlBackend) -> None:
        async with backend.uow() as uow:
            made = made_here(uow, backend)
            minted_only = uow.ids.new_id()
            foreign = uuid.uuid4()
            uow.points_accounts.add(
                PointsAccount.open(id=foreign, user_id=BOB, now=backend.clock.now())
            )
            assert uow.created_here(made)
            assert not uow.created_here(minted_only)
            assert not uow.created_here(foreign)
            await uow.commit()
        async with backend.uow() as uow:
            assert not uow.created_here(made)  # another transaction: the row is committed now

    async def test_an_order_made_here_is_logged_at_commit_with_the_same_answers(
        self, backend: SqlBackend
    ) -> None:
        limits = PromotionLimits(total=1)
        limited = await active_promotion(backend.uow, backend.clock.now(), limits, name="L")
        free = await active_promotion(backend.uow, backend.clock.now(), PromotionLimits(), name="F")
        async with backend.uow() as uow:
            store = uow.promotion_participations
            first, second = made_here(uow, backend), made_here(uow, backend)
            with recording() as sent:
                assert await store.of_order(first) == []
                taken = await store.take(entry(backend, limited, first, ALICE), limits)
                free_entry = entry(backend, free, first, ALICE)
                await store.take(free_entry, PromotionLimits())
                again = await store.take(entry(backend, free, first, BOB), PromotionLimits())
                held = await store.of_order(first)
                refused = await store.take(entry(backend, limited, second, BOB), limits)
            assert log_statements(sent) == []  # nothing read or written of the log yet
            assert taken.status is TakeStatus.RECORDED
            assert again.status is TakeStatus.ALREADY
            assert again.entry == free_entry  # Alice's, as the stored one would be
            assert sorted(e.promotion_id for e in held) == sorted((limited, free))
            assert refused.status is TakeStatus.REFUSED
            assert refused.tally == Tally(total=1, of_user=0)
            await uow.commit()
        books = await read_books(backend.engine)
        assert books.counting == {limited: 1, free: 1}
        assert books.totals == {limited: 1}
        books.check({limited: limits, free: PromotionLimits()})

    async def test_releasing_an_order_made_here_writes_its_rows_first(
        self, backend: SqlBackend
    ) -> None:
        limits = PromotionLimits(total=3, per_user=1)
        promotion = await active_promotion(backend.uow, backend.clock.now(), limits)
        async with backend.uow() as uow:
            store = uow.promotion_participations
            order = made_here(uow, backend)
            await store.take(entry(backend, promotion, order, ALICE), limits)
            released = await store.release_order(order, backend.clock.now())
            assert [e.promotion_id for e in released] == [promotion]
            assert [e.released_at for e in await store.of_order(order)] == [backend.clock.now()]
            await uow.commit()
        books = await read_books(backend.engine)
        assert books.counting == {}
        assert books.released == {promotion: 1}
        assert books.totals == {promotion: 0}

    async def test_a_rolled_back_order_made_here_leaves_nothing(self, backend: SqlBackend) -> None:
        limits = PromotionLimits(total=2)
        promotion = await active_promotion(backend.uow, backend.clock.now(), limits)
        async with backend.uow() as uow:
            order = made_here(uow, backend)
            await uow.promotion_participations.take(entry(backend, promotion, order, ALICE), limits)
            await uow.rollback()
        books = await read_books(backend.engine)
        assert books.counting == {}
        assert books.totals == {}


class TestSqliteMadeHere(MadeHereContract):
    @pytest.fixture
    def backend(self, sqlite_backend: SqlBackend) -> SqlBackend:
        return sqlite_backend


@pytest.mark.postgres
class TestPostgresMadeHere(MadeHereContract):
    @pytest.fixture
    def backend(self, postgres_backend: SqlBackend) -> SqlBackend:
        return postgres_backend
