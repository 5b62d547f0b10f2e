"""The catalog's HTTP API (CAT-1..8): public reads under ``/catalog`` and the back office under
``/admin/catalog``. ``CATALOG_CONTROLLERS`` is what :func:`shop_adapters.http.create_app` takes
(the CLI imports exactly this name). See ``docs/catalog.md`` for the guide.
"""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.catalog.admin import CatalogAdminController
from shop_adapters.http.catalog.admin_categories import CatalogCategoriesAdminController
from shop_adapters.http.catalog.public import CatalogController

CATALOG_CONTROLLERS: Final[list[type[Controller]]] = [
    CatalogController,
    CatalogAdminController,
    CatalogCategoriesAdminController,
]

__all__ = [
    "CATALOG_CONTROLLERS",
    "CatalogAdminController",
    "CatalogCategoriesAdminController",
    "CatalogController",
]
