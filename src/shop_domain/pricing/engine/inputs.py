"""What a quote is asked for (PRO-12): the cart's lines, the customer's points and choices.

The customer's choices are inputs like the cart: which promotion a line takes where several
fit (PRO-5), the gifts picked from a pool, the coupons to use (CPN-7: the recommended set when
none are named) and the points to pay with.
"""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Mapping

import attrs

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.gifts import Picks
from shop_domain.pricing.kinds.support import check_count, check_money
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Level
from shop_domain.shared.money import Money


@attrs.frozen(kw_only=True)
class CartLine:
    """A line of the cart at list price. An add-on line (``add_on_of``) is the SKU a customer
    takes under an add-on purchase (PRO-1 i): it joins no promotion and no threshold, and costs
    the offer's price while that promotion applies."""

    line_id: str
    item: ItemFacts
    quantity: int
    unit_price: Money
    add_on_of: uuid.UUID | None = None

    def __attrs_post_init__(self) -> None:
        if not self.line_id:
            raise InvalidPromotion("a cart line has an id")
        check_count(self.quantity, "a line's quantity", least=1)
        check_money(self.unit_price, "a line's unit price", positive=False)


@attrs.frozen
class PointsOffer:
    """What points may pay (PTS-4): ``available`` points, ``per_unit`` points for one major
    unit of money (100 points = 1.00), at most ``max_share`` of the payable."""

    available: int
    per_unit: int = 100
    max_share: decimal.Decimal = decimal.Decimal("0.5")

    def __attrs_post_init__(self) -> None:
        check_count(self.available, "the available points", least=0)
        check_count(self.per_unit, "the points per unit", least=1)
        if not decimal.Decimal(0) <= self.max_share <= decimal.Decimal(1):
            raise InvalidPromotion("the share points may pay is between 0 and 1")


@attrs.frozen(kw_only=True)
class Choices:
    """The customer's picks.

    - ``promotions``: for a (line, level), the promotion it takes, or None for none — where
      several fit, the customer may pick (PRO-5); a pick binds the search;
    - ``gifts``: per threshold-gift promotion, the gifts taken from its pool;
    - ``coupons``: the coupons to use; None asks for the recommended set (CPN-7);
    - ``points``: how many points to pay with (held to what may be used).
    """

    promotions: Mapping[tuple[str, Level], uuid.UUID | None] = attrs.field(factory=dict)
    gifts: Mapping[uuid.UUID, Picks] = attrs.field(factory=dict)
    coupons: frozenset[uuid.UUID] | None = None
    points: int = 0

    def __attrs_post_init__(self) -> None:
        check_count(self.points, "the points to pay with", least=0)


NO_CHOICES = Choices()

__all__ = ["NO_CHOICES", "CartLine", "Choices", "PointsOffer"]
