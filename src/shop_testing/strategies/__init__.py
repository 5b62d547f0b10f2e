"""Hypothesis strategies for the domain of ``shop``, context by context, to property-test your
own rules on ours (``from shop_testing.strategies import money, products, gift_cards``).

Every strategy is **valid by construction**: it builds real domain objects through the
domain's own constructors, factories and methods, so the domain's validation runs on each draw,
and the draws are made so that it passes — no ``assume`` or ``filter`` throws examples away.
Each one reaches the edges (zero-decimal currencies, limits of one, a validity that ends
exactly at ``now``, a category tree at the depth limit, a card in every state) and shrinks to a
small readable example (0 CNY, the name ``"a"``, a one-line cart).

Strategies that involve time take ``now`` (default :data:`NOW`) and draw moments around it.

- :mod:`~shop_testing.strategies.amounts` — currencies, amounts, allocation inputs (MON-1..4);
- :mod:`~shop_testing.strategies.catalog` — category trees with attributes, brands (CAT);
- :mod:`~shop_testing.strategies.products` — products (SPU) with their SKUs, listed or not (CAT);
- :mod:`~shop_testing.strategies.coupons` — coupon terms of every kind, limits, validity,
  definitions and templates (CPN);
- :mod:`~shop_testing.strategies.promotions`, :mod:`~.pricing_items`,
  :mod:`~.pricing_thresholds` — promotions of every kind and status, cart lines as pricing
  sees them (PRO-1, PRO-2);
- :mod:`~shop_testing.strategies.wallets` — claimed coupons in every state (CPN-5, CPN-12);
- :mod:`~shop_testing.strategies.giftcards` — validities, batch definitions, batches and cards
  in every state (GC);
- :mod:`~shop_testing.strategies.phones` — canonical phone numbers and the ways people type
  them (GC-5, MEM);
- :mod:`~shop_testing.strategies.points` — time zones, expiry policies, programmes, grant
  instants near year ends, accounts with history, membership rules, growth steps and mall items
  (PTS, MEM);
- :mod:`~shop_testing.strategies.orders` — priced lines over several shops (physical, virtual,
  cross-border), shipping fees, gift-card amounts and value limits: the input of the order split
  (ORD-2, ORD-3, MON-4);
- :mod:`~shop_testing.strategies.carts` — carts of listed SKUs across shops (a provisional
  shape until the ordering context has its cart).
"""

from shop_testing.strategies.amounts import (
    CURRENCIES,
    allocation_inputs,
    currencies,
    max_minor_for,
    money,
    money_allocation_inputs,
)
from shop_testing.strategies.carts import Cart, CartLine, carts, carts_from
from shop_testing.strategies.catalog import (
    MAX_DEPTH,
    CategoryTree,
    attribute_definitions,
    brands,
    catalog_policies,
    category_trees,
    leaf_categories,
    shop_ids,
)
from shop_testing.strategies.common import NOW, ids, names
from shop_testing.strategies.coupons import (
    acquisitions,
    benefits,
    channel_sets,
    claim_windows,
    coupon_kinds,
    coupon_limits,
    coupon_scopes,
    coupon_templates,
    coupon_terms,
    coupon_validities,
    distributions,
    issuers,
    public_codes,
    rates,
    return_policies,
    stats_deltas,
    template_definitions,
)
from shop_testing.strategies.giftcards import (
    KIT_KEY,
    CardInBatch,
    batch_definitions,
    card_kinds,
    gift_cards,
    giftcard_batches,
    giftcard_validities,
    number_prefixes,
)
from shop_testing.strategies.orders import (
    OrderInput,
    gift_card_amounts,
    goods_kinds,
    order_inputs,
    priced_lines,
    shipping_fees,
    value_limits,
)
from shop_testing.strategies.phones import TypedPhone, canonical_phones, typed_phones
from shop_testing.strategies.pricing_items import cart_lines, item_kinds
from shop_testing.strategies.pricing_thresholds import threshold_kinds
from shop_testing.strategies.products import CatalogEntry, catalog_entries, products
from shop_testing.strategies.promotions import (
    promotion_definitions,
    promotion_kinds,
    promotions,
)
from shop_testing.strategies.wallets import CouponInWallet, coupons

__all__ = [
    "promotions",
    "promotion_kinds",
    "promotion_definitions",
    "threshold_kinds",
    "item_kinds",
    "cart_lines",
    "OrderInput",
    "gift_card_amounts",
    "goods_kinds",
    "order_inputs",
    "priced_lines",
    "shipping_fees",
    "value_limits",
    "CURRENCIES",
    "KIT_KEY",
    "MAX_DEPTH",
    "NOW",
    "Cart",
    "CartLine",
    "CardInBatch",
    "CatalogEntry",
    "CategoryTree",
    "CouponInWallet",
    "acquisitions",
    "allocation_inputs",
    "attribute_definitions",
    "batch_definitions",
    "benefits",
    "brands",
    "card_kinds",
    "carts",
    "carts_from",
    "catalog_entries",
    "catalog_policies",
    "category_trees",
    "channel_sets",
    "claim_windows",
    "coupon_kinds",
    "coupon_limits",
    "coupon_scopes",
    "coupon_templates",
    "coupon_terms",
    "coupon_validities",
    "coupons",
    "currencies",
    "distributions",
    "gift_cards",
    "giftcard_batches",
    "giftcard_validities",
    "ids",
    "issuers",
    "leaf_categories",
    "max_minor_for",
    "money",
    "money_allocation_inputs",
    "names",
    "number_prefixes",
    "products",
    "public_codes",
    "rates",
    "return_policies",
    "shop_ids",
    "stats_deltas",
    "template_definitions",
    "TypedPhone",
    "canonical_phones",
    "typed_phones",
]
