"""Contract of the gift cards' bulk card store (``CardStore``) and export source
(``ExportSource``), with the batch written through the unit of work (so the mapping is exercised
too); and of the store's own guards, which refuse writes sent past the application: balances
stay within the face value, the ledgers are append-only."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shop_app.giftcards.ports import CardChunk
from shop_app.shared.errors import PersistenceConflict
from shop_domain.giftcards.batch import (
    BatchDefinition,
    CardKind,
    CreationMode,
    GiftCardBatch,
    Validity,
)
from shop_domain.giftcards.card import CardState, GiftCard, SalesState
from shop_domain.giftcards.errors import BatchNotFound
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.shared.money import Money
from shop_testing.contracts.backend import (
    T0,
    Backend,
    GiftCardLedger,
    LedgerChange,
    StoredCard,
)

HOUR = dt.timedelta(hours=1)
KEY = "k1"
UNKNOWN = uuid.UUID(int=0xDEAD)


def definition(kind: CardKind = CardKind.VIRTUAL, **changes: object) -> BatchDefinition:
    values: dict[str, object] = {
        "name": "Spring cards",
        "kind": kind,
        "face_value": Money(10_000, "CNY"),
        "validity": Validity(starts_at=T0, ends_at=T0 + dt.timedelta(days=365)),
        "owner": "op-owner",
        "card_maker": "Printers Ltd" if kind is CardKind.PHYSICAL else None,
        "remark": "for the spring sale",
        "owner_phone": "13800000000",
        "number_prefix": "",
    }
    values.update(changes)
    return BatchDefinition(**values)  # type: ignore[arg-type]


async def new_batch(
    backend: Backend, count: int, *, kind: CardKind = CardKind.VIRTUAL, **changes: object
) -> GiftCardBatch:
    batch = GiftCardBatch.create(
        id=backend.ids.new_id(),
        definition=definition(kind, **changes),
        mode=CreationMode.GENERATED,
        count=count,
        created_by="op-owner",
        now=T0,
    )
    async with backend.uow() as uow:
        uow.giftcard_batches.add(batch)
        await uow.commit()
    return batch


def chunk(backend: Backend, numbers: list[str]) -> CardChunk:
    return CardChunk(
        ids=[backend.ids.new_id() for _ in numbers],
        numbers=numbers,
        key_id=KEY,
        sealed=[f"sealed:{n}".encode() for n in numbers],
    )


class GiftCardStoreContract:
    """The card store and the export source over a backend's unit of work. Subclasses provide
    the ``backend`` fixture; ``backend.stored_cards()`` reads back where cards landed."""

    pytestmark = [pytest.mark.asyncio]

    @pytest.mark.rule("GC-1")
    async def test_batch_round_trips_through_the_mapping(self, backend: Backend) -> None:
        batch = await new_batch(backend, 3)
        relative = await new_batch(
            backend,
            1,
            kind=CardKind.PHYSICAL,
            validity=Validity(days_from_activation=30),
            owner_phone=None,
        )
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(batch.id)
            assert (loaded.name, loaded.kind, loaded.mode) == (
                "Spring cards",
                CardKind.VIRTUAL,
                CreationMode.GENERATED,
            )
            assert loaded.face_value == Money(10_000, "CNY")
            assert loaded.validity == Validity(starts_at=T0, ends_at=T0 + dt.timedelta(days=365))
            assert (loaded.requested, loaded.generated, loaded.announced, loaded.version) == (
                3,
                0,
                0,
                1,
            )
            other = await uow.giftcard_batches.get_for_update(relative.id)
            assert other.validity == Validity(days_from_activation=30)
            assert (other.card_maker, other.owner_phone) == ("Printers Ltd", None)
        with pytest.raises(BatchNotFound):
            async with backend.uow() as uow:
                await uow.giftcard_batches.get(UNKNOWN)

    @pytest.mark.rule("GC-1")
    async def test_chunks_fill_the_batch_up_to_requested_and_no_further(
        self, backend: Backend
    ) -> None:
        batch = await new_batch(backend, 5)
        store = backend.card_store()
        first = chunk(backend, ["4000000000000001", "4000000000000002"])
        assert await store.insert_chunk(batch.id, first, T0) == 2
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(batch.id)
            assert (loaded.requested, loaded.generated, loaded.version) == (5, 2, 2)
        # four more offered, three fit: the first three, in the order given
        later = T0 + HOUR
        more = chunk(backend, [f"400000000000001{i}" for i in range(4)])
        assert await store.insert_chunk(batch.id, more, later) == 3
        assert await store.insert_chunk(batch.id, chunk(backend, ["4000000000000099"]), later) == 0
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(batch.id)
            assert (loaded.generated, loaded.version) == (5, 3)
            card = await uow.giftcards.get(first.ids[0])
            assert card.batch_id == batch.id
            assert card.number == "4000000000000001"
            assert card.secret == SealedSecret(KEY, b"sealed:4000000000000001")
            assert (card.face_value, card.balance) == (Money(10_000, "CNY"), Money(10_000, "CNY"))
            assert (card.state, card.sales_state) == (CardState.PENDING, SalesState.UNSOLD)
            assert (card.created_at, card.version) == (T0, 1)
            assert card.user_id is card.buyer_id is card.activated_at is None
            last = await uow.giftcards.get(more.ids[2])
            assert (last.number, last.created_at) == ("4000000000000012", later)
            assert await uow.giftcards.numbers_taken(
                ["4000000000000012", "4000000000000013", "4000000000000099"]
            ) == {"4000000000000012"}

    @pytest.mark.rule("GC-2")
    async def test_duplicate_numbers_are_skipped_and_not_counted(self, backend: Backend) -> None:
        batch = await new_batch(backend, 10, kind=CardKind.PHYSICAL)
        store = backend.card_store()
        # twice in one chunk: the first card with the number goes in
        twice = chunk(backend, ["5000000000000001", "5000000000000002", "5000000000000001"])
        assert await store.insert_chunk(batch.id, twice, T0) == 2
        # taken by this batch already, or by another batch: skipped, whatever the room
        other = await new_batch(backend, 10)
        again = chunk(backend, ["5000000000000002", "5000000000000003"])
        assert await store.insert_chunk(batch.id, again, T0) == 1
        across = chunk(backend, ["5000000000000001", "5000000000000003", "6000000000000001"])
        assert await store.insert_chunk(other.id, across, T0) == 1
        # more offered than fits, some taken: the free ones fill the room
        small = await new_batch(backend, 2)
        crowded = chunk(
            backend,
            ["5000000000000001", "7000000000000001", "6000000000000001", "7000000000000002"],
        )
        assert await store.insert_chunk(small.id, crowded, T0) == 2
        assert await backend.stored_cards() == [
            StoredCard(twice.ids[0], batch.id, "5000000000000001"),
            StoredCard(twice.ids[1], batch.id, "5000000000000002"),
            StoredCard(again.ids[1], batch.id, "5000000000000003"),
            StoredCard(across.ids[2], other.id, "6000000000000001"),
            StoredCard(crowded.ids[1], small.id, "7000000000000001"),
            StoredCard(crowded.ids[3], small.id, "7000000000000002"),
        ]
        async with backend.uow() as uow:
            assert (await uow.giftcard_batches.get(batch.id)).generated == 3
            assert (await uow.giftcard_batches.get(other.id)).generated == 1
            assert (await uow.giftcard_batches.get(small.id)).generated == 2
            physical = await uow.giftcards.get(twice.ids[0])
            assert physical.sales_state is SalesState.NOT_FOR_SALE

    async def test_an_unknown_batch_is_refused(self, backend: Backend) -> None:
        store = backend.card_store()
        with pytest.raises(BatchNotFound):
            await store.insert_chunk(UNKNOWN, chunk(backend, ["4000000000000001"]), T0)

    async def test_an_empty_chunk_or_a_full_batch_writes_nothing(self, backend: Backend) -> None:
        batch = await new_batch(backend, 1)
        store = backend.card_store()
        assert await store.insert_chunk(batch.id, chunk(backend, []), T0) == 0
        async with backend.uow() as uow:
            assert (await uow.giftcard_batches.get(batch.id)).version == 1

    @pytest.mark.rule("GC-1")
    async def test_cards_given_through_the_unit_of_work_land_with_the_batch(
        self, backend: Backend
    ) -> None:
        batch = GiftCardBatch.create(
            id=backend.ids.new_id(),
            definition=definition(),
            mode=CreationMode.GIVEN,
            count=2,
            created_by="op-owner",
            now=T0,
        )
        numbers = ["888888", "8888888888888888"]
        cards = [
            GiftCard.new(
                id=backend.ids.new_id(),
                batch=batch,
                number=n,
                secret=SealedSecret(KEY, n.encode()),
                now=T0,
            )
            for n in numbers
        ]
        async with backend.uow() as uow:
            uow.giftcard_batches.add(batch)
            uow.giftcards.add_many(cards)
            batch.cards_written(len(cards), now=T0)
            assert await uow.giftcards.numbers_taken(numbers) == set(numbers)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(batch.id)
            assert (loaded.generated, loaded.announced, loaded.version) == (2, 2, 1)
            card = await uow.giftcards.get(cards[1].id)
            assert card.secret == SealedSecret(KEY, b"8888888888888888")

    @pytest.mark.rule("GC-12")
    async def test_export_source_reads_keyset_pages_by_number(self, backend: Backend) -> None:
        batch = await new_batch(backend, 5)
        other = await new_batch(backend, 1)
        store = backend.card_store()
        cards = chunk(backend, [f"40000000000000{i:02d}" for i in (5, 3, 1, 4, 2)])
        await store.insert_chunk(batch.id, cards, T0)
        stranger = chunk(backend, ["4000000000000000"])
        await store.insert_chunk(other.id, stranger, T0)
        source = backend.export_source()
        page = await source.rows(batch.id, None, after=None, limit=2)
        assert [r.number for r in page] == ["4000000000000001", "4000000000000002"]
        assert page[0].card_id == cards.ids[2]
        assert page[0].secret == SealedSecret(KEY, b"sealed:4000000000000001")
        assert (page[0].face_value, page[0].state) == (Money(10_000, "CNY"), "pending")
        page = await source.rows(batch.id, None, after=page[-1].number, limit=2)
        assert [r.number for r in page] == ["4000000000000003", "4000000000000004"]
        page = await source.rows(batch.id, None, after=page[-1].number, limit=2)
        assert [r.number for r in page] == ["4000000000000005"]
        assert await source.rows(batch.id, None, after="4000000000000005", limit=2) == []
        # chosen cards: only those of this batch
        chosen = [cards.ids[0], cards.ids[3], stranger.ids[0]]
        page = await source.rows(batch.id, chosen, after=None, limit=10)
        assert [r.number for r in page] == ["4000000000000004", "4000000000000005"]
        page = await source.rows(batch.id, chosen, after="4000000000000004", limit=10)
        assert [r.number for r in page] == ["4000000000000005"]


class GiftCardStoreGuardsContract:
    """The store's own guards: writes sent past the application (``backend.*_by_hand``) are
    refused. Subclasses provide the ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    @pytest.mark.rule("GC-7")
    async def test_the_store_keeps_the_balance_within_the_face_value(
        self, backend: Backend
    ) -> None:
        batch = await new_batch(backend, 1)
        cards = chunk(backend, ["4000000000000001"])
        await backend.card_store().insert_chunk(batch.id, cards, T0)
        for balance in (-1, 10_001):
            with pytest.raises(PersistenceConflict):  # ours, not the driver's error
                await backend.set_card_balance_by_hand(cards.ids[0], balance)
        await backend.set_card_balance_by_hand(cards.ids[0], 0)

    @pytest.mark.rule("GC-10")
    async def test_the_ledger_tables_are_append_only(self, backend: Backend) -> None:
        batch = await new_batch(backend, 1)  # its ``create`` operation is recorded at commit
        assert await backend.giftcard_operation_actions() == ["create"]
        await backend.add_activation_by_hand(batch.id, UNKNOWN, "4000000000000001", T0)
        ledgers: tuple[GiftCardLedger, ...] = ("operations", "activations")
        changes: tuple[LedgerChange, ...] = ("update", "delete")
        for ledger in ledgers:
            for change in changes:
                with pytest.raises(PersistenceConflict) as refused:
                    await backend.change_ledger_by_hand(ledger, change)
                assert "append-only" in str(refused.value.__cause__)


class GiftCardStoreConcurrencyContract:
    """For a backend whose transactions run side by side (PostgreSQL, not SQLite, which
    serialises writers): sellers skip the cards another holds. Subclasses provide the
    ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    @pytest.mark.rule("GC-6")
    async def test_sellers_skip_the_unsold_cards_another_seller_holds(
        self, backend: Backend
    ) -> None:
        batch = await new_batch(backend, 4)
        numbers = [f"400000000000000{i}" for i in range(4)]
        await backend.card_store().insert_chunk(batch.id, chunk(backend, numbers), T0)
        async with backend.uow() as first:
            held = await first.giftcards.unsold(batch.id, 2)
            assert [card.number for card in held] == numbers[:2]
            async with backend.uow() as second:
                others = await second.giftcards.unsold(batch.id, 3)
                assert [card.number for card in others] == numbers[2:]
