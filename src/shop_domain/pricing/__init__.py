"""Pricing and promotions (PRO-1..12).

- :mod:`.promotion` — the Promotion aggregate: a kind with its parameters, its window,
  channels, audience, goods, limits, priority and issuer; draft → scheduled → active ⇄ paused →
  ended (PRO-2); its level (PRO-4);
- :mod:`.kinds` — each kind its own type in one registry (PRO-1), evaluated on the lines it
  targets into effects, or a miss with what is missing (PRO-8);
- :mod:`.conflicts` — PRO-3's check, through an index of targets;
- :mod:`.terms`, :mod:`.lines` — the parts of a definition, and cart lines as pricing sees them.

The engine that finds the best price of a cart over all of them comes next (issue 12).
"""

from shop_domain.pricing.conflicts import ConflictIndex
from shop_domain.pricing.errors import (
    InvalidPromotion,
    PromotionConflict,
    PromotionNotFound,
    PromotionStateConflict,
    UnknownPromotionKind,
)
from shop_domain.pricing.lines import ItemFacts, Line
from shop_domain.pricing.promotion import (
    Clash,
    Level,
    Promotion,
    PromotionDefinition,
    PromotionStatus,
)
from shop_domain.pricing.terms import (
    ALL_CHANNELS,
    Audience,
    AudienceKind,
    Channel,
    CustomerFacts,
    Issuer,
    IssuerKind,
    PromotionLimits,
    TargetKind,
    Targets,
    Window,
)

__all__ = [
    "ALL_CHANNELS",
    "Audience",
    "AudienceKind",
    "Channel",
    "Clash",
    "ConflictIndex",
    "CustomerFacts",
    "InvalidPromotion",
    "Issuer",
    "IssuerKind",
    "ItemFacts",
    "Level",
    "Line",
    "Promotion",
    "PromotionConflict",
    "PromotionDefinition",
    "PromotionLimits",
    "PromotionNotFound",
    "PromotionStateConflict",
    "PromotionStatus",
    "TargetKind",
    "Targets",
    "UnknownPromotionKind",
    "Window",
]
