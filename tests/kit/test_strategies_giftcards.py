"""The kit's gift-card strategies: every definition and batch is one the domain builds again,
every card's history adds up (balance, usages, events) and the card still does what its state
allows; every state is reached legitimately, and examples shrink to readable ones
(GC-1..8)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from tests.kit.strategies_support import PARAMETERS, VALID, reach, rebuilt, smallest

from shop_domain.giftcards import events as ev
from shop_domain.giftcards.batch import (
    BatchDefinition,
    BatchState,
    CardKind,
    CreationMode,
    GiftCardBatch,
    Validity,
)
from shop_domain.giftcards.card import CardState, SalesState
from shop_domain.giftcards.numbers import check_given_number, looks_generated
from shop_domain.giftcards.usage import UsageState, plan_spend
from shop_domain.shared import Money
from shop_domain.shared.money import total
from shop_domain.shared.phones import normalize_phone
from shop_testing.strategies import (
    NOW,
    CardInBatch,
    batch_definitions,
    gift_cards,
    giftcard_batches,
    giftcard_validities,
    number_prefixes,
)

# --- every draw is valid ----------------------------------------------------------------------


@pytest.mark.rule("GC-1")
@VALID
@given(batch_definitions())
def test_every_definition_is_built_again_and_makes_a_batch(definition: BatchDefinition) -> None:
    assert rebuilt(definition.validity) == definition.validity
    assert rebuilt(definition) == definition
    batch = GiftCardBatch.create(
        id=uuid.uuid4(),
        definition=definition,
        mode=CreationMode.GENERATED,
        count=3,
        created_by=definition.owner,
        now=NOW,
    )
    assert (batch.face_value, batch.validity) == (definition.face_value, definition.validity)


@pytest.mark.rule("GC-3")
@VALID
@given(giftcard_batches())
def test_every_batch_is_in_a_state_its_owner_brought_it_to(batch: GiftCardBatch) -> None:
    moves = [type(e) for e in batch.pending_events]
    assert moves[0] is ev.BatchCreated
    histories: dict[BatchState, list[list[type[ev.GiftCardEvent]]]] = {
        BatchState.CREATED: [[]],
        BatchState.OPENED: [[ev.BatchOpened]],
        BatchState.PAUSED: [[ev.BatchOpened, ev.BatchPaused]],
        BatchState.DISCARDED: [[ev.BatchDiscarded], [ev.BatchOpened, ev.BatchDiscarded]],
    }
    assert moves[1:] in histories[batch.state]
    assert batch.requested >= 1
    assert batch.generated == 0


@pytest.mark.rule("GC-2")
@pytest.mark.rule("GC-4")
@pytest.mark.rule("GC-7")
@pytest.mark.rule("GC-8")
@VALID
@given(gift_cards())
def test_every_card_adds_up_and_does_what_its_state_allows(drawn: CardInBatch) -> None:
    batch, card, usages = drawn.batch, drawn.card, drawn.usages
    assert card.batch_id == batch.id
    assert card.face_value == batch.face_value
    if batch.mode is CreationMode.GENERATED:
        assert looks_generated(card.number)
        assert card.number.startswith(batch.number_prefix)
    else:
        assert check_given_number(card.number) == card.number
    # what the usages took is what the balance misses; never below zero (GC-7, GC-8)
    spent = total((u.amount for u in usages), card.face_value.currency)
    assert card.balance == card.face_value - spent
    assert not card.balance.is_negative()
    assert all(u.state is UsageState.VALID and u.card_id == card.id for u in usages)
    assert len({u.id for u in usages}) == len({u.order_id for u in usages}) == len(usages)
    # whoever paid held it: its user, or, bound to a phone, through that number (GC-5)
    if card.user_id is not None:
        assert all((u.user_id, u.phone) == (card.user_id, None) for u in usages)
    else:
        assert all(u.phone is not None and u.phone == card.phone for u in usages)
    if card.phone is not None:
        assert normalize_phone(card.phone) == card.phone  # kept canonical
    spends = [e for e in card.pending_events if isinstance(e, ev.CardSpent)]
    assert [(e.usage_id, e.amount) for e in spends] == [(u.id, u.amount) for u in usages]
    assert (card.sales_state is SalesState.NOT_FOR_SALE) == (batch.kind is CardKind.PHYSICAL)
    valid_from, _valid_until = card.validity(batch)
    usable_now = (
        card.state is CardState.ACTIVATED
        and batch.is_open
        and card.user_id is not None
        and card.balance.is_positive()
        and (valid_from is None or valid_from <= NOW)
        and not card.is_expired(batch, NOW)
    )
    if usable_now:  # the card may pay what it holds, now
        assert card.user_id is not None
        card.check_spendable(batch=batch, user_id=card.user_id, amount=card.balance, now=NOW)
        assert plan_spend(card.balance, [card]) == [(card, card.balance)]
    if card.activated_at is not None:
        assert card.activated_at <= NOW
        assert card.user_id is not None or card.phone is not None


@pytest.mark.rule("GC-4")
@PARAMETERS
@given(gift_cards(states=[CardState.ACTIVATED], expired=True, currency="JPY"))
def test_cards_keep_what_was_asked_for(drawn: CardInBatch) -> None:
    assert drawn.card.state is CardState.ACTIVATED
    assert drawn.card.is_expired(drawn.batch, NOW)
    assert drawn.card.effective_state(drawn.batch, NOW) == "expired"
    assert drawn.card.balance.currency == "JPY"


@pytest.mark.rule("GC-4")
@PARAMETERS
@given(gift_cards(expired=False))
def test_an_unexpired_card_has_not_expired(drawn: CardInBatch) -> None:
    assert not drawn.card.is_expired(drawn.batch, NOW)


# --- the edges are reached --------------------------------------------------------------------


@pytest.mark.rule("GC-4")
@pytest.mark.parametrize("state", list(CardState))
def test_a_card_in_every_state_is_reached(state: CardState) -> None:
    assert reach(gift_cards(), lambda d: d.card.state is state).card.state is state
    expired = reach(
        gift_cards(), lambda d: d.card.state is state and d.card.is_expired(d.batch, NOW)
    )
    assert expired.card.state is state


@pytest.mark.rule("GC-6")
@pytest.mark.parametrize("sales", list(SalesState))
def test_every_sales_state_is_reached(sales: SalesState) -> None:
    assert reach(gift_cards(), lambda d: d.card.sales_state is sales).card.sales_state is sales


@pytest.mark.rule("GC-3")
@pytest.mark.parametrize("state", list(BatchState))
def test_batches_in_every_state_are_reached(state: BatchState) -> None:
    assert reach(giftcard_batches(), lambda b: b.state is state).state is state
    assert reach(gift_cards(), lambda d: d.batch.state is state).batch.state is state


@pytest.mark.rule("GC-7")
def test_partly_spent_and_spent_out_cards_are_reached() -> None:
    partly = reach(
        gift_cards(),
        lambda d: Money.zero(d.card.balance.currency) < d.card.balance < d.card.face_value,
    )
    assert partly.usages
    out = reach(gift_cards(), lambda d: d.card.balance.is_zero())
    assert out.card.state in (CardState.ACTIVATED, CardState.DISCARDED)
    assert out.usages
    bought = reach(
        gift_cards(), lambda d: d.card.buyer_id is not None and d.card.buyer_id == d.card.user_id
    )
    assert bought.card.sales_state is SalesState.SOLD
    assert reach(gift_cards(), lambda d: d.card.phone is not None).card.user_id is None
    by_phone = reach(gift_cards(), lambda d: d.card.phone is not None and len(d.usages) > 1)
    assert by_phone.card.user_id is None
    assert {u.phone for u in by_phone.usages} == {by_phone.card.phone}


@pytest.mark.rule("GC-1")
@pytest.mark.rule("GC-4")
def test_validities_are_reached_ending_now_and_in_every_shape() -> None:
    ending = reach(giftcard_validities(), lambda v: v.ends_at == NOW)
    assert ending.window(None)[1] == NOW
    assert reach(giftcard_validities(), lambda v: v == Validity())  # open at both ends
    assert reach(giftcard_validities(), lambda v: v.starts_at and v.starts_at > NOW)
    assert reach(giftcard_validities(ends_after_now=True), lambda v: v.ends_at).ends_at > NOW  # type: ignore[operator]
    relative = reach(gift_cards(expired=True), lambda d: d.batch.validity.relative)
    assert relative.card.expires_at is not None
    assert relative.card.expires_at <= NOW
    window = reach(gift_cards(expired=True), lambda d: not d.batch.validity.relative)
    assert window.batch.validity.ends_at is not None
    assert window.batch.validity.ends_at <= NOW


@pytest.mark.rule("GC-1")
@pytest.mark.rule("GC-2")
def test_prefixes_and_given_numbers_are_reached() -> None:
    assert len(reach(number_prefixes(), lambda p: len(p) == 8)) == 8
    longest = reach(gift_cards(), lambda d: len(d.batch.number_prefix) >= 4)
    assert longest.card.number.startswith(longest.batch.number_prefix)
    assert reach(gift_cards(), lambda d: d.batch.mode is CreationMode.GIVEN)
    assert reach(batch_definitions(), lambda d: d.card_maker is not None).kind is CardKind.PHYSICAL


# --- shrinking --------------------------------------------------------------------------------


def test_failing_examples_shrink_to_small_readable_cards() -> None:
    assert smallest(giftcard_validities()) == Validity(days_from_activation=1)
    drawn = smallest(gift_cards())
    card = drawn.card
    assert (card.state, card.sales_state, card.balance) == (
        CardState.PENDING,
        SalesState.NOT_FOR_SALE,
        Money(1, "CNY"),
    )
    assert (drawn.batch.state, drawn.batch.name, drawn.usages) == (BatchState.CREATED, "a", ())
    out = smallest(gift_cards(), lambda d: d.card.balance.is_zero())
    assert (out.card.face_value, out.card.state, out.batch.state) == (
        Money(1, "CNY"),
        CardState.ACTIVATED,
        BatchState.OPENED,
    )
    [usage] = out.usages
    assert usage.amount == Money(1, "CNY")
    assert out.card.number == "1000000000000008"  # 1, fourteen zeros, the Luhn check digit
