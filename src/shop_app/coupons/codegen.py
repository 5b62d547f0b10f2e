"""Generating a batch of one-time codes (CPN-4): chunk by chunk, resumable, in bounded memory.

The batch was reserved on its template by ``ReserveCodeBatch``; this fills it. Each chunk is
drawn from the cryptographic random source, written in one short transaction that also moves
the batch's ``generated`` count, and then forgotten — memory holds one chunk, whatever the
batch size. A code that collides with any existing code is simply not inserted and the next
round makes up the shortfall, so the batch ends with exactly ``requested`` distinct codes. A
job that stops half-way resumes from ``generated``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from shop_app.coupons.errors import CodesStalled
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CodeStore, CouponsUnitOfWork
from shop_app.shared.jobs import JobView, Report
from shop_app.shared.ports import Clock
from shop_domain.coupons import codes

GENERATE_CODES = "coupons.generate_codes"
"""The job kind; its params are ``{"batch_id": "<uuid>"}``."""


class CodeGenerator:
    def __init__(
        self,
        uow_factory: Callable[[], CouponsUnitOfWork],
        store: CodeStore,
        clock: Clock,
        policy: CouponPolicy,
    ) -> None:
        self._uow_factory = uow_factory
        self._store = store
        self._clock = clock
        self._policy = policy

    async def _state(self, batch_id: uuid.UUID) -> tuple[uuid.UUID, int, int]:
        async with self._uow_factory() as uow:
            batch = await uow.code_batches.get(batch_id)
            return batch.template_id, batch.generated, batch.requested

    async def generate(self, batch_id: uuid.UUID, report: Report | None = None) -> int:
        """Fill the batch; returns how many codes it holds at the end (its ``requested``)."""
        template_id, generated, requested = await self._state(batch_id)
        if report is not None:
            await report(generated, requested)
        stalls = 0
        while generated < requested:
            size = min(self._policy.code_chunk, requested - generated)
            inserted = await self._store.insert_chunk(
                batch_id, template_id, codes.unique_codes(size), self._clock.now()
            )
            if inserted == 0:
                # every code collided, or another worker filled the batch: look again
                stalls += 1
                if stalls > 20:
                    raise CodesStalled("code generation makes no progress")
                _, generated, requested = await self._state(batch_id)
            else:
                stalls = 0
                generated += inserted
            if report is not None:
                await report(generated, requested)
        return generated

    async def run_job(self, job: JobView, report: Report) -> Mapping[str, Any]:
        """The ``GENERATE_CODES`` job handler."""
        batch_id = uuid.UUID(str(job.params["batch_id"]))
        total = await self.generate(batch_id, report)
        return {"batch_id": str(batch_id), "generated": total}
