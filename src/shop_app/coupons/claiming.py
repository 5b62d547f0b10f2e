"""Claims on a hot template, serialised and committed in small batches.

On a sale day thousands of users claim the same template at once. Every claim must lock the
template row (that is what keeps CPN-2 exact), so claims of one template queue behind each
other no matter what; one transaction per claim then spends most of its time waiting for the
row. :class:`ClaimBatcher` queues claims per template inside the process and lets one worker
per template decide whatever has queued up — up to ``max_batch`` claims — in a single
transaction (``ClaimBatch``): one row lock, one commit, many claims. Under light load a batch is
one claim and nothing waits; under heavy load batches fill up and throughput grows with them.

Exactness does not depend on the batcher: several processes may each run one, and the template
row lock (or the version check) still serialises their batches.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import attrs

from shop_app.coupons.commands import ClaimBatch, ClaimCoupon
from shop_app.coupons.results import Acquired, Refused
from shop_app.shared.messagebus import MessageBus
from shop_domain.shared.errors import ConcurrencyConflict, DomainError

log = logging.getLogger(__name__)


class ClaimRefused(DomainError):
    """A claim the template refused; ``code`` is the rule's (``coupon.sold_out``…)."""

    code = "coupon.claim_refused"
    kind = "conflict"

    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.message, code=refused.code)
        self.kind = refused.kind  # type: ignore[misc]


@attrs.define
class _Pending:
    claim: ClaimCoupon
    answer: asyncio.Future[Acquired]


class ClaimBatcher:
    def __init__(self, bus: MessageBus, *, max_batch: int = 200, retries: int = 5) -> None:
        if max_batch < 1:
            raise ValueError("max_batch is at least 1")
        self._bus = bus
        self._max_batch = max_batch
        self._retries = retries
        self._queues: dict[uuid.UUID, list[_Pending]] = {}
        self._workers: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def claim(self, claim: ClaimCoupon) -> Acquired:
        """Claim one coupon; raises :class:`ClaimRefused` (or the error that failed the whole
        batch, such as ``coupon.template_not_found``) when it is not granted."""
        answer: asyncio.Future[Acquired] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(claim.template_id, []).append(_Pending(claim, answer))
        if claim.template_id not in self._workers:
            self._workers[claim.template_id] = asyncio.create_task(
                self._drain(claim.template_id), name=f"claims:{claim.template_id}"
            )
        return await answer

    async def _drain(self, template_id: uuid.UUID) -> None:
        try:
            while queue := self._queues.get(template_id):
                batch = queue[: self._max_batch]
                del queue[: len(batch)]
                await self._decide(template_id, batch)
        finally:
            self._queues.pop(template_id, None)
            self._workers.pop(template_id, None)

    async def _decide(self, template_id: uuid.UUID, batch: list[_Pending]) -> None:
        command = ClaimBatch(template_id=template_id, claims=tuple(p.claim for p in batch))
        for attempt in range(self._retries + 1):
            try:
                answers: list[Acquired | Refused] = await self._bus.handle(command)
                break
            except ConcurrencyConflict:
                if attempt == self._retries:
                    return self._fail(batch, ConcurrencyConflict("the claim could not be decided"))
                await asyncio.sleep(0.005 * 2**attempt)
            except Exception as exc:  # the whole batch failed: every claim gets the error
                if not isinstance(exc, DomainError):
                    log.exception("a claim batch of template %s failed", template_id)
                return self._fail(batch, exc)
        for pending, answer in zip(batch, answers, strict=True):
            if pending.answer.done():
                continue
            if isinstance(answer, Refused):
                pending.answer.set_exception(ClaimRefused(answer))
            else:
                pending.answer.set_result(answer)
        return None

    @staticmethod
    def _fail(batch: list[_Pending], error: BaseException) -> None:
        for pending in batch:
            if not pending.answer.done():
                pending.answer.set_exception(error)
