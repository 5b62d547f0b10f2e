"""The kit's coupons in a wallet: every drawn coupon is in the state asked for at ``now``, got
there through the domain's own methods, and what its state allows the domain still accepts."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from tests.kit.strategies_support import VALID, reach, smallest

from shop_domain.coupons import CouponKind, CouponState, Outcome, Via
from shop_domain.coupons import events as ev
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money
from shop_testing.strategies import NOW, CouponInWallet, coupons

LATER = dt.datetime(2026, 7, 15, 6, 30, tzinfo=dt.UTC)


@pytest.mark.rule("CPN-5")
@pytest.mark.rule("CPN-12")
@VALID
@given(coupons(LATER))
def test_every_coupon_is_in_its_state_by_its_own_methods(drawn: CouponInWallet) -> None:
    template, coupon = drawn.template, drawn.coupon
    assert coupon.template_id == template.id
    assert coupon.via is Via.CLAIM
    assert coupon.effective_state(LATER) is coupon.state
    claimed = [e for e in coupon.pending_events if isinstance(e, ev.CouponClaimed)]
    assert len(claimed) == 1
    if coupon.state is CouponState.AVAILABLE:
        assert coupon.valid_until > LATER
        if coupon.valid_from <= LATER:  # what an available coupon allows: an order may lock it
            assert coupon.lock(uuid.uuid4(), coupon.user_id, LATER) is Outcome.DONE
    elif coupon.state is CouponState.LOCKED:
        assert coupon.order_id is not None
        assert coupon.release(coupon.order_id, LATER) is Outcome.DONE
        assert coupon.state is CouponState.AVAILABLE
    elif coupon.state is CouponState.USED:
        assert coupon.order_id is not None
        assert coupon.discount is not None
        assert coupon.order_amount is not None
        assert 0 <= coupon.discount.minor <= coupon.order_amount.minor
        assert coupon.give_back(coupon.order_id, True, LATER) in (Outcome.DONE, Outcome.KEPT)
    else:
        assert coupon.closed_at == LATER
        with pytest.raises(DomainError):
            coupon.lock(uuid.uuid4(), coupon.user_id, LATER)


@pytest.mark.parametrize("state", list(CouponState))
def test_each_state_is_reached(state: CouponState) -> None:
    drawn = reach(coupons(LATER), lambda d: d.coupon.state is state, max_examples=300)
    assert drawn.coupon.effective_state(LATER) is state


def test_a_used_rate_coupon_and_a_fixed_window_are_reached() -> None:
    reach(
        coupons(LATER, states={CouponState.USED}),
        lambda d: (
            d.template.definition.terms.benefit.kind is CouponKind.RATE
            and d.coupon.discount is not None
            and d.coupon.discount.minor > 0
        ),
    )
    reach(coupons(LATER), lambda d: d.coupon.valid_from > LATER)  # valid from a later moment


def test_it_shrinks_to_an_available_cash_coupon_of_one_fen() -> None:
    drawn = smallest(coupons())
    assert drawn.coupon.state is CouponState.AVAILABLE
    assert drawn.template.definition.terms.benefit.kind is CouponKind.CASH
    assert drawn.template.definition.terms.benefit.value == Money(1, "CNY")
    assert drawn.coupon.acquired_at == NOW
