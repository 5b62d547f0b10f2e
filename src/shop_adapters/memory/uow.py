"""The whole-application in-memory unit of work: the kernel's plus every context's
repositories. Each context adds its repositories in ``__init__``."""

from __future__ import annotations

from collections.abc import Sequence

from shop_adapters.memory.catalog import (
    MemoryBrandRepository,
    MemoryCategoryRepository,
    MemoryFrontCategoryRepository,
    MemoryProductRepository,
)
from shop_adapters.memory.coupons import (
    MemoryCodeBatchRepository,
    MemoryCouponLedger,
    MemoryCouponRepository,
    MemoryTemplateRepository,
    MemoryUniqueCodeRepository,
)
from shop_adapters.memory.giftcards import (
    MemoryBatchRepository,
    MemoryCardRepository,
    MemoryExportRepository,
    MemoryGiftCardLedger,
    MemoryUsageRepository,
)
from shop_adapters.memory.kernel import MemoryDatabase, MemoryUnitOfWork
from shop_app.shared.ports import Clock, IdGenerator
from shop_app.shared.unit_of_work import Projection


class InMemoryUnitOfWork(MemoryUnitOfWork):
    def __init__(self, db: MemoryDatabase, clock: Clock, ids: IdGenerator) -> None:
        super().__init__(db, clock, ids)
        # catalog
        self.products = MemoryProductRepository(self)
        self.categories = MemoryCategoryRepository(self)
        self.front_categories = MemoryFrontCategoryRepository(self)
        self.brands = MemoryBrandRepository(self)
        # coupons
        self.coupon_templates = MemoryTemplateRepository(self)
        self.coupons = MemoryCouponRepository(self)
        self.code_batches = MemoryCodeBatchRepository(self)
        self.unique_codes = MemoryUniqueCodeRepository(self)
        # gift cards
        self.giftcard_batches = MemoryBatchRepository(self)
        self.giftcards = MemoryCardRepository(self)
        self.giftcard_usages = MemoryUsageRepository(self)
        self.giftcard_exports = MemoryExportRepository(self)
        self._projections: tuple[Projection, ...] = (
            MemoryCouponLedger(self),
            MemoryGiftCardLedger(self),
        )

    def projections(self) -> Sequence[Projection]:
        return self._projections
