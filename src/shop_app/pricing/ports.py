"""Ports of the pricing context: the promotions' repository, the goods promotions target (read
from the catalog) and the context's unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, Self

from shop_app.shared.audit import AuditLog
from shop_app.shared.jobs import JobQueue
from shop_app.shared.ports import Clock, IdempotencyStore, IdGenerator
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Level, Promotion
from shop_domain.pricing.terms import Targets


class PromotionRepository(Protocol):
    """Promotions, tracked by the unit of work: what it hands out and is changed is written back
    at commit (a stale write raises ``ConcurrencyConflict``)."""

    def add(self, promotion: Promotion) -> None: ...

    async def get(self, id_: uuid.UUID) -> Promotion:
        """The promotion, or raise ``PromotionNotFound``."""
        ...

    async def find(self, id_: uuid.UUID) -> Promotion | None: ...

    async def get_for_update(self, id_: uuid.UUID) -> Promotion:
        """The promotion, locked until the unit of work ends (a change that depends on others
        — PRO-3's check on scheduling — is decided on what is locked); or raise
        ``PromotionNotFound``."""
        ...

    async def holding(self, level: Level | None = None) -> list[Promotion]:
        """Every promotion whose stored status holds goods — scheduled (active inside its
        window) or paused, whatever its window — of ``level`` (all levels for None), by id:
        what PRO-3's :class:`~shop_domain.pricing.conflicts.ConflictIndex` is built from."""
        ...

    async def lock_level(self, level: Level) -> None:
        """Hold PRO-3's lock of ``level`` until the unit of work ends: two units of work that
        lock one level run one after the other, so a scheduling decided on :meth:`holding`
        after the lock sees every promotion scheduled at that level before it (two clashing
        promotions scheduled at once cannot both succeed)."""
        ...


class PricingGoods(Protocol):
    """The catalog's goods as promotions see them, read in the unit of work's transaction
    (``uow.promotion_goods``; adapters read the catalog's tables)."""

    async def items_of(self, targets: Targets) -> Sequence[ItemFacts]:
        """Every SKU of the catalog that ``targets`` covers — listed or not, so that a product
        listed again later cannot end up in two clashing promotions — with its SPU, category
        path (leaf last), brand and shop; exclusions honoured; by SKU id."""
        ...


class PricingUnitOfWork(Protocol):
    """The kernel unit of work with the pricing context's repository."""

    promotions: PromotionRepository
    promotion_goods: PricingGoods
    idempotency: IdempotencyStore
    audit: AuditLog
    jobs: JobQueue
    clock: Clock
    ids: IdGenerator

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
