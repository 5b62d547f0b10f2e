"""The catalog's use cases: commands, handlers, ports and read models (CAT-1..8)."""

from shop_app.catalog import commands, queries
from shop_app.catalog.handlers import catalog_command_handlers
from shop_app.catalog.ports import (
    BrandRepository,
    CatalogQueries,
    CatalogUnitOfWork,
    CategoryRepository,
    FrontCategoryRepository,
    ProductRepository,
)

__all__ = [
    "BrandRepository",
    "CatalogQueries",
    "CatalogUnitOfWork",
    "CategoryRepository",
    "FrontCategoryRepository",
    "ProductRepository",
    "catalog_command_handlers",
    "commands",
    "queries",
]
