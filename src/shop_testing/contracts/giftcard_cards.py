"""Contract of the gift-card repository: cards round trip with every field, and its lookups,
sales and locks."""

from __future__ import annotations

import pytest

from shop_domain.giftcards.batch import (
    CardKind,
    CreationMode,
    Validity,
)
from shop_domain.giftcards.card import ActivationVia, CardState, SalesState
from shop_domain.giftcards.errors import BatchNotFound, CardNotFound
from shop_domain.shared.errors import Conflict, NotFound
from shop_testing.contracts.backend import T0, Backend
from shop_testing.contracts.giftcard_support import (
    DAY,
    HOUR,
    O1,
    OPS,
    U1,
    U2,
    UNKNOWN,
    cny,
    definition,
    new_batch,
    new_card,
    number,
    opened,
    secret_for,
    state,
    store_batch,
    stored_cards,
)


class GiftCardCardPersistenceContract:
    """Cards and their repository. Subclasses provide ``backend``."""

    pytestmark = [pytest.mark.asyncio]

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
                "+8613900000000",  # kept canonical
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
