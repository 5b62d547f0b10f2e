"""What pricing offers adapters besides the bus: the read side of promotions and PRO-3's dry
run. Every change is a command sent through the bus (decision 0027)."""

from __future__ import annotations

import attrs

from shop_app.pricing.clashes import ConflictCheck
from shop_app.pricing.queries import PromotionQueries


@attrs.define(eq=False)
class PricingServices:
    queries: PromotionQueries
    conflicts: ConflictCheck
