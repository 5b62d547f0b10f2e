"""Contract of the gift cards' repositories, ledger, bulk card store and export source, run
against every backend."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import attrs
import pytest
from shop_testing.contracts.backend import T0, Backend
from shop_testing.contracts.giftcard_support import (
    DAY,
    HOUR,
    O1,
    O2,
    OPS,
    OWNER,
    U1,
    U2,
    UNKNOWN,
    chunk,
    cny,
    definition,
    every_field_definition,
    new_batch,
    new_card,
    number,
    secret_for,
    store_batch,
    store_cards,
)

from shop_app.giftcards.queries import ActivationFilter
from shop_app.shared.paging import PageRequest
from shop_domain.giftcards.batch import (
    BatchState,
    CardKind,
    CreationMode,
    GiftCardBatch,
    Validity,
)
from shop_domain.giftcards.card import ActivationVia, CardState, GiftCard, SalesState
from shop_domain.giftcards.errors import BatchNotFound, CardNotFound
from shop_domain.giftcards.export import CardExport, ExportState
from shop_domain.giftcards.usage import CardUsage, TenderSplit, UsageState
from shop_domain.shared.errors import ConcurrencyConflict, Conflict, NotFound


def state(obj: Any) -> dict[str, Any]:
    """Every attrs field (value objects compare by value)."""
    return {f.name: getattr(obj, f.name) for f in attrs.fields(type(obj))}


def opened(batch: GiftCardBatch) -> GiftCardBatch:
    batch.open(actor=OWNER, has_open_permission=False, now=T0)
    return batch


async def stored_cards(
    backend: Backend, batch: GiftCardBatch, numbers: list[str], *, now: dt.datetime = T0
) -> list[GiftCard]:
    cards = [new_card(backend, batch, n, now=now) for n in numbers]
    await store_cards(backend, cards)
    return cards


def usage(
    backend: Backend,
    card: GiftCard,
    order: uuid.UUID,
    amount: str,
    *,
    now: dt.datetime = T0,
    **extra: Any,
) -> CardUsage:
    extra.setdefault("sub_order_id", None)
    extra.setdefault("tender", None)
    return CardUsage.record_spend(
        id=backend.ids.new_id(),
        card=card,
        user_id=U1,
        order_id=order,
        amount=cny(amount),
        now=now,
        **extra,
    )


class GiftCardPersistenceContract:
    """Subclasses provide the ``backend`` fixture."""

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

    # --- cards (GC-2, GC-4, GC-5, GC-6, GC-11) ------------------------------------------------
    @pytest.mark.rule("GC-2")
    @pytest.mark.rule("GC-11")
    async def test_card_round_trip_with_every_field(self, backend: Backend) -> None:
        batch = opened(new_batch(backend, definition(validity=Validity(days_from_activation=30))))
        await store_batch(backend, batch)
        bought, bound, fresh = await stored_cards(
            backend, batch, [number("7", 1), number("7", 2), number("7", 3)]
        )
        async with backend.uow() as uow:
            loaded = await uow.giftcards.get(fresh.id)
            assert state(loaded) == state(fresh)
            assert (loaded.state, loaded.sales_state, loaded.version) == (
                CardState.PENDING,
                SalesState.UNSOLD,
                1,
            )
            assert (loaded.face_value, loaded.balance) == (cny("100.00"), cny("100.00"))
            assert loaded.secret == fresh.secret
            assert backend.secret_box.open(loaded.number, loaded.secret) == secret_for(
                loaded.number
            )
            one = await uow.giftcards.get_for_update(bought.id)
            one.sell(batch=batch, buyer_id=U1, sale_ref="order-9", actor="orders", now=T0 + HOUR)
            one.activate(
                batch=batch,
                via=ActivationVia.PURCHASE,
                actor=f"user:{U1}",
                now=T0 + 2 * HOUR,
                user_id=U1,
            )
            one.spend(
                batch=batch,
                user_id=U1,
                amount=cny("12.34"),
                order_id=O1,
                usage_id=backend.ids.new_id(),
                actor=f"user:{U1}",
                now=T0 + 3 * HOUR,
            )
            two = await uow.giftcards.get_for_update(bound.id)
            two.activate(
                batch=batch,
                via=ActivationVia.MANUAL,
                actor=OPS,
                now=T0 + HOUR,
                phone="13900000000",
            )
            two.discard(reason="stolen", actor=OPS, now=T0 + 4 * HOUR)
            await uow.commit()
        async with backend.uow() as uow:
            one_again = await uow.giftcards.get(bought.id)
            assert state(one_again) == state(one)
            assert (one_again.buyer_id, one_again.sale_ref, one_again.sold_at) == (
                U1,
                "order-9",
                T0 + HOUR,
            )
            assert (one_again.user_id, one_again.activated_by, one_again.activated_at) == (
                U1,
                f"user:{U1}",
                T0 + 2 * HOUR,
            )
            assert one_again.expires_at == T0 + 2 * HOUR + 30 * DAY
            assert (one_again.balance, one_again.version) == (cny("87.66"), 2)
            two_again = await uow.giftcards.get(bound.id)
            assert state(two_again) == state(two)
            assert (two_again.state, two_again.phone, two_again.user_id) == (
                CardState.DISCARDED,
                "13900000000",
                None,
            )
            assert two_again.discarded_at == T0 + 4 * HOUR

    async def test_lookups_and_not_found(self, backend: Backend) -> None:
        batch = new_batch(backend)
        await store_batch(backend, batch)
        [card] = await stored_cards(backend, batch, [number("5", 1)])
        async with backend.uow() as uow:
            assert (await uow.giftcard_batches.get_for_update(batch.id)).id == batch.id
            assert (await uow.giftcards.get_for_update(card.id)).id == card.id
            with pytest.raises(BatchNotFound):
                await uow.giftcard_batches.get(UNKNOWN)
            with pytest.raises(BatchNotFound):
                await uow.giftcard_batches.get_for_update(UNKNOWN)
            with pytest.raises(CardNotFound):
                await uow.giftcards.get(UNKNOWN)
            with pytest.raises(CardNotFound):
                await uow.giftcards.get_for_update(UNKNOWN)
            with pytest.raises(NotFound) as raised:
                await uow.giftcard_exports.get(UNKNOWN)
            assert raised.value.code == "giftcard.export_not_found"

    @pytest.mark.rule("GC-2")
    async def test_find_by_number_for_update(self, backend: Backend) -> None:
        batch = new_batch(backend)
        await store_batch(backend, batch)
        cards = await stored_cards(backend, batch, [number("5", n) for n in (1, 2)])
        async with backend.uow() as uow:
            found = await uow.giftcards.find_by_number_for_update(cards[1].number)
            assert found is not None
            assert found.id == cards[1].id
            assert found is await uow.giftcards.get(cards[1].id)
            assert await uow.giftcards.find_by_number_for_update(number("5", 3)) is None
            assert await uow.giftcards.find_by_number_for_update("") is None

    @pytest.mark.rule("GC-2")
    async def test_numbers_taken_across_batches(self, backend: Backend) -> None:
        first, second = new_batch(backend), new_batch(backend, definition("Second"))
        await store_batch(backend, first, second)
        await stored_cards(backend, first, ["88888888", number("5", 1)])
        await stored_cards(backend, second, ["66666666"])
        async with backend.uow() as uow:
            taken = await uow.giftcards.numbers_taken(
                ["88888888", "66666666", "12345678", number("5", 1), number("5", 2)]
            )
            assert taken == {"88888888", "66666666", number("5", 1)}
            assert await uow.giftcards.numbers_taken([]) == set()
            assert await uow.giftcards.numbers_taken(["520520520"]) == set()

    @pytest.mark.rule("GC-2")
    async def test_add_many_round_trip_and_unique_numbers(self, backend: Backend) -> None:
        batch = new_batch(backend, count=3, mode=CreationMode.GIVEN)
        await store_batch(backend, batch)
        before = len(await backend.outbox())
        cards = [new_card(backend, batch, n) for n in ("88888888", "66666666", "12345678")]
        async with backend.uow() as uow:
            loaded = await uow.giftcard_batches.get_for_update(batch.id)
            uow.giftcards.add_many(cards)
            loaded.cards_written(3, now=T0)
            await uow.commit()
        async with backend.uow() as uow:
            for card in cards:
                again = await uow.giftcards.get(card.id)
                assert state(again) == state(card)
                assert again.version == 1
            assert (await uow.giftcard_batches.get(batch.id)).generated == 3
        rows = (await backend.outbox())[before:]
        assert [r.type for r in rows] == ["giftcards.cards_generated"]  # no row per card
        # a number some card has already: the whole commit is refused
        other = new_batch(backend, definition("Other"), count=2, mode=CreationMode.GIVEN)
        await store_batch(backend, other)
        clash = [new_card(backend, other, "520520520"), new_card(backend, other, "66666666")]
        async with backend.uow() as uow:
            uow.giftcards.add_many(clash)
            with pytest.raises(Conflict):
                await uow.commit()
        async with backend.uow() as uow:
            assert await uow.giftcards.find(clash[0].id) is None
            assert await uow.giftcards.numbers_taken(["520520520"]) == set()

    @pytest.mark.rule("GC-6")
    async def test_unsold_skips_sold_discarded_and_activated(self, backend: Backend) -> None:
        batch = opened(new_batch(backend, count=6))
        other = opened(new_batch(backend, definition("Other"), count=1))
        physical = opened(new_batch(backend, definition("Paper", kind=CardKind.PHYSICAL)))
        await store_batch(backend, batch, other, physical)
        numbers = [number("3", n) for n in (6, 2, 5, 1, 4, 3)]  # stored out of order
        cards = {c.number: c for c in await stored_cards(backend, batch, numbers)}
        await stored_cards(backend, other, [number("3", 0)])
        await stored_cards(backend, physical, [number("2", 0)])
        async with backend.uow() as uow:
            sold = await uow.giftcards.get(cards[number("3", 1)].id)
            sold.sell(batch=batch, buyer_id=U1, sale_ref="s1", actor="orders", now=T0)
            gone = await uow.giftcards.get(cards[number("3", 2)].id)
            gone.discard(reason="", actor=OPS, now=T0)
            used = await uow.giftcards.get(cards[number("3", 4)].id)
            used.activate(
                batch=batch, via=ActivationVia.SELF, actor=f"user:{U2}", now=T0, user_id=U2
            )
            await uow.commit()
        async with backend.uow() as uow:
            two = await uow.giftcards.unsold(batch.id, 2)
            assert [c.number for c in two] == [number("3", 3), number("3", 5)]
            every = await uow.giftcards.unsold(batch.id, 10)
            assert [c.number for c in every] == [number("3", n) for n in (3, 5, 6)]
            assert await uow.giftcards.unsold(batch.id, 0) == []
            assert await uow.giftcards.unsold(physical.id, 10) == []
            assert await uow.giftcards.unsold(UNKNOWN, 10) == []
            # the unit of work sees its own sales
            every[0].sell(batch=batch, buyer_id=U2, sale_ref="s2", actor="orders", now=T0)
            assert [c.number for c in await uow.giftcards.unsold(batch.id, 10)] == [
                number("3", 5),
                number("3", 6),
            ]

    @pytest.mark.rule("GC-6")
    async def test_sold_with_ref(self, backend: Backend) -> None:
        batch = opened(new_batch(backend, count=5))
        other = opened(new_batch(backend, definition("Other"), count=1))
        await store_batch(backend, batch, other)
        cards = await stored_cards(backend, batch, [number("4", n) for n in (3, 1, 2, 4)])
        [elsewhere] = await stored_cards(backend, other, [number("4", 9)])
        async with backend.uow() as uow:
            for card, ref in zip(cards, ("a", "a", "b", "a"), strict=True):
                mine = await uow.giftcards.get(card.id)
                mine.sell(batch=batch, buyer_id=U1, sale_ref=ref, actor="orders", now=T0)
            theirs = await uow.giftcards.get(elsewhere.id)
            theirs.sell(batch=other, buyer_id=U1, sale_ref="a", actor="orders", now=T0)
            await uow.commit()
        async with backend.uow() as uow:
            found = await uow.giftcards.sold_with_ref(batch.id, "a")
            assert [c.number for c in found] == [number("4", n) for n in (1, 3, 4)]
            assert {(c.buyer_id, c.sales_state) for c in found} == {(U1, SalesState.SOLD)}
            assert [c.number for c in await uow.giftcards.sold_with_ref(batch.id, "b")] == [
                number("4", 2)
            ]
            assert await uow.giftcards.sold_with_ref(batch.id, "c") == []

    @pytest.mark.rule("GC-7")
    async def test_lock_many_in_id_order(self, backend: Backend) -> None:
        batch = new_batch(backend)
        await store_batch(backend, batch)
        cards = await stored_cards(backend, batch, [number("6", n) for n in range(4)])
        ids = [c.id for c in cards]
        async with backend.uow() as uow:
            locked = await uow.giftcards.lock_many([ids[2], UNKNOWN, ids[0], ids[3], ids[0]])
            assert [c.id for c in locked] == sorted([ids[0], ids[2], ids[3]])
            assert await uow.giftcards.lock_many([]) == []
            assert locked[0] is await uow.giftcards.get(locked[0].id)

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


class TestSqliteGiftCardPersistence(GiftCardPersistenceContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend

    async def test_stale_write_raises_concurrency_conflict(self, backend: Backend) -> None:
        pytest.skip(
            "SQLite serialises writers from their first statement (BEGIN IMMEDIATE): a second "
            "unit of work cannot read until the first ends, so two never hold the same version"
        )


class TestMemoryGiftCardPersistence(TestSqliteGiftCardPersistence):
    """``memory://``: the same SQL on an in-memory SQLite database (writers serialised alike)."""

    @pytest.fixture
    def backend(self, memory_backend: Backend) -> Backend:
        return memory_backend


@pytest.mark.postgres
class TestPostgresGiftCardPersistence(GiftCardPersistenceContract):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend
