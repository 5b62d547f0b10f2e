"""The catalog as a plug-in: SPU/SKU, categories, brands, listing and search (CAT-*), and its
view of fulfillment's stock (ADR 0045)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.settings import InvalidSetting, env_int
from shop_adapters.sql.catalog.queries import SqlCatalogQueries
from shop_adapters.sql.catalog.repositories import (
    SqlBrandRepository,
    SqlCategoryRepository,
    SqlFrontCategoryRepository,
    SqlProductRepository,
)
from shop_adapters.sql.catalog.stock import SkuStockProjection
from shop_app.catalog.handlers import catalog_command_handlers
from shop_app.catalog.ports import CatalogQueries
from shop_app.shared.messagebus import CommandHandler
from shop_domain.catalog.model import CatalogPolicy


@attrs.frozen(kw_only=True)
class CatalogSettings:
    """The catalog's settings section (``settings.section(CatalogSettings)``)."""

    max_category_depth: int = 3
    """``SHOP_MAX_CATEGORY_DEPTH``: how many levels the back-end category tree may have, 1 to 4
    (CAT-2)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> CatalogSettings:
        depth = env_int(env, "SHOP_MAX_CATEGORY_DEPTH", cls().max_category_depth)
        if not 1 <= depth <= 4:
            raise InvalidSetting("SHOP_MAX_CATEGORY_DEPTH must be 1 to 4")
        return cls(max_category_depth=depth)


def _wire(wiring: Wiring) -> None:
    section = wiring.settings.section(CatalogSettings)
    wiring.add(CatalogPolicy, CatalogPolicy(max_category_depth=section.max_category_depth))
    wiring.add(CatalogQueries, SqlCatalogQueries(wiring.engine))


def _handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
    return catalog_command_handlers(wiring.resolve(CatalogPolicy))


PLUGIN = ContextPlugin(
    name="catalog",
    tables=("shop_adapters.sql.catalog.tables", "shop_adapters.sql.catalog.freshness"),
    settings=CatalogSettings,
    wire=_wire,
    handlers=_handlers,
    repositories={
        "products": SqlProductRepository,
        "categories": SqlCategoryRepository,
        "front_categories": SqlFrontCategoryRepository,
        "brands": SqlBrandRepository,
    },
    # the catalog's view of fulfillment's stock, kept in the transaction of each stock change
    # (ADR 0045); with no fulfillment context it sees no stock event and shows 0
    projections=(SkuStockProjection,),
    services=(CatalogQueries,),
    http="shop_adapters.http.catalog:CATALOG_CONTROLLERS",
    cli="shop_adapters.cli.catalog:CATALOG_COMMANDS",
)
