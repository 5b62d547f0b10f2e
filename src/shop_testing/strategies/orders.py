"""Strategies of ordering (ORD-2, ORD-3, MON-4): priced lines as the checkout hands them to
:func:`~shop_domain.ordering.split.plan_children`, each shop's shipping fee, a gift-card amount
and a per-child value limit for cross-border goods — together an :class:`OrderInput`.

Valid by construction: a line's goods are its unit price times its quantity, its promotion,
coupon and points discounts together never exceed its goods (MON-4), the points used are the
points' money at the default rate (100 points = 1 yuan: one point a fen); shipping is charged
only to shops with shipped (physical or cross-border) goods; the gift cards pay at most the
payable; the value limit is at least the dearest cross-border unit, so the split never refuses.

The draws reach the edges: goods discounted to nothing (a shop's fee then spread by pieces), a
free unit, a gift card paying everything, a value limit equal to the dearest unit, one shop or
several, lines of one SKU warehouse or two. Each shrinks to one physical line of 0.00 CNY in one
shop, nothing discounted, no fee, no gift card.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

import attrs
from hypothesis import strategies as st

from shop_domain.ordering.lines import Amounts, GoodsKind, LineFacts
from shop_domain.ordering.split import PricedLine
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import HOME_CURRENCY, currency_or_drawn
from shop_testing.strategies.common import sampled_in_order

SHOPS = tuple(uuid.UUID(int=0x5A0 + n) for n in range(3))
"""The shops lines are drawn from (the first is where examples shrink to)."""
WAREHOUSES = tuple(uuid.UUID(int=0x3A0 + n) for n in range(2))
"""The warehouses shipped goods are reserved in."""
DEFAULT_VALUE_LIMIT = 200_000
"""ORD-3's default per-child limit for cross-border goods: 2000.00 CNY, in fen."""


@attrs.frozen(kw_only=True)
class OrderInput:
    """What :func:`~shop_domain.ordering.split.plan_children` takes."""

    lines: tuple[PricedLine, ...]
    shipping: Mapping[uuid.UUID, Money]
    gift_card: Money
    value_limit: Money

    @property
    def currency(self) -> str:
        return self.lines[0].unit_price.currency

    @property
    def payable(self) -> Money:
        """ORD-2 over the whole order: the lines' payable and every shop's fee."""
        total = Money.zero(self.currency)
        for line in self.lines:
            total += line.amounts.payable
        for fee in self.shipping.values():
            total += fee
        return total


def goods_kinds() -> st.SearchStrategy[GoodsKind]:
    """Physical first (examples shrink to it), virtual, cross-border."""
    return sampled_in_order(None, list(GoodsKind))


def goods_paid(line: PricedLine) -> int:
    """What ``line`` pays for its goods, in minor units: goods less its discounts."""
    return (line.amounts.goods - line.amounts.discounts).minor


def dearest_unit(line: PricedLine) -> int:
    """What one unit of ``line`` is worth as the split measures it (rounded up)."""
    return -(-goods_paid(line) // line.quantity)


@st.composite
def _line(
    draw: st.DrawFn,
    index: int,
    currency: str,
    shops: Sequence[uuid.UUID],
    kinds: Sequence[GoodsKind],
    max_unit: int,
    max_quantity: int,
) -> PricedLine:
    shop = draw(st.sampled_from(shops), label="shop")
    kind = draw(sampled_in_order(kinds, list(GoodsKind)), label="kind")
    house = draw(st.sampled_from(WAREHOUSES), label="warehouse")  # drawn for every kind, so
    warehouse = None if kind is GoodsKind.VIRTUAL else house  # examples shrink to physical
    quantity = draw(st.integers(1, max_quantity), label="quantity")
    unit = Money(draw(st.integers(0, max_unit), label="unit price"), currency)
    goods = unit * quantity
    promotion = draw(st.integers(0, goods.minor), label="promotion")
    coupon = draw(st.integers(0, goods.minor - promotion), label="coupon")
    points = draw(st.integers(0, goods.minor - promotion - coupon), label="points")
    zero = Money.zero(currency)
    amounts = Amounts(
        goods=goods,
        promotion=Money(promotion, currency),
        coupon=Money(coupon, currency),
        points=Money(points, currency),
        shipping=zero,
        gift_card=zero,
        points_used=points,
    )
    facts = LineFacts(
        sku_id=uuid.UUID(int=0x5C0 + index),
        spu_id=uuid.UUID(int=0x5B0 + index),
        shop_id=shop,
        kind=kind,
        name=f"sku {index + 1}",
        warehouse_id=warehouse,
    )
    return PricedLine(
        line_id=f"l{index + 1}", facts=facts, quantity=quantity, unit_price=unit, amounts=amounts
    )


def priced_lines(
    currency: str | None = HOME_CURRENCY,
    *,
    shops: Sequence[uuid.UUID] = SHOPS,
    kinds: Sequence[GoodsKind] | None = None,
    min_size: int = 1,
    max_size: int = 6,
    max_unit: int = 300_000,
    max_quantity: int = 5,
) -> st.SearchStrategy[list[PricedLine]]:
    """``min_size..max_size`` lines of one currency (drawn when None), named ``l1``, ``l2``…
    with one SKU each, over ``shops``, of ``kinds`` (every kind when None), a unit price in
    ``0..max_unit`` minor units and ``1..max_quantity`` units; discounts within the goods
    (MON-4)."""

    @st.composite
    def draw_lines(draw: st.DrawFn) -> list[PricedLine]:
        code = currency_or_drawn(draw, currency)
        size = draw(st.integers(min_size, max_size), label="lines")
        kinds_ = list(GoodsKind) if kinds is None else list(kinds)
        return [
            draw(_line(n, code, list(shops), kinds_, max_unit, max_quantity)) for n in range(size)
        ]

    return draw_lines()


def shipping_fees(
    lines: Sequence[PricedLine], *, max_fee: int = 3_000
) -> st.SearchStrategy[dict[uuid.UUID, Money]]:
    """A fee of ``0..max_fee`` for some of the shops of ``lines`` that ship goods (a shop left
    out pays none)."""
    currency = lines[0].unit_price.currency
    # drawn for every shop of the lines, kept for those that ship: the same draws whatever the
    # kinds, so that examples shrink to physical goods
    shops = sorted({ln.facts.shop_id for ln in lines}, key=str)
    shipped = {ln.facts.shop_id for ln in lines if ln.facts.kind is not GoodsKind.VIRTUAL}
    fee = st.integers(0, max_fee).map(lambda minor: Money(minor, currency))
    charged = st.lists(st.booleans(), min_size=len(shops), max_size=len(shops))
    return st.tuples(charged, st.lists(fee, min_size=len(shops), max_size=len(shops))).map(
        lambda drawn: {s: f for s, c, f in zip(shops, *drawn, strict=True) if c and s in shipped}
    )


def value_limits(lines: Sequence[PricedLine]) -> st.SearchStrategy[Money]:
    """A per-child limit the cross-border lines of ``lines`` can be split under: from their
    dearest unit (at least 0.01) to what they are worth together, or ORD-3's default when it is
    no less. Shrinks to the dearest unit: the most children."""
    currency = lines[0].unit_price.currency
    crossing = [ln for ln in lines if ln.facts.kind is GoodsKind.CROSS_BORDER]
    low = max([1, *(dearest_unit(ln) for ln in crossing)])
    high = max(low, sum(goods_paid(ln) for ln in crossing))
    drawn = st.integers(low, high)
    if low <= DEFAULT_VALUE_LIMIT:
        drawn = drawn | st.just(DEFAULT_VALUE_LIMIT)
    return drawn.map(lambda minor: Money(minor, currency))


def gift_card_amounts(payable: Money) -> st.SearchStrategy[Money]:
    """What the gift cards pay of ``payable``: nothing, some, or all of it."""
    return st.integers(0, payable.minor).map(lambda minor: Money(minor, payable.currency))


def order_inputs(
    currency: str | None = HOME_CURRENCY,
    *,
    shops: Sequence[uuid.UUID] = SHOPS,
    kinds: Sequence[GoodsKind] | None = None,
    max_lines: int = 6,
    max_unit: int = 300_000,
    max_fee: int = 3_000,
    gift_cards: bool = True,
) -> st.SearchStrategy[OrderInput]:
    """An :class:`OrderInput` that :func:`~shop_domain.ordering.split.plan_children` accepts:
    :func:`priced_lines`, then :func:`shipping_fees`, :func:`value_limits` and (unless
    ``gift_cards`` is false) :func:`gift_card_amounts` of the payable."""

    @st.composite
    def draw_input(draw: st.DrawFn) -> OrderInput:
        lines = draw(
            priced_lines(currency, shops=shops, kinds=kinds, max_size=max_lines, max_unit=max_unit)
        )
        code = lines[0].unit_price.currency
        fees = draw(shipping_fees(lines, max_fee=max_fee), label="shipping")
        limit = draw(value_limits(lines), label="value limit")
        partial = OrderInput(
            lines=tuple(lines), shipping=fees, gift_card=Money.zero(code), value_limit=limit
        )
        if not gift_cards:
            return partial
        cards = draw(gift_card_amounts(partial.payable), label="gift card")
        return attrs.evolve(partial, gift_card=cards)

    return draw_input()


__all__ = [
    "DEFAULT_VALUE_LIMIT",
    "SHOPS",
    "WAREHOUSES",
    "OrderInput",
    "dearest_unit",
    "gift_card_amounts",
    "goods_kinds",
    "goods_paid",
    "order_inputs",
    "priced_lines",
    "shipping_fees",
    "value_limits",
]
