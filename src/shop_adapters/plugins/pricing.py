"""Pricing as a plug-in: promotions stored (PRO-2), their goods read from the catalog
(``uow.promotion_goods``), the operators' commands (PRO-2, PRO-3) and their routes under
``/promotions``; the live promotions kept in each process and the customer facts
(:mod:`shop_adapters.plugins.pricing_live`, ADR 0034); quotes of a cart (``QuoteService``, over
the catalog's prices and the coupons' wallets) and their public routes under ``/pricing``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.plugins.pricing_live import (
    LIVE_SERVICES,
    LIVE_TABLES,
    LiveSettings,
    live_promotion_starters,
    wire_live_promotions,
)
from shop_adapters.plugins.pricing_participation import (
    PARTICIPATION_REPOSITORIES,
    PARTICIPATION_TABLES,
    participation_handlers,
    wire_participation,
)
from shop_adapters.sql.pricing.catalog import SqlPricingCatalog
from shop_adapters.sql.pricing.goods import SqlPricingGoods
from shop_adapters.sql.pricing.queries import SqlPromotionQueries
from shop_adapters.sql.pricing.repositories import SqlPromotionRepository
from shop_adapters.sql.pricing.wallet import SqlWalletSource
from shop_app.pricing.clashes import ConflictCheck
from shop_app.pricing.customers import CustomerFactsSource
from shop_app.pricing.handlers import pricing_command_handlers
from shop_app.pricing.live import LivePromotions
from shop_app.pricing.participation_ports import ParticipationQueries
from shop_app.pricing.queries import PromotionQueries
from shop_app.pricing.quoting import (
    NoPoints,
    PointsSource,
    PricingCatalog,
    QuoteService,
    WalletSource,
)
from shop_app.pricing.services import PricingServices
from shop_app.shared.messagebus import CommandHandler, UnitOfWorkFactory


def _wire(wiring: Wiring) -> None:
    wiring.add(PromotionQueries, SqlPromotionQueries(wiring.engine))
    wire_live_promotions(wiring)
    wire_participation(wiring)

    def services() -> PricingServices:
        uow_factory: Any = wiring.resolve(UnitOfWorkFactory)  # has every context's repositories
        return PricingServices(
            queries=wiring.resolve(PromotionQueries), conflicts=ConflictCheck(uow_factory)
        )

    wiring.add_lazy(PricingServices, services)
    _wire_quotes(wiring)


def _wire_quotes(wiring: Wiring) -> None:
    """Quotes (issue 12, item 8): the catalog's SKUs and prices, the wallet's coupons, and the
    service that prices a cart from them, the live promotions and the customer facts."""
    wiring.add(PricingCatalog, SqlPricingCatalog(wiring.engine))
    wiring.add(WalletSource, SqlWalletSource(wiring.engine))
    # no points pay unless a context that keeps them registers its own source after this one
    wiring.add(PointsSource, NoPoints())

    def quoting() -> QuoteService:
        return QuoteService(
            catalog=wiring.resolve(PricingCatalog),
            live=wiring.resolve(LivePromotions),
            customers=wiring.resolve(CustomerFactsSource),
            wallet=wiring.resolve(WalletSource),
            points=wiring.resolve(PointsSource),
        )

    wiring.add_lazy(QuoteService, quoting)


def _handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
    return {**pricing_command_handlers(), **participation_handlers(wiring)}


PLUGIN = ContextPlugin(
    name="pricing",
    tables=("shop_adapters.sql.pricing.tables", *LIVE_TABLES, PARTICIPATION_TABLES),
    settings=LiveSettings,
    wire=_wire,
    starters=live_promotion_starters,
    handlers=_handlers,
    repositories={
        "promotions": SqlPromotionRepository,
        "promotion_goods": SqlPricingGoods,
        **PARTICIPATION_REPOSITORIES,
    },
    services=(
        PricingServices,
        PromotionQueries,
        ParticipationQueries,
        QuoteService,
        PricingCatalog,
        WalletSource,
        *LIVE_SERVICES,
    ),
    http="shop_adapters.http.pricing:PRICING_CONTROLLERS",
)
