"""The catalog as a plug-in: SPU/SKU, categories, brands, listing and search (CAT-*)."""

from __future__ import annotations

from collections.abc import Mapping

from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.sql.catalog.queries import SqlCatalogQueries
from shop_adapters.sql.catalog.repositories import (
    SqlBrandRepository,
    SqlCategoryRepository,
    SqlFrontCategoryRepository,
    SqlProductRepository,
)
from shop_app.catalog.handlers import catalog_command_handlers
from shop_app.catalog.ports import CatalogQueries
from shop_app.shared.messagebus import CommandHandler
from shop_domain.catalog.model import CatalogPolicy


def _wire(wiring: Wiring) -> None:
    settings = wiring.settings
    wiring.add(CatalogPolicy, CatalogPolicy(max_category_depth=settings.max_category_depth))
    wiring.add(CatalogQueries, SqlCatalogQueries(wiring.engine))


def _handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
    return catalog_command_handlers(wiring.resolve(CatalogPolicy))


PLUGIN = ContextPlugin(
    name="catalog",
    tables=("shop_adapters.sql.catalog.tables", "shop_adapters.sql.catalog.freshness"),
    wire=_wire,
    handlers=_handlers,
    repositories={
        "products": SqlProductRepository,
        "categories": SqlCategoryRepository,
        "front_categories": SqlFrontCategoryRepository,
        "brands": SqlBrandRepository,
    },
    services=(CatalogQueries,),
    http="shop_adapters.http.catalog:CATALOG_CONTROLLERS",
    cli="shop_adapters.cli.catalog:CATALOG_COMMANDS",
)
