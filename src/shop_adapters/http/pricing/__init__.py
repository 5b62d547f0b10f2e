"""The promotions' HTTP API (PRO-2, PRO-3, PRO-7): the back office under ``/promotions``
(named permissions), with each promotion's participation log; quotes and promotion tags for
shoppers under ``/pricing`` (public). ``PRICING_CONTROLLERS`` is what
:func:`shop_adapters.http.create_app` takes.
"""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.pricing.admin import PromotionAdminController
from shop_adapters.http.pricing.participation import PARTICIPATION_CONTROLLERS
from shop_adapters.http.pricing.public import PricingPublicController

PRICING_CONTROLLERS: Final[list[type[Controller]]] = [
    PromotionAdminController,
    PricingPublicController,
    *PARTICIPATION_CONTROLLERS,
]

__all__ = ["PRICING_CONTROLLERS", "PricingPublicController", "PromotionAdminController"]
