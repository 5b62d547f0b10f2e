"""The bounded contexts of this shop, in one list: the only kernel file a new context edits.

Each entry is a :class:`~shop_adapters.plugin.ContextPlugin`; the composition root, the unit of
work, the schema, the HTTP app and the command line find everything a context brings here.
The order is the order of their tables (a context's foreign keys point to earlier ones).
"""

from __future__ import annotations

from shop_adapters.plugin import ContextPlugin
from shop_adapters.plugins import (
    carts,
    catalog,
    coupons,
    fulfillment,
    giftcards,
    loyalty,
    ordering,
    pricing,
)

CONTEXTS: tuple[ContextPlugin, ...] = (
    catalog.PLUGIN,
    coupons.PLUGIN,
    giftcards.PLUGIN,
    pricing.PLUGIN,
    loyalty.PLUGIN,
    fulfillment.PLUGIN,
    carts.PLUGIN,
    ordering.PLUGIN,
)

__all__ = ["CONTEXTS"]
