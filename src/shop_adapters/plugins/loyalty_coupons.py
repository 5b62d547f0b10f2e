"""Coupons exchanged for points (CPN-1, PTS-9): loyalty's ``CouponExchange`` port answered by
the coupons context's application API, in the one unit of work of the exchange (the runtime's
unit of work holds every context's repositories)."""

from __future__ import annotations

import uuid
from typing import Any

from shop_app.coupons.exchange import exchange_for_points
from shop_app.coupons.policy import CouponPolicy
from shop_app.loyalty.ports import ExchangedCoupon


class CouponsForPoints:
    def __init__(self, policy: CouponPolicy) -> None:
        self._policy = policy

    async def acquire(
        self, uow: Any, template_id: uuid.UUID, user_id: uuid.UUID, key: str
    ) -> ExchangedCoupon:
        got = await exchange_for_points(uow, self._policy, template_id, user_id, key)
        return ExchangedCoupon(got.coupon_id, got.points, got.replayed)


__all__ = ["CouponsForPoints"]
