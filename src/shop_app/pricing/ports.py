"""Ports of the pricing context: the promotions' repository and the context's unit of work."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Protocol, Self

from shop_app.shared.audit import AuditLog
from shop_app.shared.jobs import JobQueue
from shop_app.shared.ports import Clock, IdempotencyStore, IdGenerator
from shop_domain.pricing.promotion import Level, Promotion


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


class PricingUnitOfWork(Protocol):
    """The kernel unit of work with the pricing context's repository."""

    promotions: PromotionRepository
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
