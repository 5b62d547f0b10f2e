"""What an order keeps of each line it sold (ORD-9): a snapshot of the SKU and every amount of the
line, allocated by MON-3 — so that after-sales can refund a line exactly what it paid.

``payable`` = goods − promotion − coupon − points + shipping (ORD-2), never negative (MON-4);
the gift cards pay ``gift_card`` of it (a tender, not a discount) and the external method
``external``, the rest.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping, Sequence

import attrs

from shop_domain.shared.money import Money


class GoodsKind(enum.StrEnum):
    """How goods reach the customer: shipped, virtual (ORD-8: an e-gift card, a service — never
    shipped) or cross-border (ORD-3: split by warehouse and a per-child value limit)."""

    PHYSICAL = "physical"
    VIRTUAL = "virtual"
    CROSS_BORDER = "cross_border"


AMOUNT_FIELDS = ("goods", "promotion", "coupon", "points", "shipping", "gift_card")
"""The Money fields every level of an order carries: the line, the child, the parent."""


@attrs.frozen
class Amounts:
    """An order's, a child's or a line's money, in one currency (ORD-2)."""

    goods: Money
    promotion: Money
    coupon: Money
    points: Money
    shipping: Money
    gift_card: Money
    points_used: int = 0

    @classmethod
    def of(cls, values: Sequence[Money], points_used: int = 0) -> Amounts:
        """From the Money fields in the order of :data:`AMOUNT_FIELDS`."""
        goods, promotion, coupon, points, shipping, gift_card = values
        return cls(goods, promotion, coupon, points, shipping, gift_card, points_used)

    @classmethod
    def zero(cls, currency: str) -> Amounts:
        nothing = Money.zero(currency)
        return cls(nothing, nothing, nothing, nothing, nothing, nothing)

    @classmethod
    def sum(cls, parts: Iterable[Amounts], currency: str) -> Amounts:
        result = cls.zero(currency)
        for part in parts:
            result = result + part
        return result

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts.of(
            [getattr(self, f) + getattr(other, f) for f in AMOUNT_FIELDS],
            self.points_used + other.points_used,
        )

    @property
    def discounts(self) -> Money:
        return self.promotion + self.coupon + self.points

    @property
    def payable(self) -> Money:
        """ORD-2: goods + shipping − (promotion + coupon + points)."""
        return self.goods + self.shipping - self.discounts

    @property
    def external(self) -> Money:
        """What the external method pays: the payable less the gift cards' part."""
        return self.payable - self.gift_card

    def as_minor(self) -> dict[str, int]:
        figures = {f: getattr(self, f).minor for f in AMOUNT_FIELDS}
        return {**figures, "payable": self.payable.minor, "points_used": self.points_used}


class HasAmounts:
    """A line, a child or an order: its amounts are its fields."""

    goods: Money
    promotion: Money
    coupon: Money
    points: Money
    shipping: Money
    gift_card: Money
    points_used: int

    @property
    def amounts(self) -> Amounts:
        return Amounts.of([getattr(self, f) for f in AMOUNT_FIELDS], self.points_used)

    @property
    def payable(self) -> Money:
        return self.amounts.payable

    def take_amounts(self, amounts: Amounts) -> None:
        for name in AMOUNT_FIELDS:
            setattr(self, name, getattr(amounts, name))
        self.points_used = amounts.points_used


@attrs.frozen(kw_only=True)
class LineFacts:
    """The SKU as sold: what the order shows of it for ever after (ORD-9)."""

    sku_id: uuid.UUID
    spu_id: uuid.UUID
    shop_id: uuid.UUID
    kind: GoodsKind
    name: str
    attributes: Mapping[str, str] = attrs.field(factory=dict)
    image: str | None = None
    warehouse_id: uuid.UUID | None = None
    """Where its stock is reserved; None for virtual goods."""
    weight_g: int = 0
    freight_template_id: uuid.UUID | None = None


@attrs.define(slots=False, eq=False, kw_only=True)
class OrderLine(HasAmounts):
    id: uuid.UUID
    child_id: uuid.UUID
    line_id: str
    """The cart's name of the line (a cross-border line split over children: ``<id>#<n>``)."""
    sku_id: uuid.UUID
    spu_id: uuid.UUID
    shop_id: uuid.UUID
    warehouse_id: uuid.UUID | None
    kind: GoodsKind
    name: str
    attributes: dict[str, str]
    image: str | None
    quantity: int
    unit_price: Money
    goods: Money
    promotion: Money
    coupon: Money
    points: Money
    shipping: Money
    gift_card: Money
    points_used: int


__all__ = ["AMOUNT_FIELDS", "Amounts", "GoodsKind", "HasAmounts", "LineFacts", "OrderLine"]
