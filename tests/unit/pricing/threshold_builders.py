"""What the tests of the threshold kinds share: amounts in yuan and yen, cart lines, the
context of a CNY cart, and the saving an outcome gives."""

from __future__ import annotations

import itertools
import uuid

from shop_domain.pricing.kinds.base import Applied, Context, Outcome, Reduction
from shop_domain.pricing.lines import ItemFacts, Line
from shop_domain.shared.money import Money

CNY = Context("CNY")
JPY = Context("JPY")

_numbers = itertools.count(1)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def jpy(amount: str) -> Money:
    return Money.of(amount, "JPY")


def sku() -> uuid.UUID:
    return uuid.uuid4()


def line(unit_price: Money, quantity: int = 1, line_id: str | None = None) -> Line:
    """A line of ``quantity`` items of a new SKU at ``unit_price``."""
    facts = ItemFacts(sku_id=uuid.uuid4(), spu_id=uuid.uuid4(), shop_id=uuid.uuid4())
    return Line(line_id or f"line-{next(_numbers)}", facts, quantity, unit_price)


def reduction_of(outcome: Outcome) -> Reduction:
    """The one reduction of an applied threshold reduction or discount."""
    assert isinstance(outcome, Applied), outcome
    (effect,) = outcome.effects
    assert isinstance(effect, Reduction), effect
    return effect


def saving(outcome: Outcome, currency: str) -> int:
    """What ``outcome`` takes off, in minor units (nothing for a miss)."""
    return outcome.saving(currency).minor if isinstance(outcome, Applied) else 0
