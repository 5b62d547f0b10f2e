"""Contract of the promotions' repository (``uow.promotions``, :mod:`shop_app.pricing.ports`):
every field of a promotion round-trips, its kind's parameters included; versions count the
commits that change it and a stale write is refused; ``holding`` finds exactly the promotions
that hold goods; every change reaches the outbox as its integration event.

The promotions are drawn from the kit's strategies (:mod:`shop_testing.strategies.promotions`)
with the kinds of :meth:`PromotionPersistenceContract.kinds` — by default every kind of ours
(:func:`~shop_testing.strategies.promotions.promotion_kinds`); a subclass adds a strategy of its
own kinds, so a kind an embedder registers is proven to be stored too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop_app.shared.integration import REGISTRY
from shop_domain.pricing.conflicts import HOLDING
from shop_domain.pricing.errors import PromotionNotFound
from shop_domain.pricing.promotion import Level, Promotion, PromotionStatus
from shop_domain.shared import ConcurrencyConflict
from shop_testing.contracts.backend import T0, Backend
from shop_testing.strategies.common import names
from shop_testing.strategies.promotions import promotion_definitions, promotion_kinds, promotions

HOUR = dt.timedelta(hours=1)
AGGREGATE = "pricing.promotion"
"""The promotion's stable name in the outbox."""

_EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    # the tests of the suite run once per subclass (one per backend), each example reporting its
    # own failure: no example database, whose entries would be replayed on another backend
    database=None,
    suppress_health_check=[
        # the backend is made once per test and kept by its examples: each stores under ids of
        # its own, and reads back what it stored
        HealthCheck.function_scoped_fixture,
        HealthCheck.differing_executors,
        HealthCheck.too_slow,
    ],
)
_FEW = settings(_EXAMPLES, max_examples=5)
"""For the tests of versions and lookups, whose drawn promotion matters less."""


def state(promotion: Promotion) -> dict[str, Any]:
    """Every field a promotion holds, to compare one read back with the one stored."""
    return {field.name: getattr(promotion, field.name) for field in attrs.fields(Promotion)}


def integration_types(promotion: Promotion) -> list[str]:
    """The integration events its recorded domain events become, in order."""
    found = (REGISTRY.to_integration(event) for event in promotion.pending_events)
    return [event.type for event in found if event is not None]


class PromotionPersistenceContract:
    """Promotions stored and read back. Subclasses provide ``backend`` and may override
    :meth:`kinds`.

    ``test_stale_write_raises_concurrency_conflict`` needs two units of work to read the same
    version before either commits: a backend that serialises writers from their first
    statement (SQLite) cannot, and skips it in its subclass."""

    pytestmark = [pytest.mark.asyncio]

    def kinds(self) -> st.SearchStrategy[Any]:
        """The kinds the promotions are drawn with: every kind of ours; add yours with
        ``promotion_kinds() | my_kinds()``."""
        return promotion_kinds()

    def _promotions(
        self, backend: Backend, statuses: Iterable[PromotionStatus] | None = None
    ) -> st.SearchStrategy[Promotion]:
        return promotions(
            self.kinds(),
            T0,
            statuses=None if statuses is None else tuple(statuses),
            promotion_ids=st.builds(backend.ids.new_id),
        )

    async def _store(self, backend: Backend, drawn: Iterable[Promotion]) -> None:
        async with backend.uow() as uow:
            for promotion in drawn:
                uow.promotions.add(promotion)
            await uow.commit()

    # --- round trips ------------------------------------------------------------------------
    @pytest.mark.rule("PRO-2")
    @_EXAMPLES
    @given(data=st.data())
    async def test_every_field_round_trips(self, backend: Backend, data: st.DataObject) -> None:
        promotion = data.draw(self._promotions(backend))
        stored = state(promotion)
        await self._store(backend, [promotion])
        async with backend.uow() as uow:
            loaded = await uow.promotions.get(promotion.id)
            assert loaded is not promotion
            assert state(loaded) == {**stored, "version": 1}
            kind = loaded.definition.kind
            assert type(kind) is type(promotion.definition.kind)
            assert kind == promotion.definition.kind  # its parameters, each of its type
            assert loaded.level is promotion.level
            assert loaded.status_at(T0) is promotion.status_at(T0)
            await uow.commit()  # read and committed unchanged: no new version
        async with backend.uow() as uow:
            assert (await uow.promotions.get(promotion.id)).version == 1

    @_FEW
    @given(data=st.data())
    async def test_lookups(self, backend: Backend, data: st.DataObject) -> None:
        promotion = data.draw(self._promotions(backend))
        await self._store(backend, [promotion])
        unknown = backend.ids.new_id()
        async with backend.uow() as uow:
            found = await uow.promotions.find(promotion.id)
            assert found is not None
            assert await uow.promotions.get(promotion.id) is found
            assert await uow.promotions.get_for_update(promotion.id) is found
            assert await uow.promotions.find(unknown) is None
            with pytest.raises(PromotionNotFound):
                await uow.promotions.get(unknown)
            with pytest.raises(PromotionNotFound):
                await uow.promotions.get_for_update(unknown)

    # --- versions ---------------------------------------------------------------------------
    @pytest.mark.rule("PRO-2")
    @_EXAMPLES
    @given(data=st.data())
    async def test_a_draft_edited_then_scheduled_keeps_the_last_definition(
        self, backend: Backend, data: st.DataObject
    ) -> None:
        kinds = self.kinds()
        first, second, third = (data.draw(promotion_definitions(kinds, T0)) for _ in range(3))
        second = attrs.evolve(second, name=data.draw(names().filter(lambda n: n != first.name)))
        draft = Promotion.create(
            id=backend.ids.new_id(), definition=first, created_by="ops", now=T0 - HOUR
        )
        await self._store(backend, [draft])
        async with backend.uow() as uow:  # an edit alone
            loaded = await uow.promotions.get(draft.id)
            loaded.edit(second, T0)
            await uow.commit()
        async with backend.uow() as uow:  # an edit and the scheduling in one transaction
            loaded = await uow.promotions.get_for_update(draft.id)
            assert (loaded.definition, loaded.version) == (second, 2)
            loaded.edit(third, T0)
            loaded.schedule(third.window.starts_at, clashes=[])
            await uow.commit()
        async with backend.uow() as uow:
            kept = await uow.promotions.get(draft.id)
            assert kept.definition == third
            assert kept.level is third.level
            assert (kept.status, kept.version) == (PromotionStatus.SCHEDULED, 3)
            assert (kept.created_at, kept.created_by) == (T0 - HOUR, "ops")

    @_FEW
    @given(data=st.data())
    async def test_versions_count_the_commits_that_change_it(
        self, backend: Backend, data: st.DataObject
    ) -> None:
        promotion = data.draw(self._promotions(backend, [PromotionStatus.ACTIVE]))
        await self._store(backend, [promotion])
        async with backend.uow() as uow:
            loaded = await uow.promotions.get(promotion.id)
            loaded.pause(T0)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.promotions.get_for_update(promotion.id)
            assert (loaded.status, loaded.version) == (PromotionStatus.PAUSED, 2)
            loaded.resume(T0 + HOUR)
            loaded.end(T0 + 2 * HOUR, ended_by="ops")  # two changes, one commit: one version
            await uow.commit()
        async with backend.uow() as uow:
            ended = await uow.promotions.get(promotion.id)
            assert (ended.status, ended.version) == (PromotionStatus.ENDED, 3)
            assert ended.definition == promotion.definition

    @_FEW
    @given(data=st.data())
    async def test_an_uncommitted_change_is_not_kept(
        self, backend: Backend, data: st.DataObject
    ) -> None:
        promotion = data.draw(self._promotions(backend, [PromotionStatus.ACTIVE]))
        await self._store(backend, [promotion])
        async with backend.uow() as uow:
            (await uow.promotions.get(promotion.id)).pause(T0)
        async with backend.uow() as uow:
            loaded = await uow.promotions.get(promotion.id)
            assert (loaded.status, loaded.version) == (PromotionStatus.SCHEDULED, 1)

    @_FEW
    @given(data=st.data())
    async def test_stale_write_raises_concurrency_conflict(
        self, backend: Backend, data: st.DataObject
    ) -> None:
        promotion = data.draw(self._promotions(backend, [PromotionStatus.ACTIVE]))
        await self._store(backend, [promotion])
        first, second = backend.uow(), backend.uow()
        async with first:
            mine = await first.promotions.get(promotion.id)
            async with second:
                theirs = await second.promotions.get(promotion.id)
                mine.pause(T0)
                theirs.end(T0, ended_by="ops")
                await first.commit()
                with pytest.raises(ConcurrencyConflict):
                    await second.commit()
        async with backend.uow() as uow:
            kept = await uow.promotions.get(promotion.id)
            assert (kept.status, kept.version) == (PromotionStatus.PAUSED, 2)

    # --- what holds goods -------------------------------------------------------------------
    @pytest.mark.rule("PRO-3")
    @_EXAMPLES
    @given(data=st.data())
    async def test_holding_finds_exactly_the_scheduled_and_paused(
        self, backend: Backend, data: st.DataObject
    ) -> None:
        drawn = data.draw(st.lists(self._promotions(backend), min_size=1, max_size=6))
        await self._store(backend, drawn)
        ours = {promotion.id: promotion for promotion in drawn}
        async with backend.uow() as uow:
            every = await uow.promotions.holding()
            # what it returns holds goods (this example's promotions and earlier ones alike) …
            assert all(promotion.status in HOLDING for promotion in every)
            assert [p.id for p in every] == sorted(p.id for p in every)
            # … and of this example's, it returns exactly those that do
            assert {p.id for p in every if p.id in ours} == {
                p.id for p in drawn if p.status in HOLDING
            }
            for level in Level:
                at_level = await uow.promotions.holding(level)
                assert [p.id for p in at_level] == [p.id for p in every if p.level is level]
            # a promotion ended in this transaction no longer holds goods: the query sees it
            holding = [p for p in every if p.id in ours]
            if holding:
                holding[0].end(T0, ended_by="ops")
                again = {p.id for p in await uow.promotions.holding()}
                assert holding[0].id not in again

    # --- the outbox -------------------------------------------------------------------------
    @_EXAMPLES
    @given(data=st.data())
    async def test_events_reach_the_outbox_as_integration_events(
        self, backend: Backend, data: st.DataObject
    ) -> None:
        drawn = data.draw(st.lists(self._promotions(backend), min_size=1, max_size=3))
        expected = {str(p.id): integration_types(p) for p in drawn}
        before = len(await backend.outbox())
        await self._store(backend, drawn)
        rows = (await backend.outbox())[before:]
        assert {row.aggregate_type for row in rows} == {AGGREGATE}
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row.aggregate_id, []).append(row.type)
            assert row.payload["promotion_id"] == row.aggregate_id
        assert found == expected
        assert all(types[0] == "pricing.promotion_created" for types in found.values())
