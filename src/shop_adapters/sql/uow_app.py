"""The whole-application SQL unit of work: the kernel's plus every context's repositories.
Each context adds its mapping in ``__init__`` and its repositories in ``_repositories``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shop_adapters.sql.catalog.mapping import start_mappers as start_catalog_mappers
from shop_adapters.sql.catalog.repositories import (
    SqlBrandRepository,
    SqlCategoryRepository,
    SqlFrontCategoryRepository,
    SqlProductRepository,
)
from shop_adapters.sql.coupons.ledger import SqlCouponLedger
from shop_adapters.sql.coupons.mapping import start_mappers as start_coupon_mappers
from shop_adapters.sql.coupons.repositories import (
    SqlCodeBatchRepository,
    SqlCouponRepository,
    SqlTemplateRepository,
    SqlUniqueCodeRepository,
)
from shop_adapters.sql.giftcards.ledger import SqlGiftCardLedger
from shop_adapters.sql.giftcards.mapping import start_mappers as start_giftcard_mappers
from shop_adapters.sql.giftcards.repositories import (
    SqlCardExportRepository,
    SqlCardUsageRepository,
    SqlGiftCardBatchRepository,
    SqlGiftCardRepository,
)
from shop_adapters.sql.uow import SqlUnitOfWork
from shop_app.shared.ports import Clock, IdGenerator, OutboxMessage
from shop_app.shared.unit_of_work import Projection


def start_mappers() -> None:
    """Map every context's classes (idempotent)."""
    start_catalog_mappers()
    start_coupon_mappers()
    start_giftcard_mappers()


class SqlShopUnitOfWork(SqlUnitOfWork):
    # catalog
    products: SqlProductRepository
    categories: SqlCategoryRepository
    front_categories: SqlFrontCategoryRepository
    brands: SqlBrandRepository
    # coupons
    coupon_templates: SqlTemplateRepository
    coupons: SqlCouponRepository
    code_batches: SqlCodeBatchRepository
    unique_codes: SqlUniqueCodeRepository
    # gift cards
    giftcard_batches: SqlGiftCardBatchRepository
    giftcards: SqlGiftCardRepository
    giftcard_usages: SqlCardUsageRepository
    giftcard_exports: SqlCardExportRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        start_mappers()
        super().__init__(sessions, clock, ids)
        # written through this unit's session at commit (ADR 0013)
        self._projections: tuple[Projection, ...] = (
            SqlCouponLedger(self),
            SqlGiftCardLedger(self),
        )

    def _repositories(self) -> None:
        # catalog
        self.products = SqlProductRepository(self)
        self.categories = SqlCategoryRepository(self)
        self.front_categories = SqlFrontCategoryRepository(self)
        self.brands = SqlBrandRepository(self)
        # coupons
        self.coupon_templates = SqlTemplateRepository(self)
        self.coupons = SqlCouponRepository(self)
        self.code_batches = SqlCodeBatchRepository(self)
        self.unique_codes = SqlUniqueCodeRepository(self)
        # gift cards
        self.giftcard_batches = SqlGiftCardBatchRepository(self)
        self.giftcards = SqlGiftCardRepository(self)
        self.giftcard_usages = SqlCardUsageRepository(self)
        self.giftcard_exports = SqlCardExportRepository(self)

    def projections(self) -> Sequence[Projection]:
        return self._projections

    async def _commit(self, messages: Sequence[OutboxMessage]) -> None:
        await self.coupons.write_new()  # coupons handed out in bulk (Core rows)
        await self.unique_codes.write_pending()  # redeemed one-time codes (Core rows)
        await self.giftcards.write_new()  # gift cards given in bulk (Core rows)
        await super()._commit(messages)
