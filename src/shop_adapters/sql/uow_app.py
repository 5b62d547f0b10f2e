"""The whole-application SQL unit of work: the kernel's plus every context's repositories.
Each context adds its mapping in ``__init__`` and its repositories in ``_repositories``."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shop_adapters.sql.catalog.mapping import start_mappers as start_catalog_mappers
from shop_adapters.sql.catalog.repositories import (
    SqlBrandRepository,
    SqlCategoryRepository,
    SqlFrontCategoryRepository,
    SqlProductRepository,
)
from shop_adapters.sql.uow import SqlUnitOfWork
from shop_app.shared.ports import Clock, IdGenerator


def start_mappers() -> None:
    """Map every context's classes (idempotent)."""
    start_catalog_mappers()


class SqlShopUnitOfWork(SqlUnitOfWork):
    # catalog
    products: SqlProductRepository
    categories: SqlCategoryRepository
    front_categories: SqlFrontCategoryRepository
    brands: SqlBrandRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        start_mappers()
        super().__init__(sessions, clock, ids)

    def _repositories(self) -> None:
        # catalog
        self.products = SqlProductRepository(self)
        self.categories = SqlCategoryRepository(self)
        self.front_categories = SqlFrontCategoryRepository(self)
        self.brands = SqlBrandRepository(self)
