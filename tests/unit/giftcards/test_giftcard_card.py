"""The gift card: activation (GC-5), selling virtual cards (GC-6), spending as a tender and the
rules in their order (GC-7), restoring (GC-8), discarding and the expired state (GC-4), and
events that never carry a secret (GC-2, GC-11)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from tests.unit.giftcards.giftcard_builders import (
    DAY,
    ENDS,
    HOUR,
    NOW,
    ORDER,
    OTHER_BATCH_ID,
    OTHER_USER,
    OWNER,
    SECRET,
    STARTS,
    USAGE,
    USER,
    activated_card,
    cny,
    code_of,
    days_from_activation,
    event_types,
    new_batch,
    new_card,
    opened_batch,
    secret_box,
    window,
)

from shop_domain.giftcards import events as ev
from shop_domain.giftcards.batch import BatchState, CardKind, GiftCardBatch, Validity
from shop_domain.giftcards.card import SELF, ActivationVia, CardState, GiftCard, SalesState
from shop_domain.giftcards.errors import NotYourCard
from shop_domain.shared import CurrencyMismatch, InvalidValue, Money

LATER = NOW + HOUR
BUYER = OTHER_USER


def _activate(
    card: GiftCard,
    batch: GiftCardBatch,
    *,
    via: ActivationVia = ActivationVia.MANUAL,
    now: dt.datetime = LATER,
    **who: Any,
) -> None:
    card.activate(batch=batch, via=via, actor=OWNER, now=now, **(who or {"user_id": USER}))


def _spend(
    card: GiftCard,
    batch: GiftCardBatch,
    amount: str = "10.00",
    *,
    user: uuid.UUID = USER,
    now: dt.datetime = LATER,
) -> None:
    card.spend(
        batch=batch,
        user_id=user,
        amount=cny(amount),
        order_id=ORDER,
        usage_id=USAGE,
        actor=f"user:{user}",
        now=now,
    )


def _restore(card: GiftCard, amount: str) -> None:
    card.restore(
        amount=cny(amount),
        order_id=ORDER,
        usage_id=USAGE,
        usage_state="invalid",
        reason="cancelled",
        actor="system",
        now=LATER,
    )


# --- a new card (GC-2) ------------------------------------------------------------------------


@pytest.mark.rule("GC-2")
@pytest.mark.parametrize(
    ("kind", "sales_state"),
    [(CardKind.VIRTUAL, SalesState.UNSOLD), (CardKind.PHYSICAL, SalesState.NOT_FOR_SALE)],
)
def test_a_new_card_holds_its_face_value_waiting_for_activation(
    kind: CardKind, sales_state: SalesState
) -> None:
    batch = new_batch(kind=kind)
    card = new_card(batch, number="8888888888888888")
    assert card.batch_id == batch.id
    assert card.number == "8888888888888888"
    assert card.face_value == card.balance == cny("100.00")
    assert (card.state, card.sales_state) == (CardState.PENDING, sales_state)
    assert (card.user_id, card.phone, card.activated_at, card.buyer_id) == (None, None, None, None)
    assert secret_box().open(card.number, card.secret) == SECRET
    assert card.pending_events == ()  # creation is recorded by the batch (GC-10)


# --- activation (GC-5) ------------------------------------------------------------------------


@pytest.mark.rule("GC-5")
def test_an_operator_binds_a_card_to_a_user() -> None:
    batch = opened_batch()
    card = new_card(batch)
    _activate(card, batch, user_id=USER)
    assert card.state is CardState.ACTIVATED
    assert (card.user_id, card.phone) == (USER, None)
    assert (card.activated_at, card.activated_by, card.expires_at) == (LATER, OWNER, None)
    [activated] = card.pull_events()
    assert isinstance(activated, ev.CardActivated)
    assert (activated.card_id, activated.number, activated.batch_id) == (
        card.id,
        card.number,
        batch.id,
    )
    assert (activated.user_id, activated.phone, activated.via, activated.actor) == (
        USER,
        None,
        "manual",
        OWNER,
    )
    assert activated.amount == cny("100.00")  # GC-9: the amount on the activation record


@pytest.mark.rule("GC-5")
def test_an_operator_binds_a_card_to_a_phone_number() -> None:
    batch = opened_batch()
    card = new_card(batch)
    _activate(card, batch, phone="138 0000 0000")  # kept canonical (decision 0037)
    assert (card.state, card.user_id, card.phone) == (CardState.ACTIVATED, None, "+8613800000000")
    [activated] = card.pull_events()
    assert isinstance(activated, ev.CardActivated)
    assert (activated.user_id, activated.phone) == (None, "+8613800000000")


@pytest.mark.rule("GC-5")
@pytest.mark.parametrize(
    ("via", "who"),
    [
        (ActivationVia.MANUAL, {"user_id": USER, "phone": "13800000000"}),
        (ActivationVia.MANUAL, {"user_id": None, "phone": None}),
        (ActivationVia.SELF, {"phone": "13800000000"}),
        (ActivationVia.PURCHASE, {"phone": "13800000000"}),
    ],
    ids=["both", "neither", "self to a phone", "purchase to a phone"],
)
def test_a_card_is_bound_to_one_user_or_by_an_operator_to_one_phone(
    via: ActivationVia, who: dict[str, Any]
) -> None:
    batch = opened_batch()
    card = new_card(batch)
    with pytest.raises(InvalidValue):
        card.activate(batch=batch, via=via, actor=OWNER, now=LATER, **who)
    assert card.state is CardState.PENDING
    assert card.pending_events == ()


@pytest.mark.rule("GC-5")
def test_a_user_activates_a_card_themselves() -> None:
    batch = opened_batch()
    card = new_card(batch)
    card.activate(
        batch=batch, via=ActivationVia.SELF, actor=f"user:{USER}", now=LATER, user_id=USER
    )
    assert (card.state, card.user_id, card.activated_by) == (CardState.ACTIVATED, USER, SELF)
    [activated] = card.pull_events()
    assert isinstance(activated, ev.CardActivated)
    assert (activated.via, activated.actor) == ("self", f"user:{USER}")


@pytest.mark.rule("GC-6")
def test_only_the_buyer_binds_a_purchased_card() -> None:
    batch = opened_batch()
    unsold = new_card(batch)
    with pytest.raises(NotYourCard):
        _activate(unsold, batch, via=ActivationVia.PURCHASE, user_id=BUYER)
    card = new_card(batch)
    card.sell(batch=batch, buyer_id=BUYER, sale_ref="order-1", actor="system", now=NOW)
    with pytest.raises(NotYourCard) as not_theirs:
        _activate(card, batch, via=ActivationVia.PURCHASE, user_id=USER)
    assert not_theirs.value.code == "giftcard.not_owner"
    assert (unsold.state, card.state) == (CardState.PENDING, CardState.PENDING)
    _activate(card, batch, via=ActivationVia.PURCHASE, user_id=BUYER)
    assert (card.state, card.user_id, card.activated_by) == (CardState.ACTIVATED, BUYER, OWNER)
    assert event_types(card) == ["giftcards.card_sold", "giftcards.card_activated"]


@pytest.mark.rule("GC-3")
@pytest.mark.rule("GC-4")
@pytest.mark.parametrize(
    ("batch_state", "card_change", "when", "code"),
    [
        (BatchState.CREATED, None, LATER, "giftcard.batch_not_open"),
        (BatchState.PAUSED, None, LATER, "giftcard.batch_not_open"),
        (BatchState.DISCARDED, "discard", LATER, "giftcard.batch_not_open"),
        (BatchState.OPENED, "discard", ENDS, "giftcard.card_discarded"),
        (BatchState.OPENED, "activate", ENDS, "giftcard.already_activated"),
        (BatchState.OPENED, None, ENDS, "giftcard.expired"),
        (BatchState.OPENED, None, ENDS + DAY, "giftcard.expired"),
    ],
    ids=[
        "batch created",
        "batch paused",
        "batch discarded",
        "card discarded",
        "already activated",
        "at the end",
        "after the end",
    ],
)
def test_activation_is_refused_by_the_first_broken_rule(
    batch_state: BatchState, card_change: str | None, when: dt.datetime, code: str
) -> None:
    opened = opened_batch()
    card = new_card(opened)
    if card_change == "discard":
        card.discard(reason="lost", actor=OWNER, now=NOW)
    elif card_change == "activate":
        _activate(card, opened, now=NOW, user_id=OTHER_USER)
    card.pull_events()
    batch = new_batch(state=batch_state)
    state, user = card.state, card.user_id
    assert code_of(lambda: _activate(card, batch, now=when, user_id=USER)) == code
    assert (card.state, card.user_id) == (state, user)
    assert card.pending_events == ()


@pytest.mark.rule("GC-4")
def test_a_card_is_only_used_with_its_own_batch() -> None:
    card = new_card(opened_batch())
    other = opened_batch(id=OTHER_BATCH_ID)
    assert code_of(lambda: _activate(card, other)) == "giftcard.invalid_batch"


@pytest.mark.rule("GC-4")
def test_days_from_activation_start_the_validity_at_activation() -> None:
    batch = opened_batch(validity=days_from_activation(7))
    card = new_card(batch)
    assert card.validity(batch) == (None, None)
    assert not card.is_expired(batch, NOW + 1000 * DAY)  # no end before activation
    _activate(card, batch, now=LATER)
    assert card.expires_at == LATER + 7 * DAY
    assert card.validity(batch) == (LATER, LATER + 7 * DAY)
    _spend(card, batch, now=LATER + 7 * DAY - dt.timedelta(microseconds=1))
    assert code_of(lambda: _spend(card, batch, now=LATER + 7 * DAY)) == "giftcard.expired"
    assert card.effective_state(batch, LATER + 7 * DAY) == "expired"
    assert card.balance == cny("90.00")


# --- selling (GC-6) ---------------------------------------------------------------------------


@pytest.mark.rule("GC-6")
def test_selling_a_virtual_card_assigns_it_to_the_buyer() -> None:
    batch = opened_batch()
    card = new_card(batch)
    card.sell(batch=batch, buyer_id=BUYER, sale_ref="order-1", actor="system", now=LATER)
    assert (card.sales_state, card.buyer_id, card.sale_ref, card.sold_at) == (
        SalesState.SOLD,
        BUYER,
        "order-1",
        LATER,
    )
    assert (card.state, card.user_id) == (CardState.PENDING, None)  # bound later, by the buyer
    [sold] = card.pull_events()
    assert isinstance(sold, ev.CardSold)
    assert (sold.buyer_id, sold.sale_ref, sold.card_id) == (BUYER, "order-1", card.id)


def _sell(card: GiftCard, batch: GiftCardBatch, now: dt.datetime = LATER) -> None:
    card.sell(batch=batch, buyer_id=BUYER, sale_ref="order-2", actor="system", now=now)


@pytest.mark.rule("GC-6")
@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda: (new_batch(state=BatchState.CREATED), None), "giftcard.batch_not_open"),
        (lambda: (new_batch(state=BatchState.PAUSED), None), "giftcard.batch_not_open"),
        (lambda: (new_batch(state=BatchState.DISCARDED), None), "giftcard.batch_not_open"),
        (lambda: (opened_batch(kind=CardKind.PHYSICAL), None), "giftcard.not_for_sale"),
        (lambda: (opened_batch(), "discard"), "giftcard.card_discarded"),
        (lambda: (opened_batch(), "sell"), "giftcard.not_for_sale"),
        (lambda: (opened_batch(), "activate"), "giftcard.already_activated"),
        (lambda: (opened_batch(), "expire"), "giftcard.expired"),
    ],
    ids=[
        "batch created",
        "batch paused",
        "batch discarded",
        "physical",
        "discarded",
        "sold",
        "activated",
        "expired",
    ],
)
def test_only_an_unsold_virtual_card_of_an_open_batch_is_sold(
    setup: Callable[[], tuple[GiftCardBatch, str | None]], code: str
) -> None:
    batch, change = setup()
    opened = opened_batch(kind=batch.kind)
    card = new_card(opened)
    now = LATER
    if change == "discard":
        card.discard(reason="", actor=OWNER, now=NOW)
    elif change == "sell":
        _sell(card, opened)
    elif change == "activate":
        _activate(card, opened, now=NOW)
    elif change == "expire":
        now = ENDS
    card.pull_events()
    sales_state, buyer = card.sales_state, card.buyer_id
    assert code_of(lambda: _sell(card, batch, now)) == code
    assert (card.sales_state, card.buyer_id) == (sales_state, buyer)
    assert card.pending_events == ()


@pytest.mark.rule("GC-4")
def test_a_discarded_unsold_virtual_card_cannot_be_sold() -> None:
    batch = opened_batch()
    card = new_card(batch)
    card.discard(reason="damaged", actor=OWNER, now=NOW)
    assert code_of(lambda: _sell(card, batch)) == "giftcard.card_discarded"


# --- spending (GC-7) --------------------------------------------------------------------------


@pytest.mark.rule("GC-7")
def test_a_bound_card_pays_part_then_all_of_its_balance() -> None:
    batch = opened_batch()
    card = activated_card(batch)
    _spend(card, batch, "30.00")
    assert card.balance == cny("70.00")
    [spent] = card.pull_events()
    assert isinstance(spent, ev.CardSpent)
    assert (spent.amount, spent.balance, spent.order_id, spent.usage_id) == (
        cny("30.00"),
        cny("70.00"),
        ORDER,
        USAGE,
    )
    _spend(card, batch, "70.00")
    assert card.balance == cny("0")
    assert code_of(lambda: _spend(card, batch, "0.01")) == "giftcard.insufficient_balance"
    assert card.balance == cny("0")


@pytest.mark.rule("GC-7")
@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (cny("0"), InvalidValue),
        (cny("-1.00"), InvalidValue),
        (Money(100, "USD"), CurrencyMismatch),
    ],
    ids=["zero", "negative", "another currency"],
)
def test_a_payment_is_a_positive_amount_of_the_cards_currency(
    amount: Money, error: type[Exception]
) -> None:
    batch = opened_batch()
    card = activated_card(batch)
    with pytest.raises(error):
        card.spend(
            batch=batch,
            user_id=USER,
            amount=amount,
            order_id=ORDER,
            usage_id=USAGE,
            actor="x",
            now=LATER,
        )
    assert card.balance == cny("100.00")


def _spend_refusal(
    *,
    batch_state: BatchState = BatchState.OPENED,
    discarded: bool = False,
    activated: bool = True,
    when: dt.datetime = LATER,
    user: uuid.UUID = USER,
    amount: str = "10.00",
) -> str:
    """The code refusing a spend; the card starts valid from :data:`STARTS` + 1 day so that a
    spend at :data:`NOW` is not yet valid."""
    validity = Validity(starts_at=STARTS + DAY, ends_at=ENDS)
    opened = opened_batch(validity=validity)
    card = new_card(opened)
    if activated:
        _activate(card, opened, now=STARTS)  # activation does not wait for the start
    if discarded:
        card.discard(reason="", actor=OWNER, now=STARTS)
    batch = new_batch(state=batch_state, validity=validity)
    card.pull_events()
    code = code_of(lambda: _spend(card, batch, amount, user=user, now=when))
    assert card.balance == cny("100.00")
    assert card.pending_events == ()
    return code


@pytest.mark.rule("GC-7")
@pytest.mark.rule("GC-3")
@pytest.mark.rule("GC-4")
def test_spend_rules_are_checked_in_order() -> None:
    """Each case breaks one rule and every rule after it: the first broken one answers."""
    everything_wrong: dict[str, Any] = {"user": OTHER_USER, "amount": "100.01"}
    assert (
        _spend_refusal(batch_state=BatchState.PAUSED, discarded=True, when=ENDS, **everything_wrong)
        == "giftcard.batch_not_open"
    )
    assert (
        _spend_refusal(discarded=True, activated=False, when=ENDS, **everything_wrong)
        == "giftcard.card_discarded"
    )
    assert (
        _spend_refusal(activated=False, when=NOW - HOUR, **everything_wrong)
        == "giftcard.not_activated"
    )
    assert _spend_refusal(when=NOW - HOUR, **everything_wrong) == "giftcard.not_yet_valid"
    assert _spend_refusal(when=ENDS, **everything_wrong) == "giftcard.expired"
    assert _spend_refusal(when=NOW, **everything_wrong) == "giftcard.not_owner"
    assert _spend_refusal(when=NOW, amount="100.01") == "giftcard.insufficient_balance"


@pytest.mark.rule("GC-3")
@pytest.mark.parametrize("state", [BatchState.CREATED, BatchState.PAUSED, BatchState.DISCARDED])
def test_no_card_of_a_batch_that_is_not_open_is_spent(state: BatchState) -> None:
    assert _spend_refusal(batch_state=state) == "giftcard.batch_not_open"


@pytest.mark.rule("GC-7")
def test_the_validity_window_includes_its_start_and_excludes_its_end() -> None:
    batch = opened_batch(validity=window(NOW, ENDS))
    card = activated_card(batch, now=NOW)
    assert code_of(lambda: _spend(card, batch, now=NOW - dt.timedelta(microseconds=1))) == (
        "giftcard.not_yet_valid"
    )
    _spend(card, batch, now=NOW)
    _spend(card, batch, now=ENDS - dt.timedelta(microseconds=1))
    assert code_of(lambda: _spend(card, batch, now=ENDS)) == "giftcard.expired"
    assert card.balance == cny("80.00")


@pytest.mark.rule("GC-7")
def test_a_card_bound_to_a_phone_is_not_spent_by_a_user() -> None:
    batch = opened_batch()
    card = new_card(batch)
    _activate(card, batch, phone="13800000000")
    assert code_of(lambda: _spend(card, batch)) == "giftcard.not_owner"


@pytest.mark.rule("GC-7")
def test_a_card_is_spent_again_when_its_batch_is_resumed() -> None:
    batch = opened_batch()
    card = activated_card(batch)
    batch.pause(actor=OWNER, now=NOW)
    assert code_of(lambda: _spend(card, batch)) == "giftcard.batch_not_open"
    batch.open(actor=OWNER, has_open_permission=False, now=NOW)
    _spend(card, batch)
    assert card.balance == cny("90.00")


# --- restoring (GC-8) -------------------------------------------------------------------------


@pytest.mark.rule("GC-8")
def test_a_restore_gives_back_what_was_taken_and_never_above_face_value() -> None:
    batch = opened_batch()
    card = activated_card(batch)
    _spend(card, batch, "30.00")
    card.pull_events()
    _restore(card, "10.00")
    _restore(card, "20.00")
    assert card.balance == cny("100.00")
    restored = card.pull_events()
    assert [e.balance for e in restored] == [cny("80.00"), cny("100.00")]  # type: ignore[attr-defined]
    assert isinstance(restored[0], ev.CardRestored)
    assert (restored[0].usage_state, restored[0].reason) == ("invalid", "cancelled")
    with pytest.raises(InvalidValue) as over:
        _restore(card, "0.01")
    assert over.value.code == "giftcard.over_restore"
    assert code_of(lambda: _restore(card, "0")) == "validation.invalid_value"
    assert code_of(lambda: _restore(card, "-1.00")) == "validation.invalid_value"
    assert card.balance == cny("100.00")
    assert card.pending_events == ()


@pytest.mark.rule("GC-8")
def test_money_is_restored_to_a_discarded_card_of_a_discarded_batch() -> None:
    batch = opened_batch()
    card = activated_card(batch)
    _spend(card, batch, "40.00")
    card.discard(reason="fraud check", actor=OWNER, now=LATER)
    batch.discard(actor=OWNER, has_open_permission=False, now=LATER)
    _restore(card, "40.00")
    assert (card.balance, card.state) == (cny("100.00"), CardState.DISCARDED)


# --- discarding and the expired state (GC-4) --------------------------------------------------


@pytest.mark.rule("GC-4")
@pytest.mark.parametrize("activated", [False, True])
def test_discarding_a_card_is_final(activated: bool) -> None:
    batch = opened_batch()
    card = activated_card(batch) if activated else new_card(batch)
    card.discard(reason="reported stolen", actor=OWNER, now=LATER)
    assert (card.state, card.discarded_at) == (CardState.DISCARDED, LATER)
    [discarded] = card.pull_events()
    assert isinstance(discarded, ev.CardDiscarded)
    assert (discarded.reason, discarded.actor) == ("reported stolen", OWNER)
    assert code_of(lambda: card.discard(reason="", actor=OWNER, now=LATER)) == (
        "giftcard.card_state"
    )
    assert code_of(lambda: _activate(card, batch)) == "giftcard.card_discarded"
    assert code_of(lambda: _spend(card, batch)) == (
        "giftcard.card_discarded"  # a discarded bound card cannot be spent
    )
    assert card.effective_state(batch, ENDS + DAY) == "discarded"


@pytest.mark.rule("GC-4")
def test_a_discard_reason_is_at_most_500_characters() -> None:
    card = new_card(opened_batch())
    with pytest.raises(InvalidValue):
        card.discard(reason="r" * 501, actor=OWNER, now=LATER)
    assert card.state.value == "pending"
    card.discard(reason="r" * 500, actor=OWNER, now=LATER)
    assert card.state.value == "discarded"


@pytest.mark.rule("GC-4")
def test_expired_follows_from_the_validity_window() -> None:
    batch = opened_batch()
    pending, active = new_card(batch), activated_card(batch)
    for card, state in ((pending, "pending"), (active, "activated")):
        assert card.effective_state(batch, NOW) == state
        assert card.effective_state(batch, ENDS - dt.timedelta(microseconds=1)) == state
        assert card.effective_state(batch, ENDS) == "expired"
        assert card.is_expired(batch, ENDS)
    assert pending.state is CardState.PENDING  # expired is never stored
    open_ended = opened_batch(validity=Validity(starts_at=STARTS))
    assert new_card(open_ended).effective_state(open_ended, NOW + 10_000 * DAY) == "pending"


# --- secrets (GC-2, GC-11) --------------------------------------------------------------------


@pytest.mark.rule("GC-11")
def test_viewing_the_secret_is_recorded() -> None:
    card = new_card(opened_batch())
    card.secret_viewed(actor="op-support", now=LATER)
    [viewed] = card.pull_events()
    assert isinstance(viewed, ev.SecretViewed)
    assert (viewed.actor, viewed.card_id, viewed.number) == ("op-support", card.id, card.number)


@pytest.mark.rule("GC-11")
def test_no_event_of_a_cards_whole_life_carries_its_secret() -> None:
    batch = opened_batch()
    card = new_card(batch)
    card.sell(batch=batch, buyer_id=USER, sale_ref="order-9", actor="system", now=NOW)
    card.secret_viewed(actor="op-support", now=NOW)
    _activate(card, batch, via=ActivationVia.PURCHASE, user_id=USER)
    _spend(card, batch, "25.00")
    _restore(card, "5.00")
    card.discard(reason="closed", actor=OWNER, now=LATER)
    events = card.pull_events()
    assert [e.event_type.rsplit(".", 1)[1] for e in events] == [
        "card_sold",
        "secret_viewed",
        "card_activated",
        "card_spent",
        "card_restored",
        "card_discarded",
    ]
    blob = card.secret.blob
    for event in events:
        payload = event.payload()
        text = json.dumps(payload) + repr(event)
        assert SECRET not in text
        assert blob.hex() not in text
        assert not any("secret" in name for name in payload)
    assert SECRET not in repr(card)
    assert repr(card.secret) == "SealedSecret(key_id='k1', <sealed>)"


@pytest.mark.rule("GC-11")
def test_a_card_can_be_resealed_under_another_key() -> None:
    card = new_card(opened_batch())
    resealed = secret_box().seal(card.number, SECRET)
    card.reseal(resealed)
    assert card.secret is resealed
    assert secret_box().open(card.number, card.secret) == SECRET
    assert card.pending_events == ()
