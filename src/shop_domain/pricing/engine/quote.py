"""The quote (PRO-8, CPN-7): the best price of a cart, explained line by line.

Every amount a quote shows is accounted for: a line's final amount is its list amount less its
adjustments, the totals are the sums of the lines, and every order-level amount (a threshold's
reduction, a coupon, points) is split over the lines by MON-3, so that after-sales can refund a
line exactly what it paid. Gifts carry their value allocated over the lines that earned them
(PRO-9).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping

import attrs

from shop_domain.shared.money import Money


class Source(enum.StrEnum):
    PROMOTION = "promotion"
    COUPON = "coupon"
    POINTS = "points"


@attrs.frozen
class Adjustment:
    """``amount`` taken off a line by ``source`` (a promotion of ``level``, a coupon, points)."""

    source: Source
    source_id: uuid.UUID | None
    name: str
    level: str
    """``item``, ``bundle``, ``shop``, ``order`` for a promotion; ``coupon``; ``points``."""
    amount: Money


@attrs.frozen
class QuoteLine:
    line_id: str
    sku_id: uuid.UUID
    quantity: int
    list_unit_price: Money
    list_amount: Money
    adjustments: tuple[Adjustment, ...]
    final_amount: Money
    """What the line pays: its list amount less every adjustment, never below zero."""
    add_on_of: uuid.UUID | None = None
    add_on_granted: bool = False


@attrs.frozen
class QuoteGift:
    """A gift given by ``promotion_id``: ``quantity`` of ``sku_id`` worth ``value`` each, at
    ``price`` each for an add-price gift; ``shares`` its whole value over the lines that earned
    it (PRO-9)."""

    promotion_id: uuid.UUID
    name: str
    sku_id: uuid.UUID
    quantity: int
    value: Money
    price: Money | None
    shares: Mapping[str, Money]


@attrs.frozen
class AddOn:
    """An add-on purchase the cart has earned: up to ``quantity`` of ``sku_id`` at ``price``."""

    promotion_id: uuid.UUID
    name: str
    sku_id: uuid.UUID
    price: Money
    quantity: int


@attrs.frozen
class NotApplied:
    """An offer that fits the cart but is not in the price (PRO-8): why, and what is missing —
    ``hint`` is set for an applied tiered offer whose next tier is near."""

    promotion_id: uuid.UUID
    name: str
    tag: str
    level: str
    reason: str
    message: str
    missing_amount: Money | None = None
    missing_count: int | None = None


@attrs.frozen
class CouponVerdict:
    """A coupon of the wallet on this cart (CPN-6, CPN-7)."""

    coupon_id: uuid.UUID
    name: str
    usable: bool
    reason: str | None
    """A stable code when not usable (``coupon.below_threshold``…), or why it is not chosen."""
    message: str
    saving: Money
    """What it takes off used alone on this cart."""
    chosen: bool = False
    needs_confirmation: bool = False
    """A cash coupon worth more than it can take off here: the customer confirms (CPN-7)."""
    missing_amount: Money | None = None


@attrs.frozen
class Totals:
    list_total: Money
    promotion_discount: Money
    coupon_discount: Money
    points_discount: Money
    payable: Money
    points_used: int
    gift_value: Money


@attrs.frozen
class Quote:
    currency: str
    lines: tuple[QuoteLine, ...]
    totals: Totals
    gifts: tuple[QuoteGift, ...]
    add_ons: tuple[AddOn, ...]
    not_applied: tuple[NotApplied, ...]
    coupons: tuple[CouponVerdict, ...]
    chosen_coupons: tuple[uuid.UUID, ...]
    """The coupons in the price: the customer's, or the recommended set (CPN-7, CPN-8)."""
    recommended: bool
    max_points: int
    """The most points this cart may be paid with (PTS-4)."""
    proven_best: bool
    """Whether the search proved no other combination saves more (else it ran out of
    budget and this is the best it found)."""
    explored: int


__all__ = [
    "AddOn",
    "Adjustment",
    "CouponVerdict",
    "NotApplied",
    "Quote",
    "QuoteGift",
    "QuoteLine",
    "Source",
    "Totals",
]
