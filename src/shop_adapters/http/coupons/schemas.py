"""Wire schemas of the coupons API: the template definition (CPN-1) in and out, and response
structs built from the read models of :mod:`shop_app.coupons.queries` (never from aggregates).

Requests refuse unknown fields, wrong types (a float where money or a rate belongs, an unknown
enum value) and out-of-range sizes with 400 ``request.invalid`` before any command runs. What
only the domain can judge — a threshold below the face value, a rate outside (0, 1), a scope
without targets, an unknown currency — comes back as 422 with the domain's code
(``coupon.invalid_template``, ``money.unknown_currency``…), and nothing is written.

Money is :class:`~shop_adapters.http.schemas.MoneySchema` (an exact decimal string); a rate is an
exact decimal *string* too: ``"0.8"`` is 8折 (the fraction paid), never a float (MON-1).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Annotated, Any, Final

import msgspec
from msgspec import Meta

from shop_adapters.http.schemas import MoneySchema
from shop_app.coupons.queries import (
    CenterItem,
    CodeBatchView,
    TemplateStatistics,
    TemplateView,
    UsageEntry,
    Wallet,
    WalletItem,
)
from shop_app.coupons.results import Acquired, CouponOutcome, IssueReport
from shop_domain.coupons.batches import BatchState
from shop_domain.coupons.coupon import CouponState, Outcome, Via
from shop_domain.coupons.template import TemplateDefinition, TemplateState
from shop_domain.coupons.terms import (
    Acquisition,
    Benefit,
    Channel,
    ClaimWindow,
    CouponKind,
    CouponScope,
    CouponTerms,
    Distribution,
    Issuer,
    IssuerKind,
    Limits,
    ReturnPolicy,
    ScopeKind,
    Validity,
    ValidityKind,
)
from shop_domain.shared.money import Money

# --- limits -----------------------------------------------------------------------------------

MAX_NAME: Final = 200
"""Wire bound; the domain's own limit (100 after trimming) answers 422."""
MAX_DESCRIPTION: Final = 5_000
MAX_TARGETS: Final = 1_000
MAX_QUANTITY: Final = 1_000_000_000
MAX_POINTS: Final = 100_000_000
MAX_CODE: Final = 64
MAX_KEY: Final = 100
MAX_REASON: Final = 1_000
MAX_CODES_PER_REQUEST: Final = 100_000_000

RATE_PATTERN: Final = r"^[0-9]{1,3}(\.[0-9]{1,8})?$"

Name = Annotated[str, Meta(min_length=1, max_length=MAX_NAME, examples=["New user 10 off 100"])]
Description = Annotated[str, Meta(max_length=MAX_DESCRIPTION)]
Targets = Annotated[list[uuid.UUID], Meta(max_length=MAX_TARGETS)]
Quantity = Annotated[int, Meta(ge=1, le=MAX_QUANTITY)]
Rate = Annotated[
    str,
    Meta(
        pattern=RATE_PATTERN,
        description="The fraction paid, as an exact decimal string: '0.8' is 8折 (20% off). "
        "Strictly between 0 and 1, at most 4 decimal places. Never a float.",
        examples=["0.8"],
    ),
]
Moment = Annotated[
    dt.datetime,
    Meta(tz=True, description="ISO 8601 with a timezone", examples=["2026-06-01T00:00:00+08:00"]),
]
CampaignKey = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_KEY,
        description="Why the coupons are issued; issuing is idempotent per (campaign key, user)",
        examples=["spring-compensation-2026"],
    ),
]


class _In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are an error, not silently ignored."""


def _money(value: Money | None) -> MoneySchema | None:
    return None if value is None else MoneySchema.from_domain(value)


def _domain_money(value: MoneySchema | None) -> Money | None:
    return None if value is None else value.to_domain()


def _any(value: object) -> Any:
    """mypy's attrs plugin cannot type ``CouponTerms.channels`` (its converter is the generic
    ``frozenset``), so the value is passed untyped."""
    return value


def _sorted(ids: frozenset[uuid.UUID]) -> list[uuid.UUID]:
    return sorted(ids)


# --- the parts of a template definition (in and out) -----------------------------------------


class ScopeSchema(_In):
    """Which goods the coupon applies to. ``kind`` names the targets that count (``categories``
    → ``category_ids``…; ``products`` takes SPUs and/or SKUs; ``shop`` takes ``shop_id``);
    exclusions apply whatever the kind and always win."""

    kind: ScopeKind = ScopeKind.ALL
    category_ids: Targets = []
    brand_ids: Targets = []
    product_ids: Targets = []
    sku_ids: Targets = []
    shop_id: uuid.UUID | None = None
    excluded_category_ids: Targets = []
    excluded_brand_ids: Targets = []
    excluded_product_ids: Targets = []
    excluded_sku_ids: Targets = []

    def to_domain(self) -> CouponScope:
        return CouponScope(
            kind=self.kind,
            category_ids=frozenset(self.category_ids),
            brand_ids=frozenset(self.brand_ids),
            product_ids=frozenset(self.product_ids),
            sku_ids=frozenset(self.sku_ids),
            shop_id=self.shop_id,
            excluded_category_ids=frozenset(self.excluded_category_ids),
            excluded_brand_ids=frozenset(self.excluded_brand_ids),
            excluded_product_ids=frozenset(self.excluded_product_ids),
            excluded_sku_ids=frozenset(self.excluded_sku_ids),
        )

    @classmethod
    def of(cls, scope: CouponScope) -> ScopeSchema:
        return cls(
            kind=scope.kind,
            category_ids=_sorted(scope.category_ids),
            brand_ids=_sorted(scope.brand_ids),
            product_ids=_sorted(scope.product_ids),
            sku_ids=_sorted(scope.sku_ids),
            shop_id=scope.shop_id,
            excluded_category_ids=_sorted(scope.excluded_category_ids),
            excluded_brand_ids=_sorted(scope.excluded_brand_ids),
            excluded_product_ids=_sorted(scope.excluded_product_ids),
            excluded_sku_ids=_sorted(scope.excluded_sku_ids),
        )


class IssuerSchema(_In):
    """Who issues the coupon and bears its cost: the platform, or one shop (``shop_id``)."""

    kind: IssuerKind = IssuerKind.PLATFORM
    shop_id: uuid.UUID | None = None

    def to_domain(self) -> Issuer:
        return Issuer(kind=self.kind, shop_id=self.shop_id)

    @classmethod
    def of(cls, issuer: Issuer) -> IssuerSchema:
        return cls(kind=issuer.kind, shop_id=issuer.shop_id)


class ValiditySchema(_In):
    """When a coupon can be used: ``absolute`` (``starts_at`` .. ``ends_at``) or ``relative``
    (``days`` from the moment it is acquired)."""

    kind: ValidityKind
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    days: Annotated[int, Meta(ge=0, le=100_000)] | None = None

    def to_domain(self) -> Validity:
        return Validity(
            kind=self.kind, starts_at=self.starts_at, ends_at=self.ends_at, days=self.days
        )

    @classmethod
    def of(cls, validity: Validity) -> ValiditySchema:
        return cls(
            kind=validity.kind,
            starts_at=validity.starts_at,
            ends_at=validity.ends_at,
            days=validity.days,
        )


class LimitsSchema(_In):
    """How many coupons the template hands out in all, and to one user (in all, per day);
    ``null`` per-user limits mean no limit."""

    total_quantity: Quantity
    per_user: Quantity | None = None
    per_user_per_day: Quantity | None = None

    def to_domain(self) -> Limits:
        return Limits(
            total_quantity=self.total_quantity,
            per_user=self.per_user,
            per_user_per_day=self.per_user_per_day,
        )

    @classmethod
    def of(cls, limits: Limits) -> LimitsSchema:
        return cls(
            total_quantity=limits.total_quantity,
            per_user=limits.per_user,
            per_user_per_day=limits.per_user_per_day,
        )


class ClaimWindowSchema(_In):
    """When the template may be claimed; either end may be open (``null``)."""

    starts_at: Moment | None = None
    ends_at: Moment | None = None

    def to_domain(self) -> ClaimWindow:
        return ClaimWindow(starts_at=self.starts_at, ends_at=self.ends_at)

    @classmethod
    def of(cls, window: ClaimWindow) -> ClaimWindowSchema:
        return cls(starts_at=window.starts_at, ends_at=window.ends_at)


class TemplateDefinitionSchema(_In):
    """Everything an operator defines about a coupon template (CPN-1).

    - ``kind``: ``cash`` (``value`` off, no threshold), ``threshold`` (满X减Y: ``value`` off
      from ``threshold``), ``rate`` (折扣: pay ``rate`` of the price, optionally capped by
      ``max_discount``, optionally from ``threshold``);
    - ``scope`` with exclusions, ``issuer``, ``channels``, ``validity``, ``limits``,
      ``claim_window``;
    - ``distribution``: ``claimable`` (coupon center and codes), ``issue_only`` (handed out by
      operators and triggers), ``both``; ``points``: 0 for free, else the points price;
    - ``public``: shown in the coupon center; ``stackable`` with other coupons;
      ``combinable_with_promotions``; ``return_policy`` (CPN-10); ``public_code``: one shared
      code (4..32 letters and digits; case, spaces and dashes are ignored).

    A template read back (``GET``) carries its definition in exactly this shape, so it can be
    edited and sent back with ``PUT``.
    """

    name: Name
    kind: CouponKind
    validity: ValiditySchema
    limits: LimitsSchema
    description: Description = ""
    value: MoneySchema | None = None
    """Face value of a cash or threshold coupon."""
    rate: Rate | None = None
    threshold: MoneySchema | None = None
    max_discount: MoneySchema | None = None
    scope: ScopeSchema = msgspec.field(default_factory=ScopeSchema)
    issuer: IssuerSchema = msgspec.field(default_factory=IssuerSchema)
    channels: Annotated[list[Channel], Meta(max_length=16)] = msgspec.field(
        default_factory=lambda: sorted(Channel)
    )
    """Where the coupon may be used; all channels unless told."""
    claim_window: ClaimWindowSchema = msgspec.field(default_factory=ClaimWindowSchema)
    distribution: Distribution = Distribution.CLAIMABLE
    points: Annotated[int, Meta(ge=0, le=MAX_POINTS)] = 0
    public: bool = True
    stackable: bool = False
    combinable_with_promotions: bool = True
    return_policy: ReturnPolicy = ReturnPolicy.ON_FULL_REFUND
    public_code: Annotated[str, Meta(min_length=1, max_length=MAX_CODE)] | None = None

    def to_domain(self) -> TemplateDefinition:
        """The domain definition; raises the domain's ``InvalidValue`` errors (→ 422)."""
        benefit = Benefit(
            kind=self.kind,
            value=_domain_money(self.value),
            rate=None if self.rate is None else decimal.Decimal(self.rate),
            threshold=_domain_money(self.threshold),
            max_discount=_domain_money(self.max_discount),
        )
        terms = CouponTerms(
            benefit=benefit,
            scope=self.scope.to_domain(),
            channels=_any(frozenset(self.channels)),
            stackable=self.stackable,
            combinable_with_promotions=self.combinable_with_promotions,
        )
        definition = TemplateDefinition(
            name=self.name,
            description=self.description,
            terms=terms,
            issuer=self.issuer.to_domain(),
            validity=self.validity.to_domain(),
            limits=self.limits.to_domain(),
            claim_window=self.claim_window.to_domain(),
            distribution=self.distribution,
            acquisition=Acquisition(points=self.points),
            public=self.public,
            return_policy=self.return_policy,
            public_code=self.public_code,
        )
        _ = definition.currency  # a rate coupon states its currency through an amount
        return definition

    @classmethod
    def of(cls, definition: TemplateDefinition) -> TemplateDefinitionSchema:
        benefit = definition.terms.benefit
        return cls(
            name=definition.name,
            description=definition.description,
            kind=benefit.kind,
            value=_money(benefit.value),
            rate=None if benefit.rate is None else str(benefit.rate),
            threshold=_money(benefit.threshold),
            max_discount=_money(benefit.max_discount),
            scope=ScopeSchema.of(definition.terms.scope),
            issuer=IssuerSchema.of(definition.issuer),
            channels=sorted(definition.terms.channels),
            validity=ValiditySchema.of(definition.validity),
            limits=LimitsSchema.of(definition.limits),
            claim_window=ClaimWindowSchema.of(definition.claim_window),
            distribution=definition.distribution,
            points=definition.acquisition.points,
            public=definition.public,
            stackable=definition.terms.stackable,
            combinable_with_promotions=definition.terms.combinable_with_promotions,
            return_policy=definition.return_policy,
            public_code=definition.public_code,
        )


# --- requests ---------------------------------------------------------------------------------


class IssueIn(_In):
    """CPN-3: give one coupon to each user (at most the installation's ``max_issue_batch``
    users a request; larger lists go through ``issue-segment``)."""

    campaign_key: CampaignKey
    user_ids: Annotated[list[uuid.UUID], Meta(min_length=1)]


class CodeBatchIn(_In):
    """How many unique one-time codes to generate (CPN-4)."""

    count: Annotated[int, Meta(ge=1, le=MAX_CODES_PER_REQUEST)]


class RedeemIn(_In):
    code: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=MAX_CODE,
            description="A shared code or a one-time code; case, spaces and dashes are ignored",
        ),
    ]


class VoidIn(_In):
    reason: Annotated[str, Meta(min_length=1, max_length=MAX_REASON)]


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
    action: str
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
            action=entry.action.value,
            discount=MoneySchema.from_domain(entry.discount),
            order_amount=MoneySchema.from_domain(entry.order_amount),
            at=entry.at,
        )


class CodeBatchOut(msgspec.Struct, frozen=True):
    """A batch of one-time codes: ``generated`` of ``requested`` so far; ``ready`` when full."""

    id: uuid.UUID
    template_id: uuid.UUID
    requested: int
    generated: int
    state: BatchState
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
            state=view.state,
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
    validity: ValiditySchema
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
            validity=ValiditySchema.of(item.validity),
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
    "ClaimWindowSchema",
    "CodeBatchAccepted",
    "CodeBatchIn",
    "CodeBatchOut",
    "IssueIn",
    "IssueReportOut",
    "IssuedTo",
    "IssuerSchema",
    "LimitsSchema",
    "RedeemIn",
    "RefusedFor",
    "ScopeSchema",
    "SegmentAccepted",
    "StatisticsOut",
    "TemplateDefinitionSchema",
    "TemplateOut",
    "TermsOut",
    "UsageEntryOut",
    "ValiditySchema",
    "VoidIn",
    "VoidOut",
    "WalletItemOut",
    "WalletOut",
]
