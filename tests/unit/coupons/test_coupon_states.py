"""The coupon's states (CPN-5): locked to an order, used, released, returned (CPN-10), expired
(CPN-12) and voided; every use and return is an event (CPN-9), and the statistics fold follows
each move (CPN-11)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest
from tests.unit.coupons.coupon_builders import (
    DAY,
    HOUR,
    NOW,
    ORDER,
    OTHER_ORDER,
    OTHER_USER,
    USER,
    cny,
    code_of,
    new_coupon,
)

from shop_domain.coupons import (
    Coupon,
    CouponState,
    Outcome,
    ReturnPolicy,
    StatsDelta,
    Validity,
    deltas_by_template,
    events,
)
from shop_domain.coupons.errors import (
    CouponNotAvailable,
    CouponNotYetValid,
    CouponValidityEnded,
    NotYourCoupon,
)
from shop_domain.coupons.statistics import delta_for
from shop_domain.shared import CurrencyMismatch, DomainEvent, InvalidValue, Money

VALID_UNTIL = NOW + 7 * DAY  # new_coupon() is valid 7 days from NOW
PAST_VALIDITY = VALID_UNTIL + HOUR
LATER = NOW + HOUR
DISCOUNT = cny("10.00")
AMOUNT = cny("120.00")


def locked(**fields: object) -> Coupon:
    coupon = new_coupon(**fields)  # type: ignore[arg-type]
    assert coupon.lock(ORDER, USER, NOW) is Outcome.DONE
    coupon.pull_events()
    return coupon


def used(**fields: object) -> Coupon:
    coupon = locked(**fields)
    assert coupon.use(ORDER, DISCOUNT, AMOUNT, LATER) is Outcome.DONE
    coupon.pull_events()
    return coupon


def voided() -> Coupon:
    coupon = new_coupon()
    coupon.void("sent by mistake", "operator", NOW)
    coupon.pull_events()
    return coupon


def expired() -> Coupon:
    coupon = new_coupon()
    assert coupon.expire(PAST_VALIDITY)
    coupon.pull_events()
    return coupon


def stats(*batches: Sequence[DomainEvent]) -> StatsDelta:
    folded = deltas_by_template(e for batch in batches for e in batch)
    return sum(folded.values(), StatsDelta())


# --- lock -------------------------------------------------------------------------------------


@pytest.mark.rule("CPN-5")
def test_an_available_coupon_is_locked_to_an_order() -> None:
    coupon = new_coupon()
    assert coupon.state is CouponState.AVAILABLE
    assert coupon.lock(ORDER, USER, LATER) is Outcome.DONE
    assert coupon.state is CouponState.LOCKED
    assert (coupon.order_id, coupon.locked_at) == (ORDER, LATER)
    [lock] = coupon.pull_events()
    assert isinstance(lock, events.CouponLocked)
    assert (lock.coupon_id, lock.order_id, lock.user_id) == (coupon.id, ORDER, USER)


@pytest.mark.rule("CPN-5")
def test_locking_again_for_the_same_order_is_a_retry() -> None:
    coupon = locked()
    assert coupon.lock(ORDER, USER, LATER) is Outcome.ALREADY
    assert coupon.locked_at == NOW
    assert coupon.pending_events == ()


@pytest.mark.rule("CPN-5")
def test_a_coupon_locked_to_one_order_cannot_be_locked_to_another() -> None:
    coupon = locked()
    assert code_of(lambda: coupon.lock(OTHER_ORDER, USER, LATER)) == "coupon.not_available"
    assert coupon.order_id == ORDER


@pytest.mark.rule("CPN-5")
def test_only_the_owner_locks_a_coupon() -> None:
    coupon = new_coupon()
    with pytest.raises(NotYourCoupon) as info:
        coupon.lock(ORDER, OTHER_USER, NOW)
    assert info.value.code == "coupon.not_owner"
    assert info.value.kind == "forbidden"
    assert coupon.state is CouponState.AVAILABLE
    taken = locked()
    assert code_of(lambda: taken.lock(ORDER, OTHER_USER, NOW)) == "coupon.not_owner"


@pytest.mark.rule("CPN-5")
@pytest.mark.parametrize("make", [used, voided], ids=["used", "voided"])
def test_a_used_or_voided_coupon_cannot_be_locked(make: object) -> None:
    coupon = make()  # type: ignore[operator]
    before = coupon.state
    with pytest.raises(CouponNotAvailable):
        coupon.lock(OTHER_ORDER, USER, LATER)
    assert coupon.state is before


@pytest.mark.rule("CPN-12")
def test_an_expired_coupon_cannot_be_locked_even_before_the_sweep() -> None:
    coupon = new_coupon()
    with pytest.raises(CouponValidityEnded) as info:
        coupon.lock(ORDER, USER, VALID_UNTIL)
    assert info.value.code == "coupon.expired"
    assert coupon.state is CouponState.AVAILABLE
    assert code_of(lambda: expired().lock(ORDER, USER, PAST_VALIDITY)) == "coupon.expired"


@pytest.mark.rule("CPN-6")
def test_a_coupon_is_not_locked_before_its_validity_starts() -> None:
    coupon = new_coupon(validity=Validity.absolute(NOW + DAY, NOW + 3 * DAY))
    with pytest.raises(CouponNotYetValid) as info:
        coupon.lock(ORDER, USER, NOW)
    assert info.value.code == "coupon.not_yet_valid"
    assert not coupon.usable_at(NOW)
    assert coupon.usable_at(NOW + DAY)
    assert coupon.lock(ORDER, USER, NOW + DAY) is Outcome.DONE


# --- use --------------------------------------------------------------------------------------


@pytest.mark.rule("CPN-5")
@pytest.mark.rule("CPN-9")
def test_paying_the_order_uses_the_coupon_and_logs_it() -> None:
    coupon = locked()
    assert coupon.use(ORDER, DISCOUNT, AMOUNT, LATER) is Outcome.DONE
    assert coupon.state is CouponState.USED
    assert (coupon.used_at, coupon.discount, coupon.order_amount) == (LATER, DISCOUNT, AMOUNT)
    [use] = coupon.pull_events()
    assert isinstance(use, events.CouponUsed)
    assert (use.coupon_id, use.user_id, use.order_id) == (coupon.id, USER, ORDER)
    assert (use.discount, use.order_amount, use.occurred_at) == (DISCOUNT, AMOUNT, LATER)


@pytest.mark.rule("CPN-5")
def test_using_again_for_the_same_order_is_a_retry() -> None:
    coupon = used()
    assert coupon.use(ORDER, cny("1"), cny("2"), LATER + HOUR) is Outcome.ALREADY
    assert coupon.discount == DISCOUNT
    assert coupon.pending_events == ()


@pytest.mark.rule("CPN-5")
def test_only_a_coupon_locked_to_the_order_is_used() -> None:
    available = new_coupon()
    assert code_of(lambda: available.use(ORDER, DISCOUNT, AMOUNT, NOW)) == "coupon.not_available"
    other = locked()
    assert code_of(lambda: other.use(OTHER_ORDER, DISCOUNT, AMOUNT, NOW)) == (
        "coupon.not_available"
    )
    spent = used()
    assert code_of(lambda: spent.use(OTHER_ORDER, DISCOUNT, AMOUNT, NOW)) == (
        "coupon.not_available"
    )
    assert available.state is CouponState.AVAILABLE
    assert other.state is CouponState.LOCKED


@pytest.mark.rule("MON-1")
@pytest.mark.rule("MON-4")
def test_a_use_takes_a_non_negative_discount_in_the_orders_currency() -> None:
    coupon = locked()
    with pytest.raises(InvalidValue):
        coupon.use(ORDER, cny("-0.01"), AMOUNT, LATER)
    with pytest.raises(InvalidValue):
        coupon.use(ORDER, DISCOUNT, cny("-1"), LATER)
    with pytest.raises(CurrencyMismatch):
        coupon.use(ORDER, DISCOUNT, Money.of("120", "USD"), LATER)
    assert coupon.state is CouponState.LOCKED
    assert coupon.use(ORDER, cny("0"), cny("0"), LATER) is Outcome.DONE


# --- release (cancelled before payment) -------------------------------------------------------


@pytest.mark.rule("CPN-5")
def test_cancelling_before_payment_releases_the_coupon() -> None:
    coupon = locked()
    assert coupon.release(ORDER, LATER) is Outcome.DONE
    assert coupon.state is CouponState.AVAILABLE
    assert (coupon.order_id, coupon.locked_at, coupon.closed_at) == (None, None, None)
    [release] = coupon.pull_events()
    assert isinstance(release, events.CouponReleased)
    assert (release.order_id, release.to_state) == (ORDER, "available")
    assert coupon.lock(OTHER_ORDER, USER, LATER) is Outcome.DONE  # usable again


@pytest.mark.rule("CPN-5")
def test_releasing_again_is_a_retry() -> None:
    coupon = locked()
    coupon.release(ORDER, LATER)
    coupon.pull_events()
    assert coupon.release(ORDER, LATER + HOUR) is Outcome.ALREADY
    assert coupon.state is CouponState.AVAILABLE
    assert coupon.pending_events == ()


@pytest.mark.rule("CPN-5")
def test_releasing_for_another_order_leaves_the_lock_alone() -> None:
    coupon = locked()
    assert coupon.release(OTHER_ORDER, LATER) is Outcome.ALREADY
    assert coupon.state is CouponState.LOCKED
    assert coupon.order_id == ORDER
    assert coupon.pending_events == ()


@pytest.mark.rule("CPN-12")
def test_a_coupon_released_after_its_validity_ended_is_expired() -> None:
    coupon = locked()
    assert coupon.release(ORDER, PAST_VALIDITY) is Outcome.DONE
    assert coupon.state is CouponState.EXPIRED
    assert coupon.closed_at == PAST_VALIDITY
    assert coupon.order_id is None
    [release] = coupon.pull_events()
    assert isinstance(release, events.CouponReleased)
    assert release.to_state == "expired"
    assert coupon.release(ORDER, PAST_VALIDITY) is Outcome.ALREADY


@pytest.mark.rule("CPN-12")
def test_the_end_of_validity_is_exclusive_on_release() -> None:
    coupon = locked()
    coupon.release(ORDER, VALID_UNTIL)
    assert coupon.state is CouponState.EXPIRED
    early = locked()
    early.release(ORDER, VALID_UNTIL - HOUR)
    assert early.state is CouponState.AVAILABLE


@pytest.mark.rule("CPN-5")
def test_a_used_coupon_is_returned_not_released() -> None:
    coupon = used()
    assert code_of(lambda: coupon.release(ORDER, LATER)) == "coupon.not_available"
    assert coupon.state is CouponState.USED


# --- give back (refunds, CPN-10) --------------------------------------------------------------


@pytest.mark.rule("CPN-10")
@pytest.mark.rule("CPN-9")
def test_a_whole_refund_returns_a_returnable_coupon() -> None:
    coupon = used()
    assert coupon.returnable
    assert coupon.give_back(ORDER, whole_order=True, now=LATER) is Outcome.DONE
    assert coupon.state is CouponState.AVAILABLE
    assert (coupon.order_id, coupon.used_at, coupon.discount, coupon.order_amount) == (
        None,
        None,
        None,
        None,
    )
    [returned] = coupon.pull_events()
    assert isinstance(returned, events.CouponReturned)
    assert (returned.order_id, returned.to_state) == (ORDER, "available")
    assert (returned.discount, returned.order_amount) == (DISCOUNT, AMOUNT)
    assert coupon.give_back(ORDER, whole_order=True, now=LATER) is Outcome.ALREADY


@pytest.mark.rule("CPN-10")
@pytest.mark.rule("CPN-12")
def test_a_coupon_returned_after_its_validity_ended_is_expired() -> None:
    coupon = used()
    assert coupon.give_back(ORDER, whole_order=True, now=PAST_VALIDITY) is Outcome.DONE
    assert coupon.state is CouponState.EXPIRED
    assert coupon.closed_at == PAST_VALIDITY
    [returned] = coupon.pull_events()
    assert isinstance(returned, events.CouponReturned)
    assert returned.to_state == "expired"


@pytest.mark.rule("CPN-10")
def test_a_partial_refund_never_returns_the_coupon() -> None:
    coupon = used()
    assert coupon.give_back(ORDER, whole_order=False, now=LATER) is Outcome.KEPT
    assert coupon.state is CouponState.USED
    assert (coupon.order_id, coupon.discount) == (ORDER, DISCOUNT)
    assert coupon.pending_events == ()
    # the rest of the order refunded later: the whole order is now refunded
    assert coupon.give_back(ORDER, whole_order=True, now=LATER) is Outcome.DONE


@pytest.mark.rule("CPN-10")
def test_a_non_returnable_coupon_is_kept_even_on_a_whole_refund() -> None:
    coupon = used(return_policy=ReturnPolicy.NON_RETURNABLE)
    assert not coupon.returnable
    assert coupon.give_back(ORDER, whole_order=True, now=LATER) is Outcome.KEPT
    assert coupon.state is CouponState.USED
    assert coupon.pending_events == ()


@pytest.mark.rule("CPN-10")
def test_give_back_for_another_order_or_an_unused_coupon_changes_nothing() -> None:
    coupon = used()
    assert coupon.give_back(OTHER_ORDER, whole_order=True, now=LATER) is Outcome.ALREADY
    assert coupon.state is CouponState.USED
    available = new_coupon()
    assert available.give_back(ORDER, whole_order=True, now=LATER) is Outcome.ALREADY
    assert available.state is CouponState.AVAILABLE
    assert coupon.pending_events == available.pending_events == ()


@pytest.mark.rule("CPN-10")
def test_a_locked_coupon_is_released_not_given_back() -> None:
    coupon = locked()
    assert code_of(lambda: coupon.give_back(ORDER, whole_order=True, now=LATER)) == (
        "coupon.not_available"
    )
    assert coupon.state is CouponState.LOCKED


# --- expiry (CPN-12) --------------------------------------------------------------------------


@pytest.mark.rule("CPN-12")
def test_expiry_is_applied_when_read() -> None:
    coupon = new_coupon()
    assert coupon.effective_state(VALID_UNTIL - HOUR) is CouponState.AVAILABLE
    assert coupon.usable_at(VALID_UNTIL - HOUR)
    assert coupon.effective_state(VALID_UNTIL) is CouponState.EXPIRED
    assert not coupon.usable_at(VALID_UNTIL)
    assert coupon.state is CouponState.AVAILABLE  # nothing written by reading


@pytest.mark.rule("CPN-12")
def test_a_locked_or_used_coupon_does_not_expire_on_read() -> None:
    assert locked().effective_state(PAST_VALIDITY) is CouponState.LOCKED
    assert used().effective_state(PAST_VALIDITY) is CouponState.USED


@pytest.mark.rule("CPN-12")
def test_the_sweep_writes_an_expiry_down_once() -> None:
    coupon = new_coupon()
    assert coupon.expire(VALID_UNTIL - HOUR) is False
    assert coupon.state is CouponState.AVAILABLE
    assert coupon.expire(VALID_UNTIL) is True
    assert coupon.state is CouponState.EXPIRED
    assert coupon.closed_at == VALID_UNTIL
    assert coupon.expire(PAST_VALIDITY) is False
    [expiry] = coupon.pull_events()
    assert isinstance(expiry, events.CouponExpired)
    assert expiry.valid_until == VALID_UNTIL


@pytest.mark.rule("CPN-12")
@pytest.mark.parametrize("make", [locked, used, voided], ids=["locked", "used", "voided"])
def test_the_sweep_leaves_coupons_that_are_not_available(make: object) -> None:
    coupon = make()  # type: ignore[operator]
    before = coupon.state
    assert coupon.expire(PAST_VALIDITY) is False
    assert coupon.state is before
    assert coupon.pending_events == ()


# --- void -------------------------------------------------------------------------------------


@pytest.mark.rule("CPN-5")
def test_an_operator_voids_an_available_coupon() -> None:
    coupon = new_coupon()
    assert coupon.void("  sent by mistake ", "alice", LATER) is Outcome.DONE
    assert coupon.state is CouponState.VOIDED
    assert (coupon.note, coupon.closed_at) == ("sent by mistake", LATER)
    [void] = coupon.pull_events()
    assert isinstance(void, events.CouponVoided)
    assert (void.reason, void.voided_by) == ("sent by mistake", "alice")
    assert coupon.void("again", "bob", LATER) is Outcome.ALREADY
    assert coupon.note == "sent by mistake"
    assert coupon.pending_events == ()


@pytest.mark.rule("CPN-5")
@pytest.mark.parametrize("make", [locked, used, expired], ids=["locked", "used", "expired"])
def test_only_an_available_coupon_is_voided(make: object) -> None:
    coupon = make()  # type: ignore[operator]
    before = coupon.state
    with pytest.raises(CouponNotAvailable):
        coupon.void("fraud", "alice", PAST_VALIDITY)
    assert coupon.state is before


@pytest.mark.rule("CPN-5")
@pytest.mark.rule("CPN-12")
def test_a_coupon_expired_on_read_is_not_voided() -> None:
    coupon = new_coupon()
    with pytest.raises(CouponNotAvailable):
        coupon.void("fraud", "alice", VALID_UNTIL)
    assert coupon.state is CouponState.AVAILABLE
    assert coupon.pending_events == ()


@pytest.mark.rule("CPN-5")
@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_void_says_why_in_up_to_500_characters(reason: str) -> None:
    coupon = new_coupon()
    with pytest.raises(InvalidValue):
        coupon.void(reason, "alice", NOW)
    assert coupon.state is CouponState.AVAILABLE
    assert coupon.void("x" * 500, "alice", NOW) is Outcome.DONE


# --- one state at a time, and the statistics follow (CPN-11) ----------------------------------


@pytest.mark.rule("CPN-5")
def test_a_coupon_is_always_in_exactly_one_state() -> None:
    for coupon in (new_coupon(), locked(), used(), voided(), expired()):
        assert sum(coupon.state is s for s in CouponState) == 1


@pytest.mark.rule("CPN-11")
def test_each_move_shifts_one_count_in_the_statistics() -> None:
    coupon = new_coupon(pull=False)
    acquired = coupon.pull_events()
    assert stats(acquired) == StatsDelta(issued=1, claimed=1, available=1, distinct_users=1)
    coupon.lock(ORDER, USER, NOW)
    coupon.release(ORDER, NOW)
    coupon.lock(OTHER_ORDER, USER, NOW)
    coupon.use(OTHER_ORDER, DISCOUNT, AMOUNT, NOW)
    moves = coupon.pull_events()
    assert [delta_for(e) for e in moves] == [
        StatsDelta(available=-1, locked=1),
        StatsDelta(locked=-1, available=1),
        StatsDelta(available=-1, locked=1),
        StatsDelta(locked=-1, used=1, discount_minor=1000, gmv_minor=12000, orders=1),
    ]
    assert stats(acquired, moves) == StatsDelta(
        issued=1,
        claimed=1,
        used=1,
        discount_minor=1000,
        gmv_minor=12000,
        orders=1,
        distinct_users=1,
    )
    coupon.give_back(OTHER_ORDER, whole_order=True, now=PAST_VALIDITY)
    back = coupon.pull_events()
    assert stats(acquired, moves, back) == StatsDelta(
        issued=1, claimed=1, expired=1, distinct_users=1
    )


@pytest.mark.rule("CPN-11")
def test_statistics_ignore_template_events_and_drop_zero_sums() -> None:
    coupon = new_coupon()
    coupon.lock(ORDER, USER, NOW)
    coupon.release(ORDER, NOW)
    assert deltas_by_template(coupon.pull_events()) == {}
    template_event = events.TemplatePaused(occurred_at=NOW, template_id=uuid.uuid4())
    assert delta_for(template_event) is None
    assert deltas_by_template([template_event]) == {}
