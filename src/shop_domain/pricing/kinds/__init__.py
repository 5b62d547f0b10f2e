"""The promotion kinds (PRO-1), each its own type in one registry (see :mod:`.base`).

Importing this package registers every kind of ours:

- item level (:mod:`.item_prices`): ``FlashPrice``, ``SpecialPrice``, ``DirectReduction``,
  ``PercentOff``, ``MemberPrice``;
- bundle level (:mod:`.bundles`, :mod:`.purchase_gifts`): ``BundlePrice``, ``MultiBuyPrice``,
  ``MultiBuyRate``, ``PurchaseGift``;
- thresholds (:mod:`.thresholds`, :mod:`.gifts`, :mod:`.addons`): ``TieredReduction``,
  ``PerEachReduction``, ``ThresholdDiscount``, ``ThresholdGift``, ``AddPriceGift``,
  ``AddOnPurchase``.

A kind of an embedder's registers the same way (``@register`` on a frozen attrs class with a
``name``, a ``stage``, ``evaluate`` and ``tag``).
"""

from shop_domain.pricing.kinds.addons import AddOnItem, AddOnPurchase
from shop_domain.pricing.kinds.base import (
    AddOnOffer,
    Applied,
    Context,
    Effect,
    Gift,
    GiftGrant,
    Missed,
    Outcome,
    PriceCut,
    PromotionKind,
    Reduction,
    Stage,
    kind_named,
    kinds,
    register,
)
from shop_domain.pricing.kinds.bundles import BundleItem, BundlePrice, MultiBuyPrice, MultiBuyRate
from shop_domain.pricing.kinds.gifts import (
    AddPriceGift,
    GiftPool,
    GiftTier,
    PoolGift,
    ThresholdGift,
)
from shop_domain.pricing.kinds.item_prices import (
    DirectReduction,
    FlashPrice,
    MemberPrice,
    MemberTier,
    PercentOff,
    SpecialPrice,
)
from shop_domain.pricing.kinds.purchase_gifts import GiftPerUnit, PurchaseGift
from shop_domain.pricing.kinds.thresholds import (
    DiscountTier,
    PerEachReduction,
    ReductionTier,
    ThresholdDiscount,
    TieredReduction,
)

__all__ = [
    "AddOnItem",
    "AddOnOffer",
    "AddOnPurchase",
    "AddPriceGift",
    "Applied",
    "BundleItem",
    "BundlePrice",
    "Context",
    "DirectReduction",
    "DiscountTier",
    "Effect",
    "FlashPrice",
    "Gift",
    "GiftGrant",
    "GiftPerUnit",
    "GiftPool",
    "GiftTier",
    "MemberPrice",
    "MemberTier",
    "Missed",
    "MultiBuyPrice",
    "MultiBuyRate",
    "Outcome",
    "PercentOff",
    "PerEachReduction",
    "PoolGift",
    "PriceCut",
    "PromotionKind",
    "PurchaseGift",
    "Reduction",
    "ReductionTier",
    "SpecialPrice",
    "Stage",
    "ThresholdDiscount",
    "ThresholdGift",
    "TieredReduction",
    "kind_named",
    "kinds",
    "register",
]
