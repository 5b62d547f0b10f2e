"""Response bodies of the coupons API, built from the read models of
:mod:`shop_app.coupons.queries` and the command results (never from aggregates). A template's
definition is read back in the shape it is sent (:mod:`shop_adapters.http.coupons.definition`);
amounts are :class:`~shop_adapters.http.schemas.MoneySchema` objects (MON-1).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import msgspec

from shop_adapters.http.coupons.definition import (
    ClaimWindowSchema,
    CouponValiditySchema,
    LimitsSchema,
    ScopeSchema,
    TemplateDefinitionSchema,
)
from shop_adapters.http.schemas import MoneySchema
from shop_app.coupons.queries import (
    CenterItem,
    CodeBatchView,
    TemplateStatistics,
    TemplateView,
    UsageAction,
    UsageEntry,
    Wallet,
    WalletItem,
)
from shop_app.coupons.results import Acquired, CouponOutcome, IssueReport
from shop_domain.coupons.batches import BatchState
from shop_domain.coupons.coupon import CouponState, Outcome, Via
from shop_domain.coupons.template import TemplateState
from shop_domain.coupons.terms import Channel, CouponKind, CouponTerms
from shop_domain.shared.money import Money


def _money(value: Money | None) -> MoneySchema | None:
    return None if value is None else MoneySchema.from_domain(value)


# --- responses: templates ---------------------------------------------------------------------


class TemplateOut(msgspec.Struct, frozen=True):
    """A template: its definition and how far it got."""

    id: uuid.UUID
    state: TemplateState
    definition: TemplateDefinitionSchema
    currency: str
    issued: int
    """Coupons handed out so far (claimed, redeemed or issued)."""
    remaining: int
    codes_reserved: int
    """One-time codes set aside in code batches."""
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @classmethod
    def of(cls, view: TemplateView) -> TemplateOut:
        return cls(
            id=view.id,
            state=view.state,
            definition=TemplateDefinitionSchema.of(view.definition),
            currency=view.definition.currency,
            issued=view.issued,
            remaining=view.remaining,
            codes_reserved=view.codes_reserved,
            created_by=view.created_by,
            created_at=view.created_at,
            updated_at=view.updated_at,
            version=view.version,
        )


class TermsOut(msgspec.Struct, frozen=True):
    """What a coupon means at checkout (the part of the definition a shopper sees)."""

    kind: CouponKind
    value: MoneySchema | None
    rate: str | None
    threshold: MoneySchema | None
    max_discount: MoneySchema | None
    scope: ScopeSchema
    channels: list[Channel]
    stackable: bool
    combinable_with_promotions: bool

    @classmethod
    def of(cls, terms: CouponTerms) -> TermsOut:
        benefit = terms.benefit
        return cls(
            kind=benefit.kind,
            value=_money(benefit.value),
            rate=None if benefit.rate is None else str(benefit.rate),
            threshold=_money(benefit.threshold),
            max_discount=_money(benefit.max_discount),
            scope=ScopeSchema.of(terms.scope),
            channels=sorted(terms.channels),
            stackable=terms.stackable,
            combinable_with_promotions=terms.combinable_with_promotions,
        )


class StatisticsOut(msgspec.Struct, frozen=True):
    """CPN-11. Counts by state are current; ``discount``, ``gmv``, ``orders`` and
    ``average_order_value`` cover coupons used and not returned (``null`` average: no order)."""

    template_id: uuid.UUID
    issued: int
    claimed: int
    available: int
    locked: int
    used: int
    expired: int
    voided: int
    discount: MoneySchema
    gmv: MoneySchema
    orders: int
    average_order_value: MoneySchema | None
    distinct_users: int

    @classmethod
    def of(cls, stats: TemplateStatistics) -> StatisticsOut:
        return cls(
            template_id=stats.template_id,
            issued=stats.issued,
            claimed=stats.claimed,
            available=stats.available,
            locked=stats.locked,
            used=stats.used,
            expired=stats.expired,
            voided=stats.voided,
            discount=MoneySchema.from_domain(stats.discount),
            gmv=MoneySchema.from_domain(stats.gmv),
            orders=stats.orders,
            average_order_value=_money(stats.average_order_value),
            distinct_users=stats.distinct_users,
        )


class UsageEntryOut(msgspec.Struct, frozen=True):
    """CPN-9: one use (``used``) or return (``returned``) of a coupon."""

    id: uuid.UUID
    coupon_id: uuid.UUID
    template_id: uuid.UUID
    user_id: uuid.UUID
    order_id: uuid.UUID
    action: UsageAction
    discount: MoneySchema
    order_amount: MoneySchema
    at: dt.datetime

    @classmethod
    def of(cls, entry: UsageEntry) -> UsageEntryOut:
        return cls(
            id=entry.id,
            coupon_id=entry.coupon_id,
            template_id=entry.template_id,
            user_id=entry.user_id,
            order_id=entry.order_id,
            action=entry.action,
            discount=MoneySchema.from_domain(entry.discount),
            order_amount=MoneySchema.from_domain(entry.order_amount),
            at=entry.at,
        )


class CodeBatchState(enum.StrEnum):
    """A batch of one-time codes: ``generating`` until every code is written, then ``ready``.
    (The wire's own name: the gift cards have a ``BatchState`` too, and a client needs one
    model per name.)"""

    GENERATING = BatchState.GENERATING.value
    READY = BatchState.READY.value


class CodeBatchOut(msgspec.Struct, frozen=True):
    """A batch of one-time codes: ``generated`` of ``requested`` so far; ``ready`` when full."""

    id: uuid.UUID
    template_id: uuid.UUID
    requested: int
    generated: int
    state: CodeBatchState
    created_by: str
    created_at: dt.datetime
    completed_at: dt.datetime | None

    @classmethod
    def of(cls, view: CodeBatchView) -> CodeBatchOut:
        return cls(
            id=view.id,
            template_id=view.template_id,
            requested=view.requested,
            generated=view.generated,
            state=CodeBatchState(view.state.value),
            created_by=view.created_by,
            created_at=view.created_at,
            completed_at=view.completed_at,
        )


class CodeBatchAccepted(msgspec.Struct, frozen=True):
    """The batch is reserved; the job fills it (progress at ``GET /jobs/{job_id}`` and at the
    batch)."""

    batch_id: uuid.UUID
    job_id: uuid.UUID


class SegmentAccepted(msgspec.Struct, frozen=True):
    """The segment is staged; the job issues it (progress at ``GET /jobs/{job_id}``)."""

    job_id: uuid.UUID
    users: int


class IssuedTo(msgspec.Struct, frozen=True):
    user_id: uuid.UUID
    coupon_id: uuid.UUID


class RefusedFor(msgspec.Struct, frozen=True):
    user_id: uuid.UUID
    code: str
    """Why, e.g. ``coupon.sold_out``."""


class IssueReportOut(msgspec.Struct, frozen=True):
    """CPN-3: who got a coupon now, who had one from this campaign key already, who was refused."""

    issued: list[IssuedTo]
    already: list[IssuedTo]
    refused: list[RefusedFor]

    @classmethod
    def of(cls, report: IssueReport) -> IssueReportOut:
        return cls(
            issued=[IssuedTo(user, coupon) for user, coupon in report.issued],
            already=[IssuedTo(user, coupon) for user, coupon in report.already],
            refused=[RefusedFor(user, code) for user, code in report.refused],
        )


class VoidOut(msgspec.Struct, frozen=True):
    coupon_id: uuid.UUID
    outcome: Outcome
    """``done``, or ``already`` when it was voided before."""

    @classmethod
    def of(cls, result: CouponOutcome) -> VoidOut:
        return cls(coupon_id=result.coupon_id, outcome=result.outcome)


# --- responses: shoppers ----------------------------------------------------------------------


class AcquiredOut(msgspec.Struct, frozen=True):
    """A coupon now in the caller's wallet; ``replayed``: a retry found the first attempt's."""

    coupon_id: uuid.UUID
    template_id: uuid.UUID
    valid_from: dt.datetime
    valid_until: dt.datetime
    replayed: bool

    @classmethod
    def of(cls, acquired: Acquired) -> AcquiredOut:
        return cls(
            coupon_id=acquired.coupon_id,
            template_id=acquired.template_id,
            valid_from=acquired.valid_from,
            valid_until=acquired.valid_until,
            replayed=acquired.replayed,
        )


class CenterItemOut(msgspec.Struct, frozen=True):
    """A template in the coupon center. ``held_by_user`` and ``user_may_claim`` are given when a
    customer token was sent (``null`` otherwise)."""

    template_id: uuid.UUID
    name: str
    description: str
    terms: TermsOut
    validity: CouponValiditySchema
    claim_window: ClaimWindowSchema
    limits: LimitsSchema
    remaining: int
    held_by_user: int | None
    user_may_claim: bool | None

    @classmethod
    def of(cls, item: CenterItem) -> CenterItemOut:
        return cls(
            template_id=item.template_id,
            name=item.name,
            description=item.description,
            terms=TermsOut.of(item.terms),
            validity=CouponValiditySchema.of(item.validity),
            claim_window=ClaimWindowSchema.of(item.claim_window),
            limits=LimitsSchema.of(item.limits),
            remaining=item.remaining,
            held_by_user=item.held_by_user,
            user_may_claim=item.user_may_claim,
        )


class WalletItemOut(msgspec.Struct, frozen=True):
    """One of the caller's coupons; ``state`` is effective now (an available coupon whose
    validity has ended reads ``expired``, CPN-12)."""

    coupon_id: uuid.UUID
    template_id: uuid.UUID
    name: str
    terms: TermsOut
    state: CouponState
    via: Via
    acquired_at: dt.datetime
    valid_from: dt.datetime
    valid_until: dt.datetime
    expiring_soon: bool
    order_id: uuid.UUID | None

    @classmethod
    def of(cls, item: WalletItem) -> WalletItemOut:
        return cls(
            coupon_id=item.coupon_id,
            template_id=item.template_id,
            name=item.name,
            terms=TermsOut.of(item.terms),
            state=item.state,
            via=item.via,
            acquired_at=item.acquired_at,
            valid_from=item.valid_from,
            valid_until=item.valid_until,
            expiring_soon=item.expiring_soon,
            order_id=item.order_id,
        )


class WalletOut(msgspec.Struct, frozen=True):
    """One page of the caller's coupons. ``total`` counts the coupons matching the filters;
    ``counts`` (by effective state) and ``expiring_soon`` cover all of the caller's coupons."""

    items: list[WalletItemOut]
    total: int
    limit: int
    offset: int
    counts: dict[str, int]
    expiring_soon: int

    @classmethod
    def of(
        cls,
        wallet: Wallet,
        items: list[WalletItem],
        *,
        total: int,
        limit: int,
        offset: int,
    ) -> WalletOut:
        return cls(
            items=[WalletItemOut.of(item) for item in items],
            total=total,
            limit=limit,
            offset=offset,
            counts=dict(wallet.counts),
            expiring_soon=wallet.expiring_soon,
        )


__all__ = [
    "AcquiredOut",
    "CenterItemOut",
    "CodeBatchAccepted",
    "CodeBatchOut",
    "CodeBatchState",
    "IssueReportOut",
    "IssuedTo",
    "RefusedFor",
    "SegmentAccepted",
    "StatisticsOut",
    "TemplateOut",
    "TermsOut",
    "UsageEntryOut",
    "VoidOut",
    "WalletItemOut",
    "WalletOut",
]
