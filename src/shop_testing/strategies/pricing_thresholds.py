"""Strategies for the threshold promotion kinds (PRO-1 a, b, f, i) and the cart lines they are
evaluated on.

Every kind is built through its own constructor from parameters drawn valid by construction
(thresholds strictly increasing, reductions below their amount thresholds, rates strictly
decreasing, pools that can give what they promise), with no ``assume`` or ``filter``. They reach
the edges — item-count thresholds, caps, zero-decimal currencies, pools of N < M, several tiers
— and shrink to one tier of the smallest amounts in CNY (满0.02减0.01).

``currency`` fixes the currency of a kind's amounts (drawn when None); ``by_count`` fixes the
basis of its thresholds (item counts when True, amounts when False, either when None);
``max_minor`` bounds every amount (minor units), so that drawn carts reach the thresholds.
"""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from shop_domain.pricing.kinds.addons import AddOnItem, AddOnPurchase
from shop_domain.pricing.kinds.gifts import (
    AddPriceGift,
    GiftPool,
    GiftTier,
    PoolGift,
    ThresholdGift,
)
from shop_domain.pricing.kinds.threshold_basis import Threshold
from shop_domain.pricing.kinds.thresholds import (
    DiscountTier,
    PerEachReduction,
    ReductionTier,
    ThresholdDiscount,
    TieredReduction,
)
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import currency_or_drawn
from shop_testing.strategies.common import ids, optional

ThresholdKind = (
    TieredReduction
    | PerEachReduction
    | ThresholdDiscount
    | ThresholdGift
    | AddPriceGift
    | AddOnPurchase
)

MAX_MINOR = 10**6
"""The default bound of a kind's amounts: 10,000.00 CNY, a million yen."""
MAX_ITEMS = 12
"""The largest item-count threshold drawn."""
MAX_TIERS = 3


def _basis(draw: st.DrawFn, by_count: bool | None) -> bool:
    return draw(st.booleans()) if by_count is None else by_count


def _check_bound(max_minor: int, least: int = 2) -> None:
    if max_minor < least:
        raise InvalidArgument(f"max_minor must be at least {least}, not {max_minor}")


def _increasing(draw: st.DrawFn, size: int, low: int, high: int) -> list[int]:
    """``size`` distinct integers of ``low..high``, ascending (shrinks to low, low+1, …)."""
    values = draw(st.lists(st.integers(low, high), min_size=size, max_size=size, unique=True))
    return sorted(values)


def _thresholds(
    draw: st.DrawFn, code: str, size: int, by_count: bool, *, low: int, max_minor: int
) -> list[Threshold]:
    """``size`` strictly increasing thresholds: counts of 1..MAX_ITEMS, or amounts of
    ``low..max_minor`` minor units."""
    if by_count:
        return list(_increasing(draw, size, 1, MAX_ITEMS))
    return [Money(m, code) for m in _increasing(draw, size, low, max_minor)]


def _cap(draw: st.DrawFn, code: str, least: int, max_minor: int) -> Money | None:
    return optional(draw, st.integers(least, max(least, max_minor)).map(lambda m: Money(m, code)))


@st.composite
def threshold_reductions(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    by_count: bool | None = None,
    max_tiers: int = MAX_TIERS,
    max_minor: int = MAX_MINOR,
) -> TieredReduction:
    """A tiered 满减 of 1..``max_tiers`` tiers, reductions strictly increasing and each below its
    amount threshold, with or without a cap (at least the lowest reduction)."""
    _check_bound(max_minor, max_tiers + 1)
    code, count = currency_or_drawn(draw, currency), _basis(draw, by_count)
    size = draw(st.integers(1, max_tiers))
    thresholds = _thresholds(draw, code, size, count, low=2, max_minor=max_minor)
    reductions: list[int] = []
    for index, threshold in enumerate(thresholds):
        low = reductions[-1] + 1 if reductions else 1
        # below an amount threshold; a count tier leaves room for the tiers above it
        high = threshold.minor - 1 if isinstance(threshold, Money) else max_minor - size + 1 + index
        reductions.append(draw(st.integers(low, high)))
    tiers = [ReductionTier(t, Money(r, code)) for t, r in zip(thresholds, reductions, strict=True)]
    return TieredReduction(tiers, cap=_cap(draw, code, reductions[0], max_minor))


@st.composite
def per_each_reductions(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    by_count: bool | None = None,
    max_minor: int = MAX_MINOR,
) -> PerEachReduction:
    """A 每满: a step (an amount of 2..``max_minor``, or 1..MAX_ITEMS items), a reduction (below
    an amount step) and an optional cap of at least one reduction."""
    _check_bound(max_minor)
    code, count = currency_or_drawn(draw, currency), _basis(draw, by_count)
    (step,) = _thresholds(draw, code, 1, count, low=2, max_minor=max_minor)
    top = step.minor - 1 if isinstance(step, Money) else max_minor
    reduction = draw(st.integers(1, top))
    return PerEachReduction(
        step, Money(reduction, code), cap=_cap(draw, code, reduction, max_minor)
    )


def _rate_of(index: int) -> decimal.Decimal:
    # 0 -> 0.8 (8折), then 0.8001, … round to 0.0001: every rate of four places, 8折 first
    return decimal.Decimal((index + 7999) % 9999 + 1).scaleb(-4).normalize()


@st.composite
def threshold_discounts(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    by_count: bool | None = None,
    max_tiers: int = MAX_TIERS,
    max_minor: int = MAX_MINOR,
) -> ThresholdDiscount:
    """A 满折 of 1..``max_tiers`` tiers, rates of four places at most strictly decreasing
    (shrinking to 8折), with or without a cap. A count-based one without a cap has no amount,
    hence no currency."""
    _check_bound(max_minor, max_tiers)
    code, count = currency_or_drawn(draw, currency), _basis(draw, by_count)
    size = draw(st.integers(1, max_tiers))
    thresholds = _thresholds(draw, code, size, count, low=1, max_minor=max_minor)
    indexes = draw(st.lists(st.integers(0, 9998), min_size=size, max_size=size, unique=True))
    rates = sorted((_rate_of(i) for i in indexes), reverse=True)
    tiers = [DiscountTier(t, r) for t, r in zip(thresholds, rates, strict=True)]
    return ThresholdDiscount(tiers, cap=_cap(draw, code, 1, max_minor))


@st.composite
def gift_pools(
    draw: st.DrawFn, currency: str | None = None, *, max_gifts: int = 4, max_minor: int = MAX_MINOR
) -> GiftPool:
    """A pool of 1..``max_gifts`` distinct gifts worth 0..``max_minor`` each, each at most 1..3
    of one, and a ``choose`` the pool can give (shrinks to one gift, choose 1)."""
    code = currency_or_drawn(draw, currency)
    size = draw(st.integers(1, max_gifts))
    skus = draw(st.lists(ids(), min_size=size, max_size=size, unique=True))
    gifts = [
        PoolGift(sku, Money(draw(st.integers(0, max_minor)), code), draw(st.integers(1, 3)))
        for sku in skus
    ]
    choose = draw(st.integers(1, sum(gift.max_quantity for gift in gifts)))
    return GiftPool(gifts, choose)


@st.composite
def gift_picks(draw: st.DrawFn, pool: GiftPool) -> dict[uuid.UUID, int]:
    """A customer's valid pick from ``pool``: some of its gifts, each within its maximum, at
    most ``choose`` in all (possibly none)."""
    picks: dict[uuid.UUID, int] = {}
    left = pool.choose
    for gift in pool.gifts:
        quantity = draw(st.integers(0, min(gift.max_quantity, left)))
        if quantity:
            picks[gift.sku_id] = quantity
            left -= quantity
    return picks


@st.composite
def threshold_gifts(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    by_count: bool | None = None,
    max_tiers: int = MAX_TIERS,
    max_minor: int = MAX_MINOR,
) -> ThresholdGift:
    """A tiered 满赠 of 1..``max_tiers`` tiers, each with its :func:`gift_pools` pool."""
    _check_bound(max_minor, max_tiers)
    code, count = currency_or_drawn(draw, currency), _basis(draw, by_count)
    size = draw(st.integers(1, max_tiers))
    thresholds = _thresholds(draw, code, size, count, low=1, max_minor=max_minor)
    pools = [draw(gift_pools(code, max_minor=max_minor)) for _ in thresholds]
    return ThresholdGift([GiftTier(t, p) for t, p in zip(thresholds, pools, strict=True)])


@st.composite
def add_price_gifts(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    by_count: bool | None = None,
    max_minor: int = MAX_MINOR,
) -> AddPriceGift:
    """A 满X加Y元得Z: a threshold, a gift worth 2..``max_minor`` at a price below its value,
    1..3 of it."""
    _check_bound(max_minor)
    code, count = currency_or_drawn(draw, currency), _basis(draw, by_count)
    (threshold,) = _thresholds(draw, code, 1, count, low=1, max_minor=max_minor)
    value = draw(st.integers(2, max_minor))
    price = draw(st.integers(1, value - 1))
    quantity = draw(st.integers(1, 3))
    return AddPriceGift(threshold, draw(ids()), Money(price, code), Money(value, code), quantity)


@st.composite
def add_on_purchases(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    by_count: bool | None = None,
    max_items: int = 3,
    max_minor: int = MAX_MINOR,
) -> AddOnPurchase:
    """A 加价购: a threshold and 1..``max_items`` distinct SKUs, each at a price of
    1..``max_minor``, at most 1..3 of each."""
    _check_bound(max_minor, 1)
    code, count = currency_or_drawn(draw, currency), _basis(draw, by_count)
    (threshold,) = _thresholds(draw, code, 1, count, low=1, max_minor=max_minor)
    size = draw(st.integers(1, max_items))
    skus = draw(st.lists(ids(), min_size=size, max_size=size, unique=True))
    items = [
        AddOnItem(sku, Money(draw(st.integers(1, max_minor)), code), draw(st.integers(1, 3)))
        for sku in skus
    ]
    return AddOnPurchase(threshold, items)


_KINDS: tuple[Callable[..., st.SearchStrategy[ThresholdKind]], ...] = (
    threshold_reductions,
    per_each_reductions,
    threshold_discounts,
    threshold_gifts,
    add_price_gifts,
    add_on_purchases,
)


def threshold_kinds(
    currency: str | None = None, *, by_count: bool | None = None, max_minor: int = MAX_MINOR
) -> st.SearchStrategy[ThresholdKind]:
    """One of the threshold kinds above (shrinks to a tiered 满减)."""
    return st.one_of(*(kind(currency, by_count=by_count, max_minor=max_minor) for kind in _KINDS))


__all__ = [
    "MAX_ITEMS",
    "MAX_MINOR",
    "ThresholdKind",
    "add_on_purchases",
    "add_price_gifts",
    "gift_picks",
    "gift_pools",
    "per_each_reductions",
    "threshold_discounts",
    "threshold_gifts",
    "threshold_kinds",
    "threshold_reductions",
]
