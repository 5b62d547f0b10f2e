"""The ordering rules of an installation, from ``SHOP_ORDER_*`` and ``SHOP_PAYMENT_*``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from shop_adapters.settings import InvalidSetting, env_int
from shop_app.ordering.ports import OrderingPolicy

_BOUNDS = {
    "SHOP_ORDER_PAYMENT_MINUTES": (1, 7 * 24 * 60),
    "SHOP_ORDER_CROSS_BORDER_LIMIT": (1, 10**12),
    "SHOP_PAYMENT_MAX": (1, 10**12),
    "SHOP_PAYMENT_DAILY_MAX": (1, 10**13),
    "SHOP_PAYMENT_ATTEMPTS_PER_MINUTE": (1, 1000),
}


@attrs.frozen(kw_only=True)
class OrderingSettings:
    """``settings.section(OrderingSettings)``:

    - ``SHOP_ORDER_PAYMENT_MINUTES`` (30): how long an order waits for payment (ORD-5);
    - ``SHOP_ORDER_CROSS_BORDER_LIMIT`` (200000): the most one cross-border child order is worth,
      in minor units (ORD-3);
    - ``SHOP_PAYMENT_MAX`` (5000000), ``SHOP_PAYMENT_DAILY_MAX`` (20000000): PAY-6's limits on
      one payment's external part and on a customer's day, in minor units;
    - ``SHOP_PAYMENT_ATTEMPTS_PER_MINUTE`` (10): payment starts per customer per minute.
    """

    policy: OrderingPolicy = attrs.Factory(OrderingPolicy)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OrderingSettings:
        base = OrderingPolicy()
        figures = {
            "SHOP_ORDER_PAYMENT_MINUTES": int(base.payment_timeout.total_seconds() // 60),
            "SHOP_ORDER_CROSS_BORDER_LIMIT": base.cross_border_limit,
            "SHOP_PAYMENT_MAX": base.max_payment,
            "SHOP_PAYMENT_DAILY_MAX": base.max_daily,
            "SHOP_PAYMENT_ATTEMPTS_PER_MINUTE": base.attempts_per_minute,
        }
        for name, default in figures.items():
            figures[name] = env_int(env, name, default)
            least, most = _BOUNDS[name]
            if not least <= figures[name] <= most:
                raise InvalidSetting(f"{name} must be {least} to {most}")
        return cls(
            policy=OrderingPolicy(
                payment_timeout=dt.timedelta(minutes=figures["SHOP_ORDER_PAYMENT_MINUTES"]),
                cross_border_limit=figures["SHOP_ORDER_CROSS_BORDER_LIMIT"],
                max_payment=figures["SHOP_PAYMENT_MAX"],
                max_daily=figures["SHOP_PAYMENT_DAILY_MAX"],
                attempts_per_minute=figures["SHOP_PAYMENT_ATTEMPTS_PER_MINUTE"],
            )
        )


__all__ = ["OrderingSettings"]
