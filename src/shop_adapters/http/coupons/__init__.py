"""The coupons' HTTP API (CPN-1..12): the back office under ``/coupons`` (named permissions),
the customer's claims, codes and wallet (``/coupons/.../claim``, ``/coupons/redeem``,
``/me/coupons``) and the public coupon center (``/coupons/center``). ``COUPON_CONTROLLERS`` is
what :func:`shop_adapters.http.create_app` takes.
"""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.coupons.admin import CouponAdminController
from shop_adapters.http.coupons.admin_issuing import CouponIssuingController
from shop_adapters.http.coupons.customer import CouponCenterController, CouponCustomerController

COUPON_CONTROLLERS: Final[list[type[Controller]]] = [
    CouponCenterController,
    CouponCustomerController,
    CouponAdminController,
    CouponIssuingController,
]

__all__ = [
    "COUPON_CONTROLLERS",
    "CouponAdminController",
    "CouponCenterController",
    "CouponCustomerController",
    "CouponIssuingController",
]
