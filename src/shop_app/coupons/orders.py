"""Coupons and orders (CPN-5, CPN-9, CPN-10) and the expiry sweep (CPN-12). The bus commits.

The ordering context sends these: lock an order's coupons at submission (all or none), use them
at payment, release them when the order is cancelled, give them back when it is refunded.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shop_app.coupons import commands as c
from shop_app.coupons.errors import InvalidCouponList
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CouponsUnitOfWork
from shop_app.coupons.results import CouponOutcome, OrderCoupons
from shop_domain.coupons import rules
from shop_domain.coupons.coupon import Coupon, CouponState, Outcome
from shop_domain.coupons.errors import CouponNotFound, CouponsConflictOnOrder
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.rules import check_rule


def _answer(order_id: uuid.UUID, outcomes: Sequence[tuple[Coupon, Outcome]]) -> OrderCoupons:
    return OrderCoupons(
        order_id, tuple(CouponOutcome(coupon.id, outcome) for coupon, outcome in outcomes)
    )


class LockCouponsHandler:
    """All or nothing: every coupon is checked and locked in one transaction; the first that
    cannot be locked refuses the lot (the bus rolls back)."""

    def __init__(self, policy: CouponPolicy) -> None:
        self.policy = policy

    async def __call__(self, command: c.LockCoupons, uow: CouponsUnitOfWork) -> OrderCoupons:
        ids = command.coupon_ids
        if not ids or len(set(ids)) != len(ids) or len(ids) > self.policy.max_coupons_per_order:
            raise InvalidCouponList(f"lock 1..{self.policy.max_coupons_per_order} distinct coupons")
        on_order, asked = await uow.coupons.lock_for_order(command.order_id, ids)
        strangers = [coupon.id for coupon in on_order if coupon.id not in ids]
        if strangers:
            raise CouponsConflictOnOrder(
                "the order already holds other coupons; release them first",
                details={"coupon_ids": [str(i) for i in strangers]},
            )
        coupons = {coupon.id: coupon for coupon in asked}
        for coupon_id in ids:
            if coupon_id not in coupons:
                raise CouponNotFound(coupon_id)
        if len(coupons) > 1:  # one coupon breaks neither rule: its template is not read
            by_id = await uow.coupon_templates.get_many({c.template_id for c in coupons.values()})
            templates = [by_id[coupon.template_id] for coupon in coupons.values()]
            check_rule(rules.OneCouponPerTemplateOnOrder(tuple(t.id for t in templates)))
            stackable = all(t.terms.stackable for t in templates)
            check_rule(rules.StackingAllowed(len(templates), stackable))
        now = uow.clock.now()
        outcomes = [
            (coupons[i], coupons[i].lock(command.order_id, command.user_id, now)) for i in ids
        ]
        return _answer(command.order_id, outcomes)


async def use_coupons(command: c.UseCoupons, uow: CouponsUnitOfWork) -> OrderCoupons:
    on_order = {coupon.id: coupon for coupon in await uow.coupons.for_order(command.order_id)}
    uses = {use.coupon_id: use for use in command.uses}
    if len(uses) != len(command.uses):
        raise InvalidCouponList("each coupon is used once")
    if set(uses) != set(on_order):
        raise CouponsConflictOnOrder(
            "the coupons reported as used are not the coupons locked to the order",
            details={
                "locked": sorted(str(i) for i in on_order),
                "reported": sorted(str(i) for i in uses),
            },
        )
    now = uow.clock.now()
    outcomes = [
        (
            on_order[coupon_id],
            on_order[coupon_id].use(command.order_id, use.discount, command.order_amount, now),
        )
        for coupon_id, use in sorted(uses.items())
    ]
    return _answer(command.order_id, outcomes)


async def release_coupons(command: c.ReleaseCoupons, uow: CouponsUnitOfWork) -> OrderCoupons:
    now = uow.clock.now()
    coupons = await uow.coupons.for_order(command.order_id)
    return _answer(command.order_id, [(k, k.release(command.order_id, now)) for k in coupons])


async def return_coupons(command: c.ReturnCoupons, uow: CouponsUnitOfWork) -> OrderCoupons:
    now = uow.clock.now()
    coupons = [
        coupon
        for coupon in await uow.coupons.for_order(command.order_id)
        if coupon.state is CouponState.USED
    ]
    return _answer(
        command.order_id,
        [(k, k.give_back(command.order_id, command.whole_order, now)) for k in coupons],
    )


async def expire_coupons(command: c.ExpireCoupons, uow: CouponsUnitOfWork) -> int:
    if not 1 <= command.limit <= 10_000:
        raise InvalidValue("a sweep step expires 1..10000 coupons")
    now = uow.clock.now()
    return sum(coupon.expire(now) for coupon in await uow.coupons.due_to_expire(now, command.limit))
