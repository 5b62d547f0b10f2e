"""The whole-application SQL unit of work: the kernel's plus every context's repositories.
Each context adds its repositories in ``_repositories``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.catalog.repositories import (
    SqlBrandRepository,
    SqlCategoryRepository,
    SqlFrontCategoryRepository,
    SqlProductRepository,
)
from shop_adapters.sql.coupons.ledger import SqlCouponLedger
from shop_adapters.sql.coupons.repositories import (
    SqlCodeBatchRepository,
    SqlCouponRepository,
    SqlTemplateRepository,
    SqlUniqueCodeRepository,
)
from shop_adapters.sql.giftcards.ledger import SqlGiftCardLedger
from shop_adapters.sql.giftcards.repositories import (
    SqlCardExportRepository,
    SqlCardUsageRepository,
    SqlGiftCardBatchRepository,
    SqlGiftCardRepository,
)
from shop_adapters.sql.uow import SqlUnitOfWork
from shop_app.shared.ports import Clock, IdGenerator, OutboxMessage
from shop_app.shared.unit_of_work import Projection


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
        engine: AsyncEngine,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        super().__init__(engine, clock, ids)
        # written in this unit's transaction at commit (ADR 0013)
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
        await self.unique_codes.write_pending()  # redeemed one-time codes (Core rows)
        await super()._commit(messages)
