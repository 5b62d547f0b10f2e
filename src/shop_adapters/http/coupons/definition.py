"""A coupon template's definition on the wire (CPN-1), in and out: what an operator sends to
define or edit a template, and what a read gives back in exactly that shape (so it can be edited
and sent back with ``PUT``).

The schema says what the server takes (``docs/http.md``): names and descriptions within the
domain's limits (:data:`NAME_MAX`, :data:`DESCRIPTION_MAX`), a face value and a cap more than
zero, a threshold not negative, currencies the server knows, a rate strictly between 0 and 1
with at most :data:`RATE_PLACES` significant decimals, relative validity of 1 to
:data:`MAX_RELATIVE_DAYS` days, quantities and points with a maximum, a public code of 4 to 32
letters and digits. What only the domain can judge — a threshold below the face value, a scope
without targets, a window that ends before it starts, amounts in two currencies — comes back as
422 ``coupon.invalid_template`` (or ``money.*``), and nothing is written.

Money is :class:`~shop_adapters.http.schemas.MoneyIn` / ``PositiveMoneyIn`` (an exact decimal
string); a rate is an exact decimal *string* too: ``"0.8"`` is 8折 (the fraction paid), never a
float (MON-1).
"""

from __future__ import annotations

import decimal
import uuid
from typing import Annotated, Any, Final, TypeVar

import msgspec
from msgspec import Meta

from shop_adapters.http.schemas import (
    Moment,
    MoneyIn,
    MoneySchema,
    PositiveMoneyIn,
    bounded_int,
    text,
)
from shop_domain.coupons.template import DESCRIPTION_MAX, NAME_MAX, TemplateDefinition
from shop_domain.coupons.terms import (
    MAX_RELATIVE_DAYS,
    RATE_PLACES,
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

# --- limits of the wire (the domain's own limits are imported above) ---------------------------

MAX_TARGETS: Final = 1_000
MAX_QUANTITY: Final = 1_000_000_000
MAX_POINTS: Final = 100_000_000
MAX_CODE: Final = 64
"""A code as typed, spaces and dashes included."""

RATE_PATTERN: Final = rf"^0\.[0-9]{{0,{RATE_PLACES - 1}}}[1-9]0{{0,4}}$"
"""``0.8``, ``0.75``, ``0.0001``: more than 0, less than 1, at most :data:`RATE_PLACES`
significant decimals (a few trailing zeros are fine)."""
PUBLIC_CODE_PATTERN: Final = r"^[ -]*([A-Za-z0-9][ -]*){4,32}$"
"""4 to 32 letters and digits; spaces and dashes are ignored, case too."""

Name = Annotated[str, text(NAME_MAX, min_length=1, examples=["New user 10 off 100"])]
Description = Annotated[str, text(DESCRIPTION_MAX)]
Targets = Annotated[list[uuid.UUID], Meta(max_length=MAX_TARGETS)]
Quantity = Annotated[int, bounded_int(1, MAX_QUANTITY)]
Rate = Annotated[
    str,
    Meta(
        pattern=RATE_PATTERN,
        description="The fraction paid, as an exact decimal string: '0.8' is 8折 (20% off). "
        f"Strictly between 0 and 1, at most {RATE_PLACES} decimal places. Never a float.",
        examples=["0.8"],
    ),
]


class _In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are an error, not silently ignored."""


_M = TypeVar("_M", MoneyIn, PositiveMoneyIn)


def _money_in(value: Money | None, kind: type[_M]) -> _M | None:
    """A definition read back in the shape it is sent (its amounts met the input rules)."""
    if value is None:
        return None
    wire = MoneySchema.from_domain(value)
    return kind(amount=wire.amount, currency=wire.currency)


def _domain_money(value: MoneyIn | PositiveMoneyIn | None) -> Money | None:
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


class CouponValiditySchema(_In):
    """When a coupon can be used: ``absolute`` (``starts_at`` .. ``ends_at``) or ``relative``
    (``days`` from the moment it is acquired)."""

    kind: ValidityKind
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    days: Annotated[int, bounded_int(1, MAX_RELATIVE_DAYS)] | None = None

    def to_domain(self) -> Validity:
        return Validity(
            kind=self.kind, starts_at=self.starts_at, ends_at=self.ends_at, days=self.days
        )

    @classmethod
    def of(cls, validity: Validity) -> CouponValiditySchema:
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
    validity: CouponValiditySchema
    limits: LimitsSchema
    description: Description = ""
    value: PositiveMoneyIn | None = None
    """Face value of a cash or threshold coupon."""
    rate: Rate | None = None
    threshold: MoneyIn | None = None
    max_discount: PositiveMoneyIn | None = None
    scope: ScopeSchema = msgspec.field(default_factory=ScopeSchema)
    issuer: IssuerSchema = msgspec.field(default_factory=IssuerSchema)
    channels: Annotated[list[Channel], Meta(min_length=1, max_length=len(Channel))] = msgspec.field(
        default_factory=lambda: sorted(Channel)
    )
    """Where the coupon may be used; all channels unless told."""
    claim_window: ClaimWindowSchema = msgspec.field(default_factory=ClaimWindowSchema)
    distribution: Distribution = Distribution.CLAIMABLE
    points: Annotated[int, bounded_int(0, MAX_POINTS)] = 0
    public: bool = True
    stackable: bool = False
    combinable_with_promotions: bool = True
    return_policy: ReturnPolicy = ReturnPolicy.ON_FULL_REFUND
    public_code: (
        Annotated[
            str,
            Meta(
                pattern=PUBLIC_CODE_PATTERN,
                max_length=MAX_CODE,
                description="One shared code: 4 to 32 letters and digits (case, spaces and "
                "dashes are ignored)",
                examples=["SPRING-2026"],
            ),
        ]
        | None
    ) = None

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
            value=_money_in(benefit.value, PositiveMoneyIn),
            rate=None if benefit.rate is None else str(benefit.rate),
            threshold=_money_in(benefit.threshold, MoneyIn),
            max_discount=_money_in(benefit.max_discount, PositiveMoneyIn),
            scope=ScopeSchema.of(definition.terms.scope),
            issuer=IssuerSchema.of(definition.issuer),
            channels=sorted(definition.terms.channels),
            validity=CouponValiditySchema.of(definition.validity),
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


__all__ = [
    "MAX_CODE",
    "ClaimWindowSchema",
    "CouponValiditySchema",
    "IssuerSchema",
    "LimitsSchema",
    "ScopeSchema",
    "TemplateDefinitionSchema",
]
