"""What pricing knows of a customer's coupons (CPN-6..8): its own view of a coupon, filled by
the application from the coupons context (the domain's contexts do not import each other).

A :class:`WalletCoupon` says what the coupon takes off (:class:`CouponBenefit`), on which goods
(:class:`CouponGoods`), on which channels, whether it stacks with other coupons (CPN-8) and
whether it combines with promotions (PRO-6), and when it may be used.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Iterable

import attrs

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.support import check_money, check_rate, rate_off
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.terms import ALL_CHANNELS, Channel, TargetKind, Window, target_keys
from shop_domain.shared.money import Money

Key = tuple[TargetKind, uuid.UUID | None]

PLATFORM: Key = (TargetKind.PLATFORM, None)


class BenefitKind(enum.StrEnum):
    CASH = "cash"
    """A fixed amount off, no threshold."""
    THRESHOLD = "threshold"
    """满X减Y: a fixed amount off once the goods in scope reach X."""
    RATE = "rate"
    """A fraction paid (0.8 is 8折), optionally from a threshold and up to a cap."""


@attrs.frozen
class CouponBenefit:
    kind: BenefitKind
    value: Money | None = None
    rate: decimal.Decimal | None = None
    threshold: Money | None = None
    cap: Money | None = None

    def __attrs_post_init__(self) -> None:
        amounts = [m for m in (self.value, self.threshold, self.cap) if m is not None]
        for amount in amounts:
            check_money(amount, "an amount of a coupon")
        if len({amount.currency for amount in amounts}) != 1:
            raise InvalidPromotion("a coupon states one currency, through at least one amount")
        if self.kind is BenefitKind.RATE:
            check_rate(self.rate, "a coupon's rate")
            if self.value is not None:
                raise InvalidPromotion("a rate coupon has a rate, not a face value")
        elif self.value is None or self.rate is not None or self.cap is not None:
            raise InvalidPromotion("a cash or threshold coupon has a face value only")
        if self.kind is BenefitKind.THRESHOLD and self.threshold is None:
            raise InvalidPromotion("a threshold coupon has a threshold")
        if self.kind is BenefitKind.CASH and self.threshold is not None:
            raise InvalidPromotion("a cash coupon has no threshold")

    @property
    def currency(self) -> str:
        for amount in (self.value, self.threshold, self.cap):
            if amount is not None:
                return amount.currency
        raise AssertionError("checked when built")  # pragma: no cover

    @property
    def face_value(self) -> Money | None:
        """The most it can take off: its value, or a rate coupon's cap (None: no cap)."""
        return self.value if self.value is not None else self.cap

    def slope(self) -> decimal.Decimal | None:
        """How much of a rise in the goods in scope the discount may follow at most: ``1 -
        rate`` for a rate coupon and 1 for a cash coupon without a threshold; None when a
        threshold makes it jump (the search's bound reads this)."""
        if self.threshold is not None:
            return None
        if self.kind is BenefitKind.RATE:
            assert self.rate is not None
            return decimal.Decimal(1) - self.rate
        return decimal.Decimal(1)

    def threshold_minor(self) -> int:
        return 0 if self.threshold is None else self.threshold.minor

    def discount_minor(self, eligible: int) -> int:
        """What it takes off ``eligible`` minor units of goods in scope: nothing below the
        threshold; never more than ``eligible`` (MON-4); a rate rounded half-up once (MON-2)."""
        if eligible <= 0 or eligible < self.threshold_minor():
            return 0
        if self.kind is BenefitKind.RATE:
            assert self.rate is not None
            off = rate_off(eligible, self.rate)
            if self.cap is not None:
                off = min(off, self.cap.minor)
        else:
            assert self.value is not None
            off = self.value.minor
        return min(off, eligible)


def _keys(values: Iterable[Key]) -> frozenset[Key]:
    return frozenset(values)


@attrs.frozen
class CouponGoods:
    """The goods a coupon applies to: an item is in scope when one of its keys (its SKU, SPU,
    categories, brand, shop, or the platform — :func:`target_keys`) is ``included`` and none is
    ``excluded``. ``narrowness`` ranks scopes for CPN-7's tie: 0 products, 1 categories or
    brands, 2 a shop, 3 everything."""

    included: frozenset[Key] = attrs.field(default=frozenset({PLATFORM}), converter=_keys)
    excluded: frozenset[Key] = attrs.field(default=frozenset(), converter=_keys)
    narrowness: int = 3

    def __attrs_post_init__(self) -> None:
        if not self.included:
            raise InvalidPromotion("a coupon's scope includes some goods")

    def covers(self, item: ItemFacts) -> bool:
        return self.covers_keys(frozenset(target_keys(item)))

    def covers_keys(self, keys: frozenset[Key]) -> bool:
        """:meth:`covers` for an item's keys found once (a cart checks many coupons)."""
        return self.excluded.isdisjoint(keys) and not self.included.isdisjoint(keys)


@attrs.frozen(kw_only=True)
class WalletCoupon:
    """One coupon of the customer's wallet, as pricing reads it (CPN-6)."""

    coupon_id: uuid.UUID
    name: str
    benefit: CouponBenefit
    goods: CouponGoods = attrs.field(factory=CouponGoods)
    channels: frozenset[Channel] = ALL_CHANNELS
    stackable: bool = False
    combinable_with_promotions: bool = True
    valid: Window | None = None
    """When it may be used (None: whenever it is available)."""
    available: bool = True
    """False when it is locked to another order, used, voided or expired."""

    def usable_at(self, at: dt.datetime, channel: Channel) -> bool:
        return (
            self.available
            and (self.valid is None or self.valid.contains(at))
            and channel in self.channels
        )


__all__ = ["BenefitKind", "CouponBenefit", "CouponGoods", "WalletCoupon"]
