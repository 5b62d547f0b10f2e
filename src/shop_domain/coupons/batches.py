"""Batches of unique one-time codes (CPN-4) and the codes themselves.

A batch is reserved on its template first (so codes never outnumber the total), then filled in
chunks by a job; ``generated`` says how far it got, so an interrupted job resumes where it
stopped. A code is redeemed once, by one user, and binds one coupon.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import attrs

from shop_domain.coupons.coupon import Outcome
from shop_domain.coupons.errors import CodeNotFound
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import InvalidValue


class BatchState(enum.StrEnum):
    GENERATING = "generating"
    READY = "ready"


@attrs.define(slots=False, eq=False)
class CodeBatch(Aggregate):
    template_id: uuid.UUID
    requested: int
    generated: int
    state: BatchState
    created_by: str
    created_at: dt.datetime
    completed_at: dt.datetime | None = None

    @classmethod
    def reserve(
        cls,
        *,
        id: uuid.UUID,
        template_id: uuid.UUID,
        requested: int,
        created_by: str,
        now: dt.datetime,
    ) -> CodeBatch:
        if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
            raise InvalidValue("a batch has at least one code")
        return cls(
            id=id,
            template_id=template_id,
            requested=requested,
            generated=0,
            state=BatchState.GENERATING,
            created_by=created_by,
            created_at=now,
        )

    @property
    def missing(self) -> int:
        return self.requested - self.generated


@attrs.define(eq=False)
class UniqueCode:
    """One one-time code. Stored by the code itself (no surrogate id: a million of them)."""

    code: str
    template_id: uuid.UUID
    batch_id: uuid.UUID
    redeemed_by: uuid.UUID | None = None
    coupon_id: uuid.UUID | None = None
    redeemed_at: dt.datetime | None = None

    def redeem(self, user_id: uuid.UUID, coupon_id: uuid.UUID, now: dt.datetime) -> Outcome:
        """Bind the code to ``user_id``; a retry by the same user is ALREADY. A code someone
        else redeemed is as invalid as one that never existed (nothing leaks)."""
        if self.redeemed_by is not None:
            if self.redeemed_by == user_id:
                return Outcome.ALREADY
            raise CodeNotFound()
        self.redeemed_by = user_id
        self.coupon_id = coupon_id
        self.redeemed_at = now
        return Outcome.DONE
