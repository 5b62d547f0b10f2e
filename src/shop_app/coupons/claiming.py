"""Claims on a hot template, batched by the bus (CPN-2).

On a sale day thousands of users claim the same template at once. Every claim must lock the
template row (that is what keeps CPN-2 exact), so claims of one template queue behind each other
no matter what. :class:`ClaimBatches` is the :class:`~shop_app.shared.batching.BatchRule` that
lets the bus's :class:`~shop_app.shared.batching.Batching` middleware decide the ``ClaimCoupon``
commands queued for one template — up to ``max_batch`` of them — as one ``ClaimBatch``: one row
lock, one commit, many claims. Each caller gets its own coupon (``Acquired``) or its own
:class:`ClaimRefused`, exactly as the claim decided alone would answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from shop_app.coupons.commands import ClaimBatch, ClaimCoupon
from shop_app.coupons.errors import ClaimRefused
from shop_app.coupons.results import Acquired, Refused
from shop_app.shared.batching import Batching


class ClaimBatches:
    """Claims queue per template; a batch is a ``ClaimBatch``; a refusal is a ``ClaimRefused``."""

    @property
    def command_type(self) -> type:
        return ClaimCoupon

    def key(self, command: ClaimCoupon) -> uuid.UUID:
        return command.template_id

    def batch(self, key: uuid.UUID, commands: Sequence[ClaimCoupon]) -> ClaimBatch:
        return ClaimBatch(template_id=key, claims=tuple(commands))

    def split(self, result: Any) -> Sequence[Acquired | ClaimRefused]:
        answers: Sequence[Acquired | Refused] = result
        return [
            ClaimRefused(answer) if isinstance(answer, Refused) else answer for answer in answers
        ]


def claim_batching(max_batch: int = 200) -> Batching:
    """The middleware that batches ``ClaimCoupon`` (``max_batch`` claims per transaction)."""
    return Batching(ClaimBatches(), max_batch=max_batch)


__all__ = ["ClaimBatches", "ClaimRefused", "claim_batching"]
