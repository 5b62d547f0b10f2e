"""Ports of the coupons context: repositories, its unit of work, bulk code storage, and the
in-transaction ledger (statistics and usage log)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Protocol, Self

from shop_app.shared.jobs import JobQueue
from shop_app.shared.ports import Clock, IdempotencyStore, IdGenerator
from shop_app.shared.unit_of_work import Projection
from shop_domain.coupons.batches import CodeBatch, UniqueCode
from shop_domain.coupons.coupon import Coupon
from shop_domain.coupons.template import CouponTemplate, Holdings


class TemplateRepository(Protocol):
    def add(self, template: CouponTemplate) -> None: ...

    async def get(self, id_: uuid.UUID) -> CouponTemplate:
        """The template, or raise ``TemplateNotFound``."""
        ...

    async def find(self, id_: uuid.UUID) -> CouponTemplate | None: ...

    async def get_many(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, CouponTemplate]:
        """The templates of ``ids`` (one read however many), or raise ``TemplateNotFound`` for
        the first one missing."""
        ...

    async def get_for_update(self, id_: uuid.UUID) -> CouponTemplate:
        """The template, locked against other writers until the transaction ends where the
        backend has row locks (PostgreSQL); everywhere the version still guards the write.
        Every acquisition from a template goes through this, which serialises them."""
        ...

    async def find_by_public_code(self, code: str) -> CouponTemplate | None:
        """The template carrying this shared code (normalised), whatever its state."""
        ...


class CouponRepository(Protocol):
    def add(self, coupon: Coupon) -> None: ...

    def add_many(self, coupons: Sequence[Coupon]) -> None:
        """Add new coupons in bulk (one statement per batch where the backend allows)."""
        ...

    async def get(self, id_: uuid.UUID) -> Coupon:
        """The coupon, or raise ``CouponNotFound``."""
        ...

    async def lock_many(self, ids: Collection[uuid.UUID]) -> list[Coupon]:
        """The coupons that exist among ``ids``, locked for update in id order (no deadlocks
        between two orders locking overlapping sets)."""
        ...

    async def for_order(self, order_id: uuid.UUID) -> list[Coupon]:
        """Coupons locked to or used by ``order_id``, locked for update, in id order."""
        ...

    async def lock_for_order(
        self, order_id: uuid.UUID, ids: Collection[uuid.UUID]
    ) -> tuple[list[Coupon], list[Coupon]]:
        """What :meth:`for_order` and :meth:`lock_many` answer, read and locked at once (in id
        order): the coupons ``order_id`` holds, and those of ``ids`` that exist."""
        ...

    async def holdings(
        self, template_id: uuid.UUID, user_ids: Collection[uuid.UUID], today: dt.date
    ) -> dict[uuid.UUID, Holdings]:
        """Per user: coupons of the template held in any state, and those acquired on
        ``today`` (the business date). Users without any are left out."""
        ...

    async def by_acquisition_keys(
        self, template_id: uuid.UUID, keys: Collection[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], Coupon]:
        """Coupons already acquired with these (user, key) pairs."""
        ...

    async def issued_for_campaign(
        self, template_id: uuid.UUID, campaign_key: str, user_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Coupon]:
        """Per user, the coupon this campaign key already gave them."""
        ...

    async def due_to_expire(self, now: dt.datetime, limit: int) -> list[Coupon]:
        """Up to ``limit`` available coupons whose validity ended by ``now``, oldest end first,
        locked; rows another sweeper holds are skipped where the backend can."""
        ...


class CodeBatchRepository(Protocol):
    def add(self, batch: CodeBatch) -> None: ...

    async def get(self, id_: uuid.UUID) -> CodeBatch:
        """The batch, or raise ``CodeBatchNotFound``."""
        ...


class UniqueCodeRepository(Protocol):
    async def find_for_update(self, code: str) -> UniqueCode | None:
        """The one-time code (normalised), locked; None if there is no such code."""
        ...

    def save(self, code: UniqueCode) -> None:
        """Write back a redeemed code with this unit of work."""
        ...


class CouponsUnitOfWork(Protocol):
    coupon_templates: TemplateRepository
    coupons: CouponRepository
    code_batches: CodeBatchRepository
    unique_codes: UniqueCodeRepository
    idempotency: IdempotencyStore
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

    def projections(self) -> Sequence[Projection]: ...


class CodeStore(Protocol):
    """Bulk storage of one-time codes, outside any unit of work: each call is one short
    transaction, so a million codes are written in bounded memory, chunk by chunk."""

    async def insert_chunk(
        self, batch_id: uuid.UUID, template_id: uuid.UUID, codes: Sequence[str], now: dt.datetime
    ) -> int:
        """Insert the codes not already taken (by any batch of any template), add the number
        inserted to the batch's ``generated`` (never past ``requested``), mark the batch ready
        when it is full, and return the number inserted — all in one transaction."""
        ...
