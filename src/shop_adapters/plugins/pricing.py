"""Pricing as a plug-in: promotions stored (PRO-2), so far its table and its repository
(``uow.promotions``); its commands, the engine, the live index and its routes come next
(issue 12)."""

from __future__ import annotations

from shop_adapters.plugin import ContextPlugin
from shop_adapters.plugins.pricing_participation import (
    PARTICIPATION_REPOSITORIES,
    PARTICIPATION_TABLES,
    participation_handlers,
    wire_participation,
)
from shop_adapters.sql.pricing.repositories import SqlPromotionRepository
from shop_app.pricing.participation_ports import ParticipationQueries

PLUGIN = ContextPlugin(
    name="pricing",
    tables=("shop_adapters.sql.pricing.tables", PARTICIPATION_TABLES),
    wire=wire_participation,
    handlers=participation_handlers,
    repositories={"promotions": SqlPromotionRepository, **PARTICIPATION_REPOSITORIES},
    services=(ParticipationQueries,),
    http="shop_adapters.http.pricing.participation:PARTICIPATION_CONTROLLERS",
)
