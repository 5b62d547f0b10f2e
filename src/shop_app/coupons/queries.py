"""The read side of coupons: plain frozen views built straight from storage (CQRS).

Every reader that shows a coupon's state applies expiry on read (CPN-12), so a wallet never
shows an available coupon whose validity has ended, sweep or no sweep.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Protocol

import attrs

from shop_app.coupons.errors import InvalidStateFilter
from shop_app.shared.paging import Page, PageRequest
from shop_domain.coupons.batches import BatchState
from shop_domain.coupons.coupon import CouponState, Via
from shop_domain.coupons.template import TemplateDefinition, TemplateState
from shop_domain.coupons.terms import ClaimWindow, CouponTerms, Limits, Validity
from shop_domain.shared.money import Money

EXPIRING_SOON = dt.timedelta(days=3)
"""A wallet marks available coupons whose validity ends within this as expiring soon."""


@attrs.frozen
class TemplateView:
    id: uuid.UUID
    state: TemplateState
    definition: TemplateDefinition
    issued: int
    codes_reserved: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @property
    def remaining(self) -> int:
        return self.definition.limits.total_quantity - self.issued


@attrs.frozen
class CenterItem:
    """A template in the public coupon center, with what is left (and, for a signed-in user,
    how many more that user may take)."""

    template_id: uuid.UUID
    name: str
    description: str
    terms: CouponTerms
    validity: Validity
    claim_window: ClaimWindow
    limits: Limits
    remaining: int
    held_by_user: int | None = None
    user_may_claim: bool | None = None


@attrs.frozen
class WalletItem:
    coupon_id: uuid.UUID
    template_id: uuid.UUID
    name: str
    terms: CouponTerms
    state: CouponState  # effective at the time of reading (CPN-12)
    via: Via
    acquired_at: dt.datetime
    valid_from: dt.datetime
    valid_until: dt.datetime
    expiring_soon: bool
    order_id: uuid.UUID | None = None


@attrs.frozen
class Wallet:
    items: tuple[WalletItem, ...]
    counts: Mapping[str, int]  # by effective state, over all the user's coupons
    expiring_soon: int


@attrs.frozen
class TemplateStatistics:
    """CPN-11. Counts by state are current; ``discount``, ``gmv`` and ``orders`` cover coupons
    used and not returned."""

    template_id: uuid.UUID
    issued: int
    claimed: int
    available: int
    locked: int
    used: int
    expired: int
    voided: int
    discount: Money
    gmv: Money
    orders: int
    distinct_users: int

    @property
    def average_order_value(self) -> Money | None:
        if self.orders == 0:
            return None
        mean = decimal.Decimal(self.gmv.minor) / self.orders
        return Money(int(mean.to_integral_value(decimal.ROUND_HALF_UP)), self.gmv.currency)


class UsageAction(enum.StrEnum):
    USED = "used"
    RETURNED = "returned"


@attrs.frozen
class UsageEntry:
    """CPN-9: one use or return of a coupon."""

    id: uuid.UUID
    coupon_id: uuid.UUID
    template_id: uuid.UUID
    user_id: uuid.UUID
    order_id: uuid.UUID
    action: UsageAction
    discount: Money
    order_amount: Money
    at: dt.datetime


@attrs.frozen
class UsageFilter:
    template_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    coupon_id: uuid.UUID | None = None
    action: UsageAction | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@attrs.frozen
class CodeBatchView:
    id: uuid.UUID
    template_id: uuid.UUID
    requested: int
    generated: int
    state: BatchState
    created_by: str
    created_at: dt.datetime
    completed_at: dt.datetime | None


@attrs.frozen
class WalletQuery:
    user_id: uuid.UUID
    state: CouponState | None = None  # effective state
    expiring_soon: bool = False
    paging: PageRequest = attrs.field(factory=PageRequest)


def check_state_filter(value: str | None) -> CouponState | None:
    if value is None:
        return None
    try:
        return CouponState(value)
    except ValueError:
        raise InvalidStateFilter(f"unknown coupon state {value!r}") from None


class CouponQueries(Protocol):
    async def template(self, template_id: uuid.UUID) -> TemplateView:
        """The template, or raise ``TemplateNotFound``."""
        ...

    async def templates(
        self, state: TemplateState | None, paging: PageRequest
    ) -> Page[TemplateView]:
        """Templates, newest first."""
        ...

    async def center(
        self, now: dt.datetime, user_id: uuid.UUID | None, paging: PageRequest
    ) -> Page[CenterItem]:
        """Public templates that can be claimed at ``now`` with quantity left, soonest claim
        end first (open-ended last), then newest."""
        ...

    async def wallet(self, query: WalletQuery, now: dt.datetime) -> Wallet:
        """The user's coupons, expiry applied on read; soonest validity end first."""
        ...

    async def owned(self, user_id: uuid.UUID, coupon_id: uuid.UUID, now: dt.datetime) -> WalletItem:
        """One of the user's coupons; raise ``CouponNotFound`` for a coupon that is not theirs
        (another user's coupon is as unknown as a missing one)."""
        ...

    async def usable(self, user_id: uuid.UUID, now: dt.datetime) -> Sequence[WalletItem]:
        """The user's coupons usable at ``now`` with their terms: what pricing chooses from."""
        ...

    async def statistics(self, template_id: uuid.UUID) -> TemplateStatistics:
        """CPN-11 from running totals; raise ``TemplateNotFound``."""
        ...

    async def usage(self, filter: UsageFilter, paging: PageRequest) -> Page[UsageEntry]:
        """CPN-9 log entries, newest first."""
        ...

    async def code_batches(self, template_id: uuid.UUID) -> Sequence[CodeBatchView]: ...

    async def code_batch(self, batch_id: uuid.UUID) -> CodeBatchView:
        """The batch, or raise ``CodeBatchNotFound``."""
        ...

    def batch_codes(self, batch_id: uuid.UUID, chunk: int = 10_000) -> AsyncIterator[list[str]]:
        """Every code of a batch, in chunks, without holding them all in memory."""
        ...
