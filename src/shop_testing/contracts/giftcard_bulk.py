"""Contract of the gift cards' bulk storage (the card store), the rows an export reads, and the
ledger written with the commit."""

from __future__ import annotations

import pytest

from shop_app.giftcards.queries import ActivationFilter
from shop_app.shared.paging import PageRequest
from shop_domain.giftcards.batch import (
    CardKind,
    Validity,
)
from shop_domain.giftcards.card import ActivationVia, CardState, SalesState
from shop_domain.giftcards.errors import BatchNotFound
from shop_testing.contracts.backend import T0, Backend
from shop_testing.contracts.giftcard_support import (
    DAY,
    HOUR,
    OPS,
    OWNER,
    U1,
    UNKNOWN,
    chunk,
    cny,
    definition,
    new_batch,
    number,
    secret_for,
    store_batch,
    stored_cards,
)


class GiftCardBulkPersistenceContract:
    """Bulk storage, export rows and the ledger. Subclasses provide ``backend``."""

    pytestmark = [pytest.mark.asyncio]

    # --- bulk storage (GC-1, GC-2, GC-13) -----------------------------------------------------
    @pytest.mark.rule("GC-1")
    @pytest.mark.rule("GC-2")
    @pytest.mark.rule("GC-13")
    async def test_card_store_caps_and_skips_taken_numbers(self, backend: Backend) -> None:
        batch = new_batch(backend, definition(value="50.00"), count=5)
        await store_batch(backend, batch)
        store, later = backend.card_store(), T0 + HOUR
        a, b, c, d, e, f, g, h = (number("2", n) for n in range(8))
        first = chunk(backend, [a, b, a])
        assert len(first) == 3
        assert await store.insert_chunk(batch.id, first, T0) == 2  # a number twice: once
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(batch.id)
            assert (loaded.generated, loaded.requested, loaded.version) == (2, 5, 2)
            assert loaded.updated_at == T0
            card = await uow.giftcards.find_by_number_for_update(a)
            assert card is not None
            assert card.id == first.ids[0]  # the first card with the number
            assert (card.batch_id, card.face_value, card.balance) == (
                batch.id,
                cny("50.00"),
                cny("50.00"),
            )
            assert (card.state, card.sales_state, card.created_at, card.version) == (
                CardState.PENDING,
                SalesState.UNSOLD,
                T0,
                1,
            )
            assert card.secret.key_id == backend.secret_box.key_id
            assert card.secret.blob == first.sealed[0]
            assert backend.secret_box.open(a, card.secret) == secret_for(a)
            assert (card.buyer_id, card.user_id, card.activated_at, card.expires_at) == (
                None,
                None,
                None,
                None,
            )
        # b is taken; never past the requested count: 3 more fit, in the order given
        second = chunk(backend, [b, c, d, e, f, g])
        assert await store.insert_chunk(batch.id, second, later) == 3
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(batch.id)
            assert (loaded.generated, loaded.version, loaded.complete) == (5, 3, True)
            assert await uow.giftcards.numbers_taken([a, b, c, d, e, f, g]) == {a, b, c, d, e}
            made = await uow.giftcards.find_by_number_for_update(e)
            assert made is not None
            assert (made.id, made.created_at) == (second.ids[3], later)
        assert await store.insert_chunk(batch.id, chunk(backend, [h]), later) == 0
        # a number of another batch's card, even one given by hand, is skipped too
        paper = new_batch(backend, definition("Paper", kind=CardKind.PHYSICAL), count=3)
        await store_batch(backend, paper)
        await stored_cards(backend, paper, ["88888888"])
        inserted = await store.insert_chunk(paper.id, chunk(backend, [c, "88888888", h]), T0)
        assert inserted == 1
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(paper.id)
            assert (loaded.generated, loaded.version) == (1, 2)
            card = await uow.giftcards.find_by_number_for_update(h)
            assert card is not None
            assert (card.batch_id, card.sales_state) == (paper.id, SalesState.NOT_FOR_SALE)
            batch_again = await uow.giftcard_batches.get(batch.id)
            assert batch_again.version == 3  # untouched by a chunk that inserted nothing
        assert await store.insert_chunk(paper.id, chunk(backend, []), T0) == 0
        with pytest.raises(BatchNotFound):
            await store.insert_chunk(UNKNOWN, chunk(backend, [number("2", 99)]), T0)

    # --- export rows (GC-12) ------------------------------------------------------------------
    @pytest.mark.rule("GC-11")
    async def test_export_source_pages_by_number(self, backend: Backend) -> None:
        batch = new_batch(backend, definition(value="20.00"), count=5)
        other = new_batch(backend, definition("Other"), count=1)
        await store_batch(backend, batch, other)
        numbers = [number("1", n) for n in (5, 3, 1, 4, 2)]
        cards = chunk(backend, numbers)
        assert await backend.card_store().insert_chunk(batch.id, cards, T0) == 5
        elsewhere = chunk(backend, [number("1", 0)])
        await backend.card_store().insert_chunk(other.id, elsewhere, T0)
        ids = dict(zip(numbers, cards.ids, strict=True))
        async with backend.uow() as uow:
            dropped = await uow.giftcards.get(ids[number("1", 4)])
            dropped.discard(reason="", actor=OPS, now=T0)
            await uow.commit()
        source = backend.export_source()
        ordered = sorted(numbers)
        pages: list[list[str]] = []
        after: str | None = None
        while True:
            rows = await source.rows(batch.id, None, after=after, limit=2)
            if not rows:
                break
            pages.append([r.number for r in rows])
            after = rows[-1].number
        assert pages == [ordered[:2], ordered[2:4], ordered[4:]]
        every = await source.rows(batch.id, None, after=None, limit=100)
        assert [r.card_id for r in every] == [ids[n] for n in ordered]
        assert [r.state for r in every] == ["pending"] * 3 + ["discarded", "pending"]
        assert {r.face_value for r in every} == {cny("20.00")}
        for row in every:
            assert backend.secret_box.open(row.number, row.secret) == secret_for(row.number)
        # chosen cards: only the batch's, in number order
        chosen = [ids[number("1", 4)], ids[number("1", 1)], elsewhere.ids[0], UNKNOWN]
        picked = await source.rows(batch.id, chosen, after=None, limit=10)
        assert [r.number for r in picked] == [number("1", 1), number("1", 4)]
        picked = await source.rows(batch.id, chosen, after=number("1", 1), limit=10)
        assert [r.number for r in picked] == [number("1", 4)]
        assert await source.rows(batch.id, chosen, after=number("1", 4), limit=10) == []
        assert await source.rows(UNKNOWN, None, after=None, limit=10) == []

    # --- the ledger (GC-9, GC-10) -------------------------------------------------------------
    @pytest.mark.rule("GC-9")
    @pytest.mark.rule("GC-10")
    async def test_ledger_is_written_with_the_commit_only(self, backend: Backend) -> None:
        queries = backend.giftcard_queries()
        async with backend.uow() as uow:  # left without a commit: no history
            uow.giftcard_batches.add(new_batch(backend))
        assert (await queries.history(PageRequest())).total == 0
        batch = new_batch(backend, definition(validity=Validity(ends_at=T0 + DAY)), count=1)
        await store_batch(backend, batch)
        [card] = await stored_cards(backend, batch, [number("4", 4)])
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get(batch.id)
            loaded.open(actor=OWNER, has_open_permission=False, now=T0 + HOUR)
            mine = await uow.giftcards.get(card.id)
            mine.activate(
                batch=loaded,
                via=ActivationVia.MANUAL,
                actor=OPS,
                now=T0 + 2 * HOUR,
                user_id=U1,
            )
            await uow.commit()
        async with backend.uow() as uow:  # rolled back: nothing recorded
            again = await uow.giftcards.get(card.id)
            again.discard(reason="oops", actor=OPS, now=T0 + 3 * HOUR)
        history = await queries.history(PageRequest(), batch_id=batch.id)
        assert [(o.action, o.card_id, o.actor) for o in history.items] == [
            ("create", None, OPS),
            ("open", None, OWNER),
            ("activate", card.id, OPS),
        ]
        records = await queries.activations(PageRequest(), T0 + 2 * HOUR, ActivationFilter())
        assert [(a.card_id, a.user_id, a.via, a.amount, a.card_state) for a in records.items] == [
            (card.id, U1, "manual", cny("100.00"), "activated")
        ]
        expired = await queries.activations(PageRequest(), T0 + DAY)
        assert [a.card_state for a in expired.items] == ["expired"]
