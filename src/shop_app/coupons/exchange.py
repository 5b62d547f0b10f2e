"""Coupons exchanged for points (CPN-1's "acquisition: for points"): the coupons context's
share of an exchange, for the loyalty context to call in the same transaction as it spends the
points (through its ``CouponExchange`` port, wired by the plug-ins) — so a coupon is issued if
and only if its points are taken.

The template is locked, its checks run as for a claim (active, claim window, claimable, validity,
quantity, per-user limits) with one difference: the template must be priced in points. A retry
with the same key answers the coupon of the first attempt.
"""

from __future__ import annotations

import uuid

import attrs

from shop_app.coupons.acquiring import check_key
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CouponsUnitOfWork
from shop_domain.coupons.coupon import Via
from shop_domain.coupons.template import AcquireRequest, Holdings


@attrs.frozen
class Exchanged:
    coupon_id: uuid.UUID
    points: int
    """What the coupon costs in points."""
    replayed: bool


async def exchange_for_points(
    uow: CouponsUnitOfWork,
    policy: CouponPolicy,
    template_id: uuid.UUID,
    user_id: uuid.UUID,
    key: str,
) -> Exchanged:
    check_key(key, "idempotency key")
    template = await uow.coupon_templates.get_for_update(template_id)
    earlier = await uow.coupons.by_acquisition_keys(template.id, {(user_id, key)})
    points = template.acquisition.points
    previous = earlier.get((user_id, key))
    if previous is not None:
        return Exchanged(previous.id, points, True)
    now = uow.clock.now()
    today = policy.business_date(now)
    holdings = await uow.coupons.holdings(template.id, {user_id}, today)
    request = AcquireRequest(user_id=user_id, via=Via.EXCHANGE, key=key)
    held = holdings.get(user_id) or Holdings()
    coupon = template.acquire(
        request, coupon_id=uow.ids.new_id(), holdings=held, now=now, today=today
    )
    uow.coupons.add(coupon)
    return Exchanged(coupon.id, points, False)


__all__ = ["Exchanged", "exchange_for_points"]
