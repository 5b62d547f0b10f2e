"""The participation store (``uow.promotion_participations``, PRO-7) on every backend: a take
within the limits is recorded, a refused one changes nothing, a second take of the same
(order, promotion) answers the entry held, and a release gives each entry back once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from tests.unit.pricing.participation_support import active_promotion, read_books

from shop_app.pricing.participation_ports import TakeStatus
from shop_domain.pricing.participation import Participation, Tally
from shop_domain.pricing.terms import PromotionLimits
from shop_testing.contracts import Backend, SqlBackend

ALICE, BOB = uuid.UUID(int=0xA11CE), uuid.UUID(int=0xB0B)


class ParticipationStoreContract:
    pytestmark = [pytest.mark.asyncio, pytest.mark.rule("PRO-7")]

    async def _take(self, backend: Backend, entry: Participation, limits: PromotionLimits) -> Any:
        async with backend.uow() as uow:
            taken = await uow.promotion_participations.take(entry, limits)
            await uow.commit()
        return taken

    def _entry(self, backend: Backend, promotion: uuid.UUID, user: uuid.UUID) -> Participation:
        return Participation(
            promotion_id=promotion,
            user_id=user,
            order_id=uuid.uuid4(),
            recorded_at=backend.clock.now(),
        )

    async def test_takes_within_the_limits_and_refuses_past_them_changing_nothing(
        self, backend: SqlBackend
    ) -> None:
        limits = PromotionLimits(per_user=2, total=3)
        promotion = await active_promotion(backend.uow, backend.clock.now(), limits)
        for user in (ALICE, ALICE, BOB):
            taken = await self._take(backend, self._entry(backend, promotion, user), limits)
            assert taken.status is TakeStatus.RECORDED
        refused = await self._take(backend, self._entry(backend, promotion, BOB), limits)
        assert refused.status is TakeStatus.REFUSED
        assert refused.tally == Tally(total=3, of_user=1)
        books = await read_books(backend.engine)
        assert books.counting[promotion] == 3
        assert books.totals == {promotion: 3}
        books.check({promotion: limits})
        per_user = PromotionLimits(per_user=2)
        other = await active_promotion(backend.uow, backend.clock.now(), per_user)
        for _ in range(2):
            await self._take(backend, self._entry(backend, other, ALICE), per_user)
        refused = await self._take(backend, self._entry(backend, other, ALICE), per_user)
        assert refused.status is TakeStatus.REFUSED
        assert refused.tally.of_user == 2
        (await read_books(backend.engine)).check({promotion: limits, other: per_user})

    async def test_the_same_order_twice_answers_the_entry_held(self, backend: SqlBackend) -> None:
        limits = PromotionLimits(total=5)
        promotion = await active_promotion(backend.uow, backend.clock.now(), limits)
        entry = self._entry(backend, promotion, ALICE)
        await self._take(backend, entry, limits)
        backend.clock.advance(minutes=5)
        again = await self._take(backend, self._entry_of(entry, BOB), limits)
        assert again.status is TakeStatus.ALREADY
        assert again.entry == entry  # the stored one: Alice's, at its own time
        assert (await read_books(backend.engine)).totals == {promotion: 1}

    def _entry_of(self, entry: Participation, user: uuid.UUID) -> Participation:
        return Participation(
            promotion_id=entry.promotion_id,
            user_id=user,
            order_id=entry.order_id,
            recorded_at=entry.recorded_at,
        )

    async def test_a_release_gives_each_entry_back_once(self, backend: SqlBackend) -> None:
        limits = PromotionLimits(per_user=1, total=1)
        a = await active_promotion(backend.uow, backend.clock.now(), limits, name="A")
        b = await active_promotion(backend.uow, backend.clock.now(), PromotionLimits(), name="B")
        order = uuid.uuid4()
        now = backend.clock.now()
        async with backend.uow() as uow:
            for promotion in sorted((a, b)):
                entry = Participation(
                    promotion_id=promotion, user_id=ALICE, order_id=order, recorded_at=now
                )
                await uow.promotion_participations.take(
                    entry, limits if promotion == a else PromotionLimits()
                )
            await uow.commit()
        backend.clock.advance(hours=1)
        async with backend.uow() as uow:
            released = await uow.promotion_participations.release_order(order, backend.clock.now())
            again = await uow.promotion_participations.release_order(order, backend.clock.now())
            held = await uow.promotion_participations.of_order(order)
            await uow.commit()
        assert [entry.promotion_id for entry in released] == sorted((a, b))
        assert all(entry.released_at == backend.clock.now() for entry in released)
        assert again == []
        assert held == released
        books = await read_books(backend.engine)
        assert books.totals == {a: 0}
        assert books.user_counts == {(a, ALICE): 0}
        taken = await self._take(backend, self._entry(backend, a, ALICE), limits)
        assert taken.status is TakeStatus.RECORDED  # the place is free again


class TestSqliteParticipationStore(ParticipationStoreContract):
    @pytest.fixture
    def backend(self, sqlite_backend: SqlBackend) -> SqlBackend:
        return sqlite_backend


class TestMemoryParticipationStore(ParticipationStoreContract):
    @pytest.fixture
    def backend(self, memory_backend: SqlBackend) -> SqlBackend:
        return memory_backend


@pytest.mark.postgres
class TestPostgresParticipationStore(ParticipationStoreContract):
    @pytest.fixture
    def backend(self, postgres_backend: SqlBackend) -> SqlBackend:
        return postgres_backend
