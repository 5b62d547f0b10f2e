"""Coupons in a customer's wallet, in every state (CPN-5, CPN-10, CPN-12).

A coupon is claimed from an active template (:func:`~shop_testing.strategies.coupons.
template_definitions` with ``claimable``) through :meth:`CouponTemplate.acquire_many`, then
taken to its state by its own methods — ``lock`` for an order, ``use`` at payment with the
discount its benefit gives, ``void``, or ``expire`` once its validity is over — never by setting
fields, so each state is one the domain can reach.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import attrs
from hypothesis import strategies as st

from shop_domain.coupons import AcquireRequest, Coupon, CouponState, CouponTemplate, Holdings, Via
from shop_domain.coupons.terms import Validity
from shop_domain.shared.money import Money
from shop_testing.strategies.common import NOW, aware, ids, minutes, sampled_in_order
from shop_testing.strategies.coupons import template_definitions


@attrs.frozen
class CouponInWallet:
    """A coupon and the template it came from (the template's statistics are not kept)."""

    template: CouponTemplate
    coupon: Coupon


@st.composite
def coupons(
    draw: st.DrawFn,
    now: dt.datetime = NOW,
    *,
    states: Collection[CouponState] | None = None,
    currency: str | None = None,
) -> CouponInWallet:
    """A claimed :class:`Coupon` whose state at ``now`` is one of ``states`` (all when None):

    - available: claimed at ``now`` (its validity may start later, for a fixed window);
    - locked: claimed and locked to an order at ``now``; used: and paid, with the discount its
      benefit gives on an order amount drawn at or above its threshold;
    - voided: claimed and voided at ``now``;
    - expired: claimed 1..30 days before ``now`` with as many days of validity, and written
      down as expired at ``now``.

    Locked, used, voided and expired coupons are valid for some days from their claim (a window
    relative to the claim). The coupon keeps the events it recorded. Shrinks to an available
    cash coupon of 0.01 CNY."""
    aware(now)
    state = draw(sampled_in_order(states, list(CouponState)))
    days = draw(st.integers(min_value=1, max_value=30))
    claimed_at = now
    if state is CouponState.EXPIRED:
        claimed_at = now - dt.timedelta(days=days) - draw(minutes(min_value=0, max_value=60 * 24))
    definition = draw(template_definitions(claimed_at, currency=currency, claimable=True))
    if state is not CouponState.AVAILABLE:
        definition = attrs.evolve(definition, validity=Validity.relative(days))
    template = CouponTemplate.create(
        id=draw(ids()), definition=definition, created_by="kit", now=claimed_at
    )
    template.activate(claimed_at)
    user = draw(ids())
    coupon_id = draw(ids())
    [coupon] = template.acquire_many(
        [AcquireRequest(user_id=user, via=Via.CLAIM)],
        new_id=lambda: coupon_id,
        holdings={user: Holdings()},
        now=claimed_at,
        today=claimed_at.date(),
    )
    assert isinstance(coupon, Coupon), coupon  # a claimable template takes a first claim
    if state in (CouponState.LOCKED, CouponState.USED):
        order_id = draw(ids())
        coupon.lock(order_id, user, now)
        if state is CouponState.USED:
            benefit = definition.terms.benefit
            floor = benefit.threshold or Money(0, benefit.currency)
            extra = draw(st.integers(min_value=0, max_value=10**7))
            amount = Money(floor.minor + extra, benefit.currency)
            coupon.use(order_id, benefit.discount_for(amount), amount, now)
    elif state is CouponState.VOIDED:
        coupon.void("kit: voided", "kit", now)
    elif state is CouponState.EXPIRED:
        coupon.expire(now)
    return CouponInWallet(template, coupon)


__all__ = ["CouponInWallet", "coupons"]
