"""Add-on purchase 加价购/换购 (PRO-1 i): past a threshold, the customer may buy some SKUs at a
special price.

Unlike a gift, an add-on is the customer's to take or leave: the kind only makes the offer (an
:class:`AddOnOffer` per SKU, up to a quantity); the cart adds the SKU at that price if the
customer takes it. Below the threshold, a :class:`Missed` says what is missing (PRO-8).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import ClassVar

import attrs

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import AddOnOffer, Applied, Context, Outcome, Stage, register
from shop_domain.pricing.kinds.support import (
    check_count,
    check_money,
    other_currency,
)
from shop_domain.pricing.kinds.threshold_basis import (
    Threshold,
    as_tuple,
    check_threshold,
    highest_reached,
    line_ids,
    major,
    measure,
    one_currency,
    short_of,
    threshold_words,
)
from shop_domain.pricing.lines import Line
from shop_domain.shared.money import Money


@attrs.frozen
class AddOnItem:
    """SKU ``sku_id`` offered at ``price`` each (positive: a free SKU is a gift), at most
    ``max_quantity`` of it."""

    sku_id: uuid.UUID
    price: Money
    max_quantity: int = 1

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.sku_id, uuid.UUID):
            raise InvalidPromotion(f"an add-on is a SKU id, not {self.sku_id!r}")
        check_money(self.price, "the price of an add-on")
        check_count(self.max_quantity, "the maximum quantity of an add-on", least=1)


@register
@attrs.frozen
class AddOnPurchase:
    """加价购/换购 (PRO-1 i): past ``threshold`` each of ``items`` may be bought at its price
    (满99加1元换购). At least one item, each SKU once, every amount in one currency."""

    name: ClassVar[str] = "add_on_purchase"
    stage: ClassVar[Stage] = Stage.THRESHOLD
    takes_every_line: ClassVar[bool] = True
    """When it applies, every line it is given takes it (the search relies on this)."""

    threshold: Threshold
    items: tuple[AddOnItem, ...] = attrs.field(converter=as_tuple)

    def __attrs_post_init__(self) -> None:
        check_threshold(self.threshold)
        if not self.items:
            raise InvalidPromotion("an add-on purchase offers at least one SKU")
        if any(not isinstance(item, AddOnItem) for item in self.items):
            raise InvalidPromotion("the items of an add-on purchase are AddOnItems")
        if len({item.sku_id for item in self.items}) != len(self.items):
            raise InvalidPromotion("an add-on purchase names each SKU once")
        one_currency([self.threshold, *(item.price for item in self.items)])

    @property
    def currency(self) -> str:
        return self.items[0].price.currency

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        """An :class:`AddOnOffer` per item, earned by ``lines``; below the threshold a
        :class:`Missed` with what is missing."""
        wrong = other_currency(self.currency, context)
        if wrong is not None:
            return wrong
        reached = measure(not isinstance(self.threshold, Money), lines, context.currency)
        if highest_reached([self.threshold], reached) is None:
            return short_of(self.threshold, reached, lines, self.tag())
        ids = line_ids(lines)
        return Applied(
            tuple(
                AddOnOffer(item.sku_id, item.price, item.max_quantity, ids) for item in self.items
            )
        )

    def tag(self) -> str:
        """``满99加1元换购`` when every item has one price, ``满99加价换购`` otherwise."""
        prices = {item.price for item in self.items}
        if len(prices) == 1:
            return f"满{threshold_words(self.threshold)}加{major(self.items[0].price)}元换购"
        return f"满{threshold_words(self.threshold)}加价换购"


__all__ = ["AddOnItem", "AddOnPurchase"]
