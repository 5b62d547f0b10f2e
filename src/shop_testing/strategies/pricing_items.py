"""Strategies for the item, bundle, multi-buy and purchase-gift promotion kinds (PRO-1 (c), (d),
(e), (g)) and for the cart lines the pricing engine evaluates them on.

Each kind is built through its own constructor, whose checks run on every draw and always
pass: tiers drawn in order, bundles of at least two units, rates strictly between 0 and 1.
Amounts lie in ``1..max_minor`` minor units (0 allowed where the kind allows it), by default
the same range as the lines' unit prices, so that a drawn kind sometimes lowers a drawn line and
sometimes does not. Everything shrinks to small values: 0.01 CNY, a count of 2, one tier, one
line of one unit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from shop_domain.pricing.kinds.base import PromotionKind
from shop_domain.pricing.kinds.bundles import BundleItem, BundlePrice, MultiBuyPrice, MultiBuyRate
from shop_domain.pricing.kinds.item_prices import (
    DirectReduction,
    FlashPrice,
    MemberPrice,
    MemberTier,
    PercentOff,
    SpecialPrice,
)
from shop_domain.pricing.kinds.purchase_gifts import GiftPerUnit, PurchaseGift
from shop_domain.pricing.lines import ItemFacts, Line
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import currency_or_drawn
from shop_testing.strategies.common import ids, optional
from shop_testing.strategies.coupons import rates

MAX_MINOR: Final = 100_000
"""The default largest amount, in minor units, of a kind's parameters and of a line's unit
price (1,000.00 yuan): small enough that kinds and lines meet."""
MAX_LEVEL: Final = 10
"""The highest member level a member price's tier is drawn at."""


def _positive(draw: st.DrawFn, code: str, max_minor: int) -> Money:
    if max_minor < 1:
        raise InvalidArgument("the kinds' amounts are positive: max_minor must be >= 1")
    return Money(draw(st.integers(min_value=1, max_value=max_minor)), code)


@st.composite
def cart_lines(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    sku_ids: Sequence[uuid.UUID] | None = None,
    min_size: int = 1,
    max_size: int = 5,
    max_quantity: int = 5,
    max_unit_minor: int = MAX_MINOR,
) -> tuple[Line, ...]:
    """``min_size``..``max_size`` :class:`Line` of one ``currency`` (drawn when None), with
    line ids ``"line-1"``, ``"line-2"``…, quantities of 1..``max_quantity`` and unit prices of
    0..``max_unit_minor`` (zero: a unit the earlier levels made free).

    Each line's SKU is one of ``sku_ids`` when given (several lines may share one: a SKU split
    over lines), a fresh id otherwise; its SPU and shop are drawn ids. Shrinks to one line of
    one unit at 0.00 CNY."""
    if not 0 <= min_size <= max_size:
        raise InvalidArgument(f"need 0 <= min_size <= max_size, not {min_size}..{max_size}")
    if max_quantity < 1 or max_unit_minor < 0:
        raise InvalidArgument("a line holds at least one unit, at a price of at least zero")
    if sku_ids is not None and not sku_ids:
        raise InvalidArgument("sku_ids, when given, names at least one SKU")
    code = currency_or_drawn(draw, currency)
    skus = ids() if sku_ids is None else st.sampled_from(list(sku_ids))
    count = draw(st.integers(min_value=min_size, max_value=max_size))
    lines = []
    for number in range(1, count + 1):
        facts = ItemFacts(sku_id=draw(skus), spu_id=draw(ids()), shop_id=draw(ids()))
        lines.append(
            Line(
                line_id=f"line-{number}",
                item=facts,
                quantity=draw(st.integers(min_value=1, max_value=max_quantity)),
                unit_price=Money(draw(st.integers(0, max_unit_minor)), code),
            )
        )
    return tuple(lines)


# --- item prices ----------------------------------------------------------------------------


@st.composite
def flash_prices(
    draw: st.DrawFn, currency: str | None = None, *, max_minor: int = MAX_MINOR
) -> FlashPrice:
    """A :class:`FlashPrice` of 1..``max_minor`` minor units; shrinks to 0.01 CNY."""
    return FlashPrice(_positive(draw, currency_or_drawn(draw, currency), max_minor))


@st.composite
def special_prices(
    draw: st.DrawFn, currency: str | None = None, *, max_minor: int = MAX_MINOR
) -> SpecialPrice:
    """A :class:`SpecialPrice` of 1..``max_minor`` minor units; shrinks to 0.01 CNY."""
    return SpecialPrice(_positive(draw, currency_or_drawn(draw, currency), max_minor))


@st.composite
def direct_reductions(
    draw: st.DrawFn, currency: str | None = None, *, max_minor: int = MAX_MINOR
) -> DirectReduction:
    """A :class:`DirectReduction` of 1..``max_minor`` minor units; shrinks to 0.01 CNY."""
    return DirectReduction(_positive(draw, currency_or_drawn(draw, currency), max_minor))


def percent_offs() -> st.SearchStrategy[PercentOff]:
    """A :class:`PercentOff` at a rate of 0.0001..0.9999 (the coupons' :func:`rates`);
    shrinks to 8折."""
    return rates().map(PercentOff)


@st.composite
def member_prices(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    max_tiers: int = 3,
    max_minor: int = MAX_MINOR,
) -> MemberPrice:
    """A :class:`MemberPrice` of 1..``max_tiers`` tiers at levels in 1..:data:`MAX_LEVEL`,
    going up in level and never up in price (equal prices reached); shrinks to one tier at level
    1 for 0.01 CNY."""
    if not 1 <= max_tiers <= MAX_LEVEL:
        raise InvalidArgument(f"a member price has 1..{MAX_LEVEL} tiers, not {max_tiers}")
    code = currency_or_drawn(draw, currency)
    levels = sorted(
        draw(st.lists(st.integers(1, MAX_LEVEL), min_size=1, max_size=max_tiers, unique=True))
    )
    prices = sorted(
        (_positive(draw, code, max_minor) for _ in levels),
        key=lambda price: -price.minor,
    )
    return MemberPrice(
        tuple(MemberTier(level, price) for level, price in zip(levels, prices, strict=True))
    )


# --- bundles and multi-buys -----------------------------------------------------------------


@st.composite
def bundles(
    draw: st.DrawFn,
    sku_ids: Sequence[uuid.UUID],
    currency: str | None = None,
    *,
    max_quantity: int = 3,
    max_minor: int = MAX_MINOR,
) -> BundlePrice:
    """A :class:`BundlePrice` over 2..4 distinct SKUs of ``sku_ids`` (one when only one is
    given; in their order), each with 1..``max_quantity`` units, at least two units in all (a
    lone SKU of one unit is given two), at 1..``max_minor`` minor units. Shrinks to one unit
    each of the first two SKUs for 0.01 CNY."""
    if not sku_ids:
        raise InvalidArgument("a bundle draws its SKUs from at least one SKU id")
    if max_quantity < 1:
        raise InvalidArgument("a bundle item holds at least one unit: max_quantity >= 1")
    distinct = list(dict.fromkeys(sku_ids))
    chosen = draw(
        st.lists(
            st.integers(0, len(distinct) - 1),
            min_size=min(2, len(distinct)),
            max_size=min(4, len(distinct)),
            unique=True,
        )
    )
    items = [BundleItem(distinct[i], draw(st.integers(1, max_quantity))) for i in sorted(chosen)]
    if len(items) == 1 and items[0].quantity == 1:
        items = [BundleItem(items[0].sku_id, 2)]
    return BundlePrice(items, _positive(draw, currency_or_drawn(draw, currency), max_minor))


@st.composite
def multi_buy_prices(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    max_count: int = 5,
    max_minor: int = MAX_MINOR,
) -> MultiBuyPrice:
    """A :class:`MultiBuyPrice` of 2..``max_count`` items for 1..``max_minor`` minor units;
    shrinks to 2 items for 0.01 CNY."""
    if max_count < 2:
        raise InvalidArgument("a multi-buy groups at least two items: max_count >= 2")
    count = draw(st.integers(2, max_count))
    return MultiBuyPrice(count, _positive(draw, currency_or_drawn(draw, currency), max_minor))


@st.composite
def multi_buy_rates(draw: st.DrawFn, *, max_count: int = 5) -> MultiBuyRate:
    """A :class:`MultiBuyRate` of 2..``max_count`` items at a :func:`rates` rate; shrinks to
    2件8折."""
    if max_count < 2:
        raise InvalidArgument("a multi-buy groups at least two items: max_count >= 2")
    return MultiBuyRate(draw(st.integers(2, max_count)), draw(rates()))


def multi_buys(
    currency: str | None = None, *, max_count: int = 5, max_minor: int = MAX_MINOR
) -> st.SearchStrategy[MultiBuyPrice | MultiBuyRate]:
    """Either multi-buy: N for a price or M at a rate; shrinks to N for a price."""
    return st.one_of(
        multi_buy_prices(currency, max_count=max_count, max_minor=max_minor),
        multi_buy_rates(max_count=max_count),
    )


# --- gifts ----------------------------------------------------------------------------------


@st.composite
def purchase_gifts(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    gift_ids: Sequence[uuid.UUID] | None = None,
    max_gifts: int = 3,
    max_minor: int = MAX_MINOR,
) -> PurchaseGift:
    """A :class:`PurchaseGift` of 1..``max_gifts`` gifts of distinct SKUs (among ``gift_ids``
    when given, drawn ids otherwise), each worth 0..``max_minor`` minor units, 1..3 per unit
    bought, capped per order at 1..5 or not at all. Shrinks to one gift worth 0.00 CNY, one per
    unit, no cap."""
    if max_gifts < 1:
        raise InvalidArgument("a purchase gift gives at least one gift")
    code = currency_or_drawn(draw, currency)
    if gift_ids is None:
        skus = draw(st.lists(ids(), min_size=1, max_size=max_gifts, unique=True))
    else:
        pool = list(dict.fromkeys(gift_ids))
        if not pool:
            raise InvalidArgument("gift_ids, when given, names at least one SKU")
        top = min(max_gifts, len(pool))
        skus = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=top, unique=True))
    gifts = [
        GiftPerUnit(
            sku_id=sku,
            value=Money(draw(st.integers(0, max_minor)), code),
            quantity=draw(st.integers(1, 3)),
            cap=optional(draw, st.integers(1, 5)),
        )
        for sku in skus
    ]
    return PurchaseGift(gifts)


def item_kinds(
    currency: str | None = None,
    *,
    sku_ids: Sequence[uuid.UUID] | None = None,
    max_minor: int = MAX_MINOR,
) -> st.SearchStrategy[PromotionKind]:
    """Any of the kinds above, amounts in ``currency`` (drawn when None for each kind); bundles
    over ``sku_ids`` (drawn ids when None). Shrinks to a flash price of 0.01 CNY."""
    bundle_skus: st.SearchStrategy[Sequence[uuid.UUID]] = (
        st.lists(ids(), min_size=2, max_size=4, unique=True)
        if sku_ids is None
        else st.just(sku_ids)
    )
    drawn: list[st.SearchStrategy[PromotionKind]] = [
        flash_prices(currency, max_minor=max_minor),
        direct_reductions(currency, max_minor=max_minor),
        percent_offs(),
        special_prices(currency, max_minor=max_minor),
        member_prices(currency, max_minor=max_minor),
        bundle_skus.flatmap(lambda skus: bundles(skus, currency, max_minor=max_minor)),
        multi_buy_prices(currency, max_minor=max_minor),
        multi_buy_rates(),
        purchase_gifts(currency, max_minor=max_minor),
    ]
    return st.one_of(drawn)


__all__ = [
    "MAX_LEVEL",
    "MAX_MINOR",
    "bundles",
    "cart_lines",
    "direct_reductions",
    "flash_prices",
    "item_kinds",
    "member_prices",
    "multi_buy_prices",
    "multi_buy_rates",
    "multi_buys",
    "percent_offs",
    "purchase_gifts",
    "special_prices",
]
