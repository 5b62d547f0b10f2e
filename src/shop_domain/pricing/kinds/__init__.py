"""The promotion kinds (PRO-1), each its own type in one registry (see :mod:`.base`).

Importing this package registers every kind."""

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

__all__ = [
    "AddOnOffer",
    "Applied",
    "Context",
    "Effect",
    "Gift",
    "GiftGrant",
    "Missed",
    "Outcome",
    "PriceCut",
    "PromotionKind",
    "Reduction",
    "Stage",
    "kind_named",
    "kinds",
    "register",
]
