"""The terms of a coupon template (CPN-1) as value objects.

Everything here is immutable and validates itself on construction. The pricing context reads
these terms (``Benefit.discount_for``, ``CouponScope.covers``) to apply coupons to a cart
(CPN-6..8); this context only stores and hands them out.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Iterable

import attrs

from shop_domain.coupons.errors import InvalidTemplate
from shop_domain.shared.money import Money


class CouponKind(enum.StrEnum):
    CASH = "cash"  # a fixed amount off, no threshold
    THRESHOLD = "threshold"  # 满X减Y
    RATE = "rate"  # 折扣: pay a fraction, optionally capped


RATE_PLACES = 4


@attrs.frozen
class Benefit:
    """What the coupon takes off. ``rate`` is the fraction paid (``0.8`` is 8折)."""

    kind: CouponKind
    value: Money | None = None
    rate: decimal.Decimal | None = None
    threshold: Money | None = None
    max_discount: Money | None = None

    def __attrs_post_init__(self) -> None:
        amounts = [m for m in (self.value, self.threshold, self.max_discount) if m is not None]
        if len({m.currency for m in amounts}) > 1:
            raise InvalidTemplate("every amount of a coupon is in one currency")
        if self.kind is CouponKind.RATE:
            self._check_rate()
        else:
            self._check_amount()

    def _check_amount(self) -> None:
        if self.value is None or not self.value.is_positive():
            raise InvalidTemplate("a cash or threshold coupon needs a positive face value")
        if self.rate is not None or self.max_discount is not None:
            raise InvalidTemplate("only a rate coupon has a rate or a maximum discount")
        if self.kind is CouponKind.CASH and self.threshold is not None:
            raise InvalidTemplate("a cash coupon has no threshold; use a threshold coupon")
        if self.kind is CouponKind.THRESHOLD:
            if self.threshold is None or not self.threshold.is_positive():
                raise InvalidTemplate("a threshold coupon needs a positive threshold")
            if self.value > self.threshold:
                raise InvalidTemplate("a threshold coupon cannot take off more than its threshold")

    def _check_rate(self) -> None:
        rate = self.rate
        if not isinstance(rate, decimal.Decimal) or not rate.is_finite():
            raise InvalidTemplate("a rate coupon needs an exact decimal rate (0.8 is 8折)")
        if not decimal.Decimal(0) < rate < decimal.Decimal(1):
            raise InvalidTemplate("the rate is the fraction paid, strictly between 0 and 1")
        if -rate.normalize().as_tuple().exponent > RATE_PLACES:  # type: ignore[operator]
            raise InvalidTemplate(f"the rate has at most {RATE_PLACES} decimal places")
        if self.value is not None:
            raise InvalidTemplate("a rate coupon has a rate, not a face value")
        if self.max_discount is not None and not self.max_discount.is_positive():
            raise InvalidTemplate("the maximum discount must be positive")
        if self.threshold is not None and not self.threshold.is_positive():
            raise InvalidTemplate("the threshold must be positive")

    @property
    def currency(self) -> str:
        for amount in (self.value, self.threshold, self.max_discount):
            if amount is not None:
                return amount.currency
        raise InvalidTemplate("a rate coupon states its currency through a threshold or a cap")

    def reaches_threshold(self, eligible: Money) -> bool:
        return self.threshold is None or eligible >= self.threshold

    def discount_for(self, eligible: Money) -> Money:
        """What this coupon takes off ``eligible`` (the amount of the lines in scope), never
        more than ``eligible`` itself (MON-4); zero below the threshold. A rate discount is
        rounded half-up once (MON-2): 8折 on 99.99 takes off 20.00."""
        if eligible.is_negative():
            raise InvalidTemplate("an eligible amount is never negative")
        if not self.reaches_threshold(eligible):
            return Money.zero(eligible.currency)
        if self.kind is CouponKind.RATE:
            assert self.rate is not None
            off = eligible.times(decimal.Decimal(1) - self.rate)
            if self.max_discount is not None:
                off = off.capped_at(self.max_discount)
        else:
            assert self.value is not None
            off = self.value
        return off.capped_at(eligible)


class ScopeKind(enum.StrEnum):
    ALL = "all"
    CATEGORIES = "categories"
    BRANDS = "brands"
    PRODUCTS = "products"  # SPUs and/or SKUs
    SHOP = "shop"


# CPN-7: on a tie, prefer the narrower scope (product over category over all)
NARROWNESS = {
    ScopeKind.PRODUCTS: 0,
    ScopeKind.CATEGORIES: 1,
    ScopeKind.BRANDS: 1,
    ScopeKind.SHOP: 2,
    ScopeKind.ALL: 3,
}


def _ids(values: Iterable[uuid.UUID]) -> frozenset[uuid.UUID]:
    return frozenset(values)


@attrs.frozen
class ScopeLine:
    """What the scope needs to know about a cart line."""

    sku_id: uuid.UUID
    product_id: uuid.UUID
    category_ids: frozenset[uuid.UUID]  # the leaf and its ancestors
    brand_id: uuid.UUID | None
    shop_id: uuid.UUID


@attrs.frozen
class CouponScope:
    """Which goods the coupon applies to, with exclusions that always win."""

    kind: ScopeKind = ScopeKind.ALL
    category_ids: frozenset[uuid.UUID] = attrs.field(default=frozenset(), converter=_ids)
    brand_ids: frozenset[uuid.UUID] = attrs.field(default=frozenset(), converter=_ids)
    product_ids: frozenset[uuid.UUID] = attrs.field(default=frozenset(), converter=_ids)
    sku_ids: frozenset[uuid.UUID] = attrs.field(default=frozenset(), converter=_ids)
    shop_id: uuid.UUID | None = None
    excluded_category_ids: frozenset[uuid.UUID] = attrs.field(default=frozenset(), converter=_ids)
    excluded_brand_ids: frozenset[uuid.UUID] = attrs.field(default=frozenset(), converter=_ids)
    excluded_product_ids: frozenset[uuid.UUID] = attrs.field(default=frozenset(), converter=_ids)
    excluded_sku_ids: frozenset[uuid.UUID] = attrs.field(default=frozenset(), converter=_ids)

    def __attrs_post_init__(self) -> None:
        required = {
            ScopeKind.CATEGORIES: self.category_ids,
            ScopeKind.BRANDS: self.brand_ids,
            ScopeKind.PRODUCTS: self.product_ids | self.sku_ids,
        }
        if self.kind in required and not required[self.kind]:
            raise InvalidTemplate(f"a {self.kind.value} scope names at least one target")
        if (self.kind is ScopeKind.SHOP) != (self.shop_id is not None):
            raise InvalidTemplate("a shop scope, and only a shop scope, names its shop")
        own = {
            ScopeKind.CATEGORIES: ("category_ids",),
            ScopeKind.BRANDS: ("brand_ids",),
            ScopeKind.PRODUCTS: ("product_ids", "sku_ids"),
        }.get(self.kind, ())
        for name in ("category_ids", "brand_ids", "product_ids", "sku_ids"):
            if name not in own and getattr(self, name):
                raise InvalidTemplate(f"a {self.kind.value} scope does not list {name}")

    @property
    def narrowness(self) -> int:
        return NARROWNESS[self.kind]

    def covers(self, line: ScopeLine) -> bool:
        if (
            line.sku_id in self.excluded_sku_ids
            or line.product_id in self.excluded_product_ids
            or line.category_ids & self.excluded_category_ids
            or (line.brand_id is not None and line.brand_id in self.excluded_brand_ids)
        ):
            return False
        match self.kind:
            case ScopeKind.ALL:
                return True
            case ScopeKind.SHOP:
                return line.shop_id == self.shop_id
            case ScopeKind.CATEGORIES:
                return bool(line.category_ids & self.category_ids)
            case ScopeKind.BRANDS:
                return line.brand_id is not None and line.brand_id in self.brand_ids
            case ScopeKind.PRODUCTS:
                return line.product_id in self.product_ids or line.sku_id in self.sku_ids
        return False  # pragma: no cover - every kind is matched above


class IssuerKind(enum.StrEnum):
    PLATFORM = "platform"
    SHOP = "shop"


@attrs.frozen
class Issuer:
    """Who issues the coupon and bears its cost."""

    kind: IssuerKind = IssuerKind.PLATFORM
    shop_id: uuid.UUID | None = None

    def __attrs_post_init__(self) -> None:
        if (self.kind is IssuerKind.SHOP) != (self.shop_id is not None):
            raise InvalidTemplate("a shop issuer, and only a shop issuer, names its shop")


class Channel(enum.StrEnum):
    APP = "app"
    H5 = "h5"
    WEB = "web"
    MINI_PROGRAM = "mini_program"


ALL_CHANNELS = frozenset(Channel)


class ValidityKind(enum.StrEnum):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"  # N days from the moment of claim


MAX_RELATIVE_DAYS = 3660


@attrs.frozen
class Validity:
    kind: ValidityKind
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    days: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.kind is ValidityKind.ABSOLUTE:
            if self.starts_at is None or self.ends_at is None or self.days is not None:
                raise InvalidTemplate("an absolute validity has a start and an end, no days")
            _aware(self.starts_at, self.ends_at)
            if self.ends_at <= self.starts_at:
                raise InvalidTemplate("the validity ends after it starts")
        else:
            if self.days is None or self.starts_at is not None or self.ends_at is not None:
                raise InvalidTemplate("a relative validity has a number of days only")
            days = self.days
            if isinstance(days, bool) or not isinstance(days, int):
                raise InvalidTemplate("a relative validity is a whole number of days")
            if not 1 <= days <= MAX_RELATIVE_DAYS:
                raise InvalidTemplate(f"a relative validity is 1..{MAX_RELATIVE_DAYS} days")

    @classmethod
    def absolute(cls, starts_at: dt.datetime, ends_at: dt.datetime) -> Validity:
        return cls(ValidityKind.ABSOLUTE, starts_at=starts_at, ends_at=ends_at)

    @classmethod
    def relative(cls, days: int) -> Validity:
        return cls(ValidityKind.RELATIVE, days=days)

    def window_for(self, acquired_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The coupon's ``[valid_from, valid_until)`` when acquired at ``acquired_at``."""
        if self.kind is ValidityKind.ABSOLUTE:
            assert self.starts_at is not None
            assert self.ends_at is not None
            return self.starts_at, self.ends_at
        assert self.days is not None
        return acquired_at, acquired_at + dt.timedelta(days=self.days)

    def ended_by(self, now: dt.datetime) -> bool:
        """Whether no coupon acquired at ``now`` could still be used."""
        return (
            self.kind is ValidityKind.ABSOLUTE and self.ends_at is not None and now >= self.ends_at
        )


def _aware(*moments: dt.datetime | None) -> None:
    for moment in moments:
        if moment is not None and moment.utcoffset() is None:
            raise InvalidTemplate("times carry a time zone")


@attrs.frozen
class ClaimWindow:
    """When the template may be claimed; either end may be open."""

    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None

    def __attrs_post_init__(self) -> None:
        _aware(self.starts_at, self.ends_at)
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise InvalidTemplate("the claim window ends after it starts")

    def contains(self, now: dt.datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and (
            self.ends_at is None or now < self.ends_at
        )


def _positive_or_none(_: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidTemplate(f"{attribute.name} is a positive whole number")


def _positive(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if value is None:
        raise InvalidTemplate(f"{attribute.name} is required")
    _positive_or_none(_, attribute, value)  # type: ignore[arg-type]


@attrs.frozen
class Limits:
    total_quantity: int = attrs.field(validator=_positive)
    per_user: int | None = attrs.field(default=None, validator=_positive_or_none)
    per_user_per_day: int | None = attrs.field(default=None, validator=_positive_or_none)

    def __attrs_post_init__(self) -> None:
        if (
            self.per_user is not None
            and self.per_user_per_day is not None
            and self.per_user_per_day > self.per_user
        ):
            raise InvalidTemplate("the daily limit cannot exceed the per-user limit")


class Distribution(enum.StrEnum):
    CLAIMABLE = "claimable"
    ISSUE_ONLY = "issue_only"
    BOTH = "both"

    @property
    def claimable(self) -> bool:
        return self is not Distribution.ISSUE_ONLY

    @property
    def issuable(self) -> bool:
        return self is not Distribution.CLAIMABLE


@attrs.frozen
class Acquisition:
    """Free, or exchanged for points (``points`` > 0)."""

    points: int = 0

    def __attrs_post_init__(self) -> None:
        if isinstance(self.points, bool) or not isinstance(self.points, int) or self.points < 0:
            raise InvalidTemplate("the points price is a whole number, 0 for free")

    @property
    def free(self) -> bool:
        return self.points == 0


class ReturnPolicy(enum.StrEnum):
    NON_RETURNABLE = "non_returnable"
    ON_FULL_REFUND = "on_full_refund"  # the default (CPN-10)


def _channels(values: Iterable[Channel]) -> frozenset[Channel]:
    """Typed, so that mypy accepts ``channels=[Channel.APP]`` (``converter=frozenset`` did not)."""
    return frozenset(values)


@attrs.frozen
class CouponTerms:
    """What a coupon means at checkout; the pricing context reads these."""

    benefit: Benefit
    scope: CouponScope = CouponScope()
    channels: frozenset[Channel] = attrs.field(default=ALL_CHANNELS, converter=_channels)
    stackable: bool = False
    combinable_with_promotions: bool = True

    def __attrs_post_init__(self) -> None:
        if not self.channels:
            raise InvalidTemplate("a coupon is usable on at least one channel")
        for channel in self.channels:
            if not isinstance(channel, Channel):
                raise InvalidTemplate(f"unknown channel {channel!r}")
