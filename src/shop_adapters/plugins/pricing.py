"""Pricing as a plug-in: promotions stored (PRO-2), so far its table and its repository
(``uow.promotions``); its commands, the engine, the live index and its routes come next
(issue 12)."""

from __future__ import annotations

from shop_adapters.plugin import ContextPlugin
from shop_adapters.sql.pricing.repositories import SqlPromotionRepository

PLUGIN = ContextPlugin(
    name="pricing",
    tables=("shop_adapters.sql.pricing.tables",),
    repositories={"promotions": SqlPromotionRepository},
)
