"""The promotions' HTTP API (PRO-2, PRO-3): the back office under ``/promotions`` (named
permissions). ``PRICING_CONTROLLERS`` is what :func:`shop_adapters.http.create_app` takes.
"""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.pricing.admin import PromotionAdminController

PRICING_CONTROLLERS: Final[list[type[Controller]]] = [PromotionAdminController]

__all__ = ["PRICING_CONTROLLERS", "PromotionAdminController"]
