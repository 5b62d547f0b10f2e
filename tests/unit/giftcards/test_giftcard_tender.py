"""Gift cards as a tender: how an amount is taken from several cards (GC-7), the usage records
and how what they took is given back, whole or in proportion (GC-8, MON-3)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.giftcards.giftcard_builders import (
    NOW,
    ORDER,
    USER,
    cny,
    new_card,
    opened_batch,
)

from shop_domain.giftcards.card import CardState, GiftCard
from shop_domain.giftcards.errors import InsufficientBalance, RestoreExceedsSpent
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.giftcards.usage import (
    CardUsage,
    TenderSplit,
    UsageState,
    plan_restore,
    plan_spend,
)
from shop_domain.shared import InvalidValue, Money, allocate
from shop_domain.shared.errors import CurrencyMismatch
from shop_testing.strategies import gift_cards

BATCH = opened_batch()
SEALED = SealedSecret("k1", b"not a real blob")


def card(balance: str | int, *, face: str = "100.00", currency: str = "CNY") -> GiftCard:
    """A card of :data:`BATCH` holding ``balance`` (yuan, or fen when an int)."""
    held = Money(balance, currency) if isinstance(balance, int) else Money.of(balance, currency)
    made = GiftCard.new(id=uuid.uuid4(), batch=BATCH, number="1234567890", secret=SEALED, now=NOW)
    made.face_value = Money.of(face, currency) if held <= Money.of(face, currency) else held
    made.balance = held
    return made


def usage(amount: str | int, *, restored: str | int = 0) -> CardUsage:
    took = Money(amount, "CNY") if isinstance(amount, int) else cny(amount)
    made = CardUsage.record_spend(
        id=uuid.uuid4(),
        card=card(took.minor),
        user_id=USER,
        order_id=ORDER,
        sub_order_id=None,
        amount=took,
        tender=None,
        now=NOW,
    )
    back = Money(restored, "CNY") if isinstance(restored, int) else cny(restored)
    if back.is_positive():
        made.give_back(back, key="earlier", now=NOW)
    return made


def shares(plan: Sequence[tuple[object, Money]]) -> list[Money]:
    return [amount for _, amount in plan]


# --- plan_spend (GC-7) ------------------------------------------------------------------------


@pytest.mark.rule("GC-7")
def test_cards_are_taken_in_the_order_given() -> None:
    a, b = card("50.00"), card("100.00")
    assert plan_spend(cny("120.00"), [a, b]) == [(a, cny("50.00")), (b, cny("70.00"))]
    assert plan_spend(cny("120.00"), [b, a]) == [(b, cny("100.00")), (a, cny("20.00"))]


@pytest.mark.rule("GC-7")
def test_cards_not_needed_and_empty_cards_are_left_out() -> None:
    empty, a, b = card("0"), card("50.00"), card("100.00")
    assert plan_spend(cny("30.00"), [a, b]) == [(a, cny("30.00"))]
    assert plan_spend(cny("50.00"), [empty, a, b]) == [(a, cny("50.00"))]


@pytest.mark.rule("GC-7")
def test_exactly_what_the_cards_hold_takes_everything() -> None:
    a, b, c = card("0.01"), card("99.99"), card("100.00")
    assert shares(plan_spend(cny("200.00"), [a, b, c])) == [
        cny("0.01"),
        cny("99.99"),
        cny("100.00"),
    ]


@pytest.mark.rule("GC-7")
def test_all_or_nothing_when_the_cards_hold_too_little() -> None:
    a, b = card("50.00"), card("100.00")
    with pytest.raises(InsufficientBalance) as refused:
        plan_spend(cny("150.01"), [a, b])
    assert refused.value.code == "giftcard.insufficient_balance"
    assert refused.value.details == {"held": "150.00", "asked": "150.01"}
    assert (a.balance, b.balance) == (cny("50.00"), cny("100.00"))  # planning changes nothing


@pytest.mark.rule("GC-7")
def test_each_card_is_given_once() -> None:
    a = card("50.00")
    with pytest.raises(InvalidValue):
        plan_spend(cny("10.00"), [a, card("10.00"), a])


@pytest.mark.rule("GC-7")
@pytest.mark.parametrize("amount", [cny("0"), cny("-0.01")])
def test_a_payment_is_positive(amount: Money) -> None:
    with pytest.raises(InvalidValue):
        plan_spend(amount, [card("50.00")])


@pytest.mark.rule("GC-7")
def test_a_card_of_another_currency_is_a_currency_mismatch_not_a_shortfall() -> None:
    """MON-1: paying yuan with a dollar card is a mistake in the request, refused before any
    balance is looked at — even when the other cards could pay, and even for too little."""
    usd = card(5000, currency="USD", face="100.00")
    a = card("10.00")
    for amount, cards in [(cny("10.00"), [usd, a]), (cny("20.00"), [a, usd]), (cny("0"), [usd])]:
        with pytest.raises(CurrencyMismatch) as refused:
            plan_spend(amount, cards)
        assert refused.value.code == "money.currency_mismatch"
        assert refused.value.details == {"card_currency": "USD", "currency": "CNY"}


@pytest.mark.rule("GC-7")
def test_no_cards_pay_nothing() -> None:
    with pytest.raises(InsufficientBalance):
        plan_spend(cny("0.01"), [])


# activated yuan cards of up to 500 yuan, full, partly spent or spent out (the kit spends them)
yuan_cards = st.lists(
    gift_cards(states=[CardState.ACTIVATED], currency="CNY", max_face_minor=50_000).map(
        lambda drawn: drawn.card
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda c: c.id,
)


@pytest.mark.rule("GC-7")
@given(cards=yuan_cards, data=st.data())
def test_a_spend_plan_takes_exactly_the_amount_never_beyond_a_balance(
    cards: list[GiftCard], data: st.DataObject
) -> None:
    held = sum(c.balance.minor for c in cards)
    amount = data.draw(st.integers(min_value=1, max_value=held + 10), label="amount")
    if amount > held:
        with pytest.raises(InsufficientBalance):
            plan_spend(Money(amount, "CNY"), cards)
        return
    plan = plan_spend(Money(amount, "CNY"), cards)
    assert sum(share.minor for share in shares(plan)) == amount
    for planned, share in plan:
        assert 0 < share.minor <= planned.balance.minor
    # the order is kept, and every card but the last planned one gives all it holds
    order = [cards.index(planned) for planned, _ in plan]
    assert order == sorted(order)
    assert all(s == c.balance for c, s in plan[:-1])
    # a card is left out only when empty or not needed
    skipped = [c for c in cards[: order[-1]] if c not in [p for p, _ in plan]]
    assert all(c.balance.is_zero() for c in skipped)


# --- usage records (GC-8) ---------------------------------------------------------------------


@pytest.mark.rule("GC-8")
def test_a_usage_records_the_payment() -> None:
    batch = opened_batch()
    paid_with = new_card(batch)
    tender = TenderSplit(cash=cny("50.00"), points=cny("5.00"), gift_cards=cny("30.00"))
    made = CardUsage.record_spend(
        id=uuid.uuid4(),
        card=paid_with,
        user_id=USER,
        order_id=ORDER,
        sub_order_id="S-1",
        amount=cny("30.00"),
        tender=tender,
        now=NOW,
    )
    assert (made.card_id, made.batch_id, made.number) == (paid_with.id, batch.id, paid_with.number)
    assert (made.order_id, made.sub_order_id, made.user_id) == (ORDER, "S-1", USER)
    assert (made.amount, made.restored, made.remaining) == (cny("30.00"), cny("0"), cny("30.00"))
    assert (made.state, made.tender, made.restore_keys) == (UsageState.VALID, tender, [])


@pytest.mark.rule("GC-8")
def test_giving_back_moves_a_usage_to_partially_refunded_then_invalid() -> None:
    made = usage("30.00")
    later = NOW + dt.timedelta(hours=1)
    made.give_back(cny("10.00"), key="refund-1", now=later)
    assert (made.state, made.restored, made.remaining) == (
        UsageState.PARTIALLY_REFUNDED,
        cny("10.00"),
        cny("20.00"),
    )
    assert (made.restore_keys, made.updated_at) == (["refund-1"], later)
    with pytest.raises(RestoreExceedsSpent) as over:
        made.give_back(cny("20.01"), key="refund-2", now=later)
    assert over.value.code == "giftcard.restore_exceeds_spent"
    assert (made.restored, made.restore_keys) == (cny("10.00"), ["refund-1"])
    made.give_back(cny("20.00"), key="refund-2", now=later)
    assert (made.state, made.remaining) == (UsageState.INVALID, cny("0"))
    assert made.restore_keys == ["refund-1", "refund-2"]


@pytest.mark.rule("GC-8")
def test_a_restore_key_is_kept_once() -> None:
    made = usage("30.00")
    made.give_back(cny("10.00"), key="refund-1", now=NOW)
    made.give_back(cny("10.00"), key="refund-1", now=NOW)
    assert made.restore_keys == ["refund-1"]


@pytest.mark.rule("GC-8")
@pytest.mark.parametrize("amount", [cny("0"), cny("-10.00")], ids=["zero", "negative"])
def test_a_usage_gives_back_only_a_positive_amount(amount: Money) -> None:
    made = usage("30.00")
    with pytest.raises(InvalidValue):
        made.give_back(amount, key="refund-1", now=NOW)
    assert (made.state, made.restored) == (UsageState.VALID, cny("0"))


@pytest.mark.rule("GC-8")
def test_a_tender_split_is_in_one_currency_without_negative_parts() -> None:
    with pytest.raises(InvalidValue):
        TenderSplit(cash=cny("1.00"), points=Money(0, "USD"), gift_cards=cny("1.00"))
    with pytest.raises(InvalidValue):
        TenderSplit(cash=cny("-1.00"), points=cny("0"), gift_cards=cny("1.00"))
    assert TenderSplit(cny("0"), cny("0"), cny("0")).cash == cny("0")


# --- plan_restore (GC-8, MON-3) ---------------------------------------------------------------


@pytest.mark.rule("GC-8")
def test_a_whole_restore_gives_back_everything_left() -> None:
    a, b, done = usage("60.00", restored="10.00"), usage("40.00"), usage("5.00", restored="5.00")
    assert plan_restore(None, [a, b, done]) == [(a, cny("50.00")), (b, cny("40.00"))]
    assert plan_restore(None, [done]) == []  # nothing left: nothing to do


@pytest.mark.rule("GC-8")
@pytest.mark.rule("MON-3")
def test_a_partial_restore_is_split_in_proportion_to_what_is_left() -> None:
    a, b = usage("60.00"), usage("40.00")
    assert plan_restore(cny("50.00"), [a, b]) == [(a, cny("30.00")), (b, cny("20.00"))]
    a.give_back(cny("30.00"), key="r1", now=NOW)  # 30 and 40 left
    assert shares(plan_restore(cny("35.00"), [a, b])) == [cny("15.00"), cny("20.00")]


@pytest.mark.rule("MON-3")
def test_rounding_residue_goes_to_the_largest_remainder_ties_to_the_later_part() -> None:
    one_each = [usage(1), usage(1), usage(1)]
    plan = plan_restore(Money(2, "CNY"), one_each)
    assert [(u, s.minor) for u, s in plan] == [(one_each[1], 1), (one_each[2], 1)]  # zeros left out
    bigger_remainder = [usage(100), usage(200)]  # 1 fen: 1/3 and 2/3
    assert [(u, s.minor) for u, s in plan_restore(Money(1, "CNY"), bigger_remainder)] == [
        (bigger_remainder[1], 1)
    ]


@pytest.mark.rule("GC-8")
def test_a_partial_restore_never_gives_back_more_than_is_left() -> None:
    a, b = usage("60.00", restored="50.00"), usage("40.00")
    assert shares(plan_restore(cny("50.00"), [a, b])) == [cny("10.00"), cny("40.00")]
    with pytest.raises(RestoreExceedsSpent):
        plan_restore(cny("50.01"), [a, b])
    done = usage("5.00", restored="5.00")
    with pytest.raises(RestoreExceedsSpent):
        plan_restore(cny("0.01"), [done])
    with pytest.raises(RestoreExceedsSpent):
        plan_restore(cny("0.01"), [])


@pytest.mark.rule("GC-8")
@pytest.mark.parametrize("amount", [cny("0"), cny("-1.00")])
def test_a_partial_restore_is_positive(amount: Money) -> None:
    with pytest.raises(InvalidValue):
        plan_restore(amount, [usage("10.00")])


usages = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=50_000), st.integers(min_value=0, max_value=100)
    ).map(lambda took_pct: (took_pct[0], took_pct[0] * took_pct[1] // 100)),
    min_size=1,
    max_size=6,
)


@pytest.mark.rule("GC-8")
@pytest.mark.rule("MON-3")
@given(spec=usages, data=st.data())
def test_restore_shares_sum_exactly_and_stay_within_what_is_left(
    spec: list[tuple[int, int]], data: st.DataObject
) -> None:
    made = [usage(took, restored=back) for took, back in spec]
    left = sum(took - back for took, back in spec)
    whole = plan_restore(None, made)
    assert sum(s.minor for s in shares(whole)) == left
    assert all(s == u.remaining and s.is_positive() for u, s in whole)
    if left == 0:
        with pytest.raises(RestoreExceedsSpent):
            plan_restore(Money(1, "CNY"), made)
        return
    amount = data.draw(st.integers(min_value=1, max_value=left + 5), label="amount")
    if amount > left:
        with pytest.raises(RestoreExceedsSpent):
            plan_restore(Money(amount, "CNY"), made)
        return
    plan = plan_restore(Money(amount, "CNY"), made)
    assert sum(s.minor for s in shares(plan)) == amount
    for u, share in plan:
        assert 0 < share.minor <= u.remaining.minor
        exact = Fraction(amount * u.remaining.minor, left)
        assert abs(share.minor - exact) < 1  # within one fen of its exact share
    open_usages = [u for u in made if u.remaining.is_positive()]
    expected = allocate(Money(amount, "CNY"), [u.remaining for u in open_usages])
    assert plan == [(u, s) for u, s in zip(open_usages, expected, strict=True) if s.is_positive()]
