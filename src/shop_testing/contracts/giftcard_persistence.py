"""Contract of the gift cards' repositories, ledger, bulk card store and export source: batches
(here), cards (``giftcard_cards``), usages and exports (here), bulk storage, export rows and the
ledger (``giftcard_bulk``)."""

from __future__ import annotations

import pytest

from shop_domain.giftcards.batch import (
    BatchState,
    CardKind,
    CreationMode,
    Validity,
)
from shop_domain.giftcards.export import CardExport, ExportState
from shop_domain.giftcards.usage import TenderSplit, UsageState
from shop_domain.shared.errors import ConcurrencyConflict
from shop_testing.contracts.backend import T0, Backend
from shop_testing.contracts.giftcard_bulk import GiftCardBulkPersistenceContract
from shop_testing.contracts.giftcard_cards import GiftCardCardPersistenceContract
from shop_testing.contracts.giftcard_support import (
    DAY,
    HOUR,
    O1,
    O2,
    OPS,
    OWNER,
    UNKNOWN,
    chunk,
    cny,
    definition,
    every_field_definition,
    new_batch,
    number,
    opened,
    state,
    store_batch,
    stored_cards,
    usage,
)


class GiftCardBatchPersistenceContract:
    """Batches round trip, count versions and refuse stale writes. Subclasses provide
    ``backend``.

    ``test_stale_write_raises_concurrency_conflict`` needs two units of work to read the same
    version before either commits: a backend that serialises writers from their first
    statement (SQLite) cannot, and skips it in its subclass."""

    pytestmark = [pytest.mark.asyncio]

    # --- batches (GC-1, GC-13) ----------------------------------------------------------------
    @pytest.mark.rule("GC-1")
    async def test_batch_round_trip_with_every_field(self, backend: Backend) -> None:
        full = new_batch(backend, every_field_definition(), count=1000)
        relative = new_batch(
            backend,
            definition(
                "Relative",
                validity=Validity(days_from_activation=365),
                owner_phone=None,
                remark="",
            ),
            count=3,
            mode=CreationMode.GIVEN,
        )
        await store_batch(backend, full, relative)
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(full.id)
            assert state(loaded) == state(full)
            assert loaded.validity == Validity(starts_at=T0, ends_at=T0 + 30 * DAY)
            assert loaded.face_value == cny("88.88")
            assert (loaded.kind, loaded.mode, loaded.state) == (
                CardKind.PHYSICAL,
                CreationMode.GENERATED,
                BatchState.CREATED,
            )
            assert (loaded.card_maker, loaded.remark, loaded.owner_phone) == (
                "PrintCo",
                "for the autumn fair",
                "13800000000",
            )
            assert (loaded.number_prefix, loaded.requested, loaded.generated) == ("61", 1000, 0)
            assert (loaded.created_by, loaded.created_at, loaded.updated_at) == (OPS, T0, T0)
            assert (loaded.announced, loaded.version) == (0, 1)
            other = await uow.giftcard_batches.get(relative.id)
            assert state(other) == state(relative)
            assert other.validity == Validity(days_from_activation=365)
            assert (other.card_maker, other.owner_phone, other.mode) == (
                None,
                None,
                CreationMode.GIVEN,
            )

    @pytest.mark.rule("GC-13")
    async def test_batch_versions_count_changing_commits(self, backend: Backend) -> None:
        batch = new_batch(backend, every_field_definition())
        await store_batch(backend, batch)
        async with backend.uow() as uow:  # no change: no new version
            await uow.giftcard_batches.get(batch.id)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get_for_update(batch.id)
            loaded.open(actor=OWNER, has_open_permission=False, now=T0 + HOUR)
            loaded.edit(
                actor=OWNER, now=T0 + HOUR, name="Renamed", remark="", ends_at=T0 + 40 * DAY
            )
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get_for_update(batch.id)
            loaded.add_cards(5, actor=OPS, now=T0 + 2 * HOUR)
            loaded.cards_written(5, now=T0 + 2 * HOUR)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(batch.id)
            assert (loaded.name, loaded.remark, loaded.state, loaded.version) == (
                "Renamed",
                "",
                BatchState.OPENED,
                3,
            )
            assert loaded.validity == Validity(starts_at=T0, ends_at=T0 + 40 * DAY)
            assert (loaded.requested, loaded.generated, loaded.announced) == (10, 5, 0)
            assert loaded.updated_at == T0 + 2 * HOUR

    async def test_stale_write_raises_concurrency_conflict(self, backend: Backend) -> None:
        batch = opened(new_batch(backend, definition(validity=Validity())))
        await store_batch(backend, batch)
        [card] = await stored_cards(backend, batch, [number("9", 1)])
        first, second = backend.uow(), backend.uow()
        async with first:
            mine = await first.giftcard_batches.get(batch.id)
            my_card = await first.giftcards.get(card.id)
            async with second:
                theirs = await second.giftcard_batches.get(batch.id)
                their_card = await second.giftcards.get(card.id)
                mine.pause(actor=OPS, now=T0)
                my_card.discard(reason="mine", actor=OPS, now=T0)
                theirs.discard(actor=OWNER, has_open_permission=False, now=T0)
                their_card.discard(reason="theirs", actor=OPS, now=T0)
                await first.commit()
                with pytest.raises(ConcurrencyConflict):
                    await second.commit()
        async with backend.uow() as uow:
            assert (await uow.giftcard_batches.get(batch.id)).state is BatchState.PAUSED
            assert (await uow.giftcards.get(card.id)).version == 2
        # bulk storage moves the batch's version on: a unit of work that read it before is stale
        growing = new_batch(backend, count=2)
        await store_batch(backend, growing)
        async with backend.uow() as uow:
            stale = await uow.giftcard_batches.get(growing.id)
            store = backend.card_store()
            assert await store.insert_chunk(growing.id, chunk(backend, [number("9", 2)]), T0) == 1
            stale.edit(actor=OWNER, now=T0 + HOUR, name="Stale")
            with pytest.raises(ConcurrencyConflict):
                await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(growing.id)
            assert (loaded.name, loaded.generated, loaded.version) == ("Spring gifts", 1, 2)


class GiftCardRecordPersistenceContract:
    """Usages and exports round trip. Subclasses provide ``backend``."""

    pytestmark = [pytest.mark.asyncio]

    # --- usages (GC-7, GC-8) ------------------------------------------------------------------
    @pytest.mark.rule("GC-8")
    async def test_usage_round_trip_and_for_order(self, backend: Backend) -> None:
        batch = opened(new_batch(backend))
        await store_batch(backend, batch)
        cards = await stored_cards(backend, batch, [number("8", n) for n in range(3)])
        tender = TenderSplit(cash=cny("10.00"), points=cny("0.50"), gift_cards=cny("60.00"))
        first = usage(backend, cards[0], O1, "40.00", sub_order_id="S-1", tender=tender)
        second = usage(backend, cards[1], O1, "20.00", sub_order_id="S-1", tender=tender)
        plain = usage(backend, cards[2], O2, "5.00")
        async with backend.uow() as uow:
            for u in (second, plain, first):
                uow.giftcard_usages.add(u)
            await uow.commit()
        async with backend.uow() as uow:
            on_order = await uow.giftcard_usages.for_order(O1)
            assert [u.id for u in on_order] == sorted([first.id, second.id])
            loaded = {u.id: u for u in on_order}
            assert state(loaded[first.id]) == state(first)
            assert loaded[first.id].tender == tender
            assert loaded[first.id].version == 1
            [other] = await uow.giftcard_usages.for_order(O2)
            assert state(other) == state(plain)
            assert (other.tender, other.sub_order_id, other.restore_keys) == (None, None, [])
            assert await uow.giftcard_usages.for_order(UNKNOWN) == []
            loaded[first.id].give_back(cny("15.00"), key="refund-1", now=T0 + HOUR)
            loaded[first.id].give_back(cny("5.00"), key="refund-2", now=T0 + 2 * HOUR)
            await uow.commit()
        async with backend.uow() as uow:
            given = {u.id: u for u in await uow.giftcard_usages.for_order(O1)}[first.id]
            assert (given.restored, given.remaining, given.state) == (
                cny("20.00"),
                cny("20.00"),
                UsageState.PARTIALLY_REFUNDED,
            )
            assert given.restore_keys == ["refund-1", "refund-2"]
            assert (given.updated_at, given.created_at, given.version) == (
                T0 + 2 * HOUR,
                T0,
                2,
            )

    # --- exports (GC-12) ----------------------------------------------------------------------
    async def test_export_round_trip(self, backend: Backend) -> None:
        batch = new_batch(backend)
        await store_batch(backend, batch)
        picks = [backend.ids.new_id() for _ in range(3)]
        chosen = CardExport.request(
            id=backend.ids.new_id(),
            batch_id=batch.id,
            card_ids=[picks[2], picks[0], picks[1], picks[0]],
            password=backend.secret_box.seal("x", "password-1"),
            requested_by=OWNER,
            now=T0,
        )
        whole = CardExport.request(
            id=backend.ids.new_id(),
            batch_id=batch.id,
            card_ids=None,
            password=backend.secret_box.seal("y", "password-2"),
            requested_by=OPS,
            now=T0 + HOUR,
        )
        async with backend.uow() as uow:
            uow.giftcard_exports.add(chosen)
            uow.giftcard_exports.add(whole)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.giftcard_exports.get(chosen.id)
            assert state(loaded) == state(chosen)
            assert loaded.card_ids == sorted(picks)
            assert loaded.password == chosen.password
            assert (loaded.state, loaded.rows, loaded.version) == (ExportState.QUEUED, 0, 1)
            other = await uow.giftcard_exports.get(whole.id)
            assert state(other) == state(whole)
            assert (other.card_ids, other.whole_batch) == (None, True)
            loaded.finish(rows=3, file_name="cards.xlsx", now=T0 + 2 * HOUR)
            other.fail(error="x" * 600, now=T0 + 3 * HOUR)
            await uow.commit()
        async with backend.uow() as uow:
            done = await uow.giftcard_exports.get(chosen.id)
            assert (done.state, done.rows, done.file_name, done.password) == (
                ExportState.READY,
                3,
                "cards.xlsx",
                None,
            )
            assert (done.finished_at, done.version) == (T0 + 2 * HOUR, 2)
            failed = await uow.giftcard_exports.get(whole.id)
            assert (failed.state, failed.error, failed.password) == (
                ExportState.FAILED,
                "x" * 500,
                None,
            )


class GiftCardPersistenceContract(
    GiftCardBatchPersistenceContract,
    GiftCardCardPersistenceContract,
    GiftCardRecordPersistenceContract,
    GiftCardBulkPersistenceContract,
):
    """The gift cards' unit of work, card store and export source, whole. Subclasses provide
    the ``backend`` fixture."""
