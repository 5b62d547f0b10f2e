"""What the tests of the item, bundle, multi-buy and purchase-gift kinds share: a few SKUs,
cart lines written in yuan, and the contexts of a cart."""

from __future__ import annotations

import decimal
import uuid

from hypothesis import HealthCheck, settings

from shop_domain.pricing.kinds.base import Context
from shop_domain.pricing.lines import ItemFacts, Line
from shop_domain.shared.money import Money

D = decimal.Decimal

SKU_A = uuid.UUID(int=0xA)
SKU_B = uuid.UUID(int=0xB)
SKU_C = uuid.UUID(int=0xC)
GIFT_X = uuid.UUID(int=0x1001)
GIFT_Y = uuid.UUID(int=0x1002)
SPU = uuid.UUID(int=0x100)
SHOP = uuid.UUID(int=0x200)

CNY = Context("CNY")
JPY = Context("JPY")

PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Fast enough for the unit suite: the kinds evaluate small carts."""


def cny(text: str) -> Money:
    return Money.of(text, "CNY")


def jpy(text: str) -> Money:
    return Money.of(text, "JPY")


def line(
    line_id: str, unit: str, quantity: int = 1, *, sku: uuid.UUID = SKU_A, currency: str = "CNY"
) -> Line:
    """A line of ``quantity`` units of ``sku`` at ``unit`` (major units of ``currency``)."""
    return Line(
        line_id=line_id,
        item=ItemFacts(sku_id=sku, spu_id=SPU, shop_id=SHOP),
        quantity=quantity,
        unit_price=Money.of(unit, currency),
    )
