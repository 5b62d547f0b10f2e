"""The pricing engine: ``price(cart, customer, at, channel, promotions, coupons, points,
choices) → Quote`` — the proven-best combination of promotions and coupons (PRO-4..6, CPN-6..8),
explained line by line (PRO-8, PRO-9, MON-3). Pure and synchronous (PRO-12)."""

from shop_domain.pricing.engine.errors import (
    CouponNotUsable,
    CouponsNotStackable,
    InvalidCart,
    InvalidChoice,
    NotEnoughPoints,
)
from shop_domain.pricing.engine.inputs import NO_CHOICES, CartLine, Choices, PointsOffer
from shop_domain.pricing.engine.price import price
from shop_domain.pricing.engine.quote import (
    AddOn,
    Adjustment,
    CouponVerdict,
    NotApplied,
    Quote,
    QuoteGift,
    QuoteLine,
    Source,
    Totals,
)
from shop_domain.pricing.engine.search import DEFAULT_BUDGET
from shop_domain.pricing.engine.wallet import BenefitKind, CouponBenefit, CouponGoods, WalletCoupon

__all__ = [
    "DEFAULT_BUDGET",
    "NO_CHOICES",
    "AddOn",
    "Adjustment",
    "BenefitKind",
    "CartLine",
    "Choices",
    "CouponBenefit",
    "CouponGoods",
    "CouponNotUsable",
    "CouponVerdict",
    "CouponsNotStackable",
    "InvalidCart",
    "InvalidChoice",
    "NotApplied",
    "NotEnoughPoints",
    "PointsOffer",
    "Quote",
    "QuoteGift",
    "QuoteLine",
    "Source",
    "Totals",
    "WalletCoupon",
    "price",
]
