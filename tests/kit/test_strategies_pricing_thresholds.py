"""The kit's strategies for the threshold promotion kinds: every kind drawn is one the domain
builds again and evaluates on a drawn cart, the parameters asked for are kept, the edges are
reached (caps, item counts, yen, pools of N < M, several tiers) and examples shrink to readable
ones (PRO-1 a, b, f, i)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from tests.kit.strategies_support import PARAMETERS, VALID, reach, smallest

from shop_domain.pricing.kinds.addons import AddOnPurchase
from shop_domain.pricing.kinds.base import Applied, Context, Missed, Stage
from shop_domain.pricing.kinds.gifts import AddPriceGift, ThresholdGift
from shop_domain.pricing.kinds.thresholds import (
    PerEachReduction,
    ReductionTier,
    ThresholdDiscount,
    TieredReduction,
)
from shop_domain.pricing.lines import Line
from shop_domain.shared.money import MINOR_UNITS, Money
from shop_testing.strategies.amounts import currencies
from shop_testing.strategies.pricing_items import cart_lines
from shop_testing.strategies.pricing_thresholds import (
    MAX_ITEMS,
    add_on_purchases,
    add_price_gifts,
    gift_picks,
    gift_pools,
    per_each_reductions,
    threshold_discounts,
    threshold_gifts,
    threshold_kinds,
    threshold_reductions,
)

KINDS = [
    (threshold_reductions, TieredReduction),
    (per_each_reductions, PerEachReduction),
    (threshold_discounts, ThresholdDiscount),
    (threshold_gifts, ThresholdGift),
    (add_price_gifts, AddPriceGift),
    (add_on_purchases, AddOnPurchase),
]


def _thresholds(kind: Any) -> list[Any]:
    if isinstance(kind, PerEachReduction):
        return [kind.step]
    if isinstance(kind, AddPriceGift | AddOnPurchase):
        return [kind.threshold]
    return [tier.threshold for tier in kind.tiers]


def _rebuilt_deeply(value: Any) -> Any:
    """``value`` made again by its constructors, its tiers, pools and amounts first (every
    attrs value in it is rebuilt, so the domain's validation runs on each)."""
    if isinstance(value, tuple):
        return tuple(_rebuilt_deeply(part) for part in value)
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return type(value)(**{f.name: _rebuilt_deeply(getattr(value, f.name)) for f in fields})
    return value


@st.composite
def kinds_and_carts(draw: st.DrawFn) -> tuple[Any, Context, list[Line]]:
    code = draw(currencies())
    return (
        draw(threshold_kinds(code)),
        Context(code),
        list(draw(cart_lines(code, min_size=0, max_size=4))),
    )


# --- every draw is valid ----------------------------------------------------------------------


@pytest.mark.rule("PRO-1")
@VALID
@given(kinds_and_carts())
def test_every_kind_is_built_again_and_evaluates_a_cart(case: Any) -> None:
    kind, context, lines = case
    assert _rebuilt_deeply(kind) == kind
    assert kind.stage is Stage.THRESHOLD
    outcome = kind.evaluate(lines, context)
    assert isinstance(outcome, Applied | Missed)
    assert kind.tag().startswith(("满", "每满"))
    for threshold in _thresholds(kind):
        assert not isinstance(threshold, Money) or threshold.currency == context.currency


@pytest.mark.rule("PRO-1")
@VALID
@given(st.data())
def test_every_pick_drawn_is_accepted_by_its_pool(data: st.DataObject) -> None:
    pool = data.draw(gift_pools())
    picks = data.draw(gift_picks(pool))
    given_back = {gift.sku_id: gift.quantity for gift in pool.chosen(picks)}
    assert given_back == picks
    assert sum(pool.default_choice().values()) == pool.choose


@pytest.mark.rule("PRO-1")
@PARAMETERS
@given(st.data())
def test_the_strategies_keep_the_currency_and_basis_asked_for(data: st.DataObject) -> None:
    strategy, kind_type = data.draw(st.sampled_from(KINDS))
    by_count = data.draw(st.booleans())
    kind = data.draw(strategy("KWD", by_count=by_count, max_minor=500))
    assert isinstance(kind, kind_type)
    for threshold in _thresholds(kind):
        if by_count:
            assert isinstance(threshold, int)
            assert 1 <= threshold <= MAX_ITEMS
        else:
            assert threshold == Money(threshold.minor, "KWD")
            assert threshold.minor <= 500
    assert getattr(kind, "currency", "KWD") in {"KWD", None}


# --- the edges are reached --------------------------------------------------------------------


@pytest.mark.rule("PRO-1")
@pytest.mark.parametrize(("strategy", "kind_type"), KINDS, ids=[k.__name__ for _, k in KINDS])
def test_every_kind_is_reached_by_count_and_by_amount(strategy: Any, kind_type: type) -> None:
    assert isinstance(reach(threshold_kinds(), lambda k: isinstance(k, kind_type)), kind_type)
    by_count = reach(strategy(), lambda k: isinstance(_thresholds(k)[0], int))
    assert isinstance(_thresholds(by_count)[0], int)
    yen = reach(strategy(), lambda k: any(m.currency == "JPY" for m in _amounts(k)))
    assert any(m.currency == "JPY" for m in _amounts(yen))
    assert MINOR_UNITS["JPY"] == 0


def _amounts(kind: Any) -> list[Money]:
    found: list[Money] = [t for t in _thresholds(kind) if isinstance(t, Money)]
    for name in ("reduction", "cap", "price", "value"):
        value = getattr(kind, name, None)
        if isinstance(value, Money):
            found.append(value)
    return found


@pytest.mark.rule("PRO-1")
def test_caps_several_tiers_and_pools_of_n_below_m_are_reached() -> None:
    assert reach(threshold_reductions(), lambda k: k.cap is not None).cap is not None
    assert reach(per_each_reductions(), lambda k: k.cap is not None).cap is not None
    capped = reach(threshold_discounts(), lambda k: k.cap is not None and len(k.tiers) > 1)
    assert capped.cap is not None
    assert len(reach(threshold_reductions(), lambda k: len(k.tiers) == 3).tiers) == 3
    no_currency = reach(threshold_discounts(by_count=True), lambda k: k.currency is None)
    assert no_currency.cap is None
    pool = reach(gift_pools(), lambda p: p.choose < len(p.gifts)).choose
    assert pool >= 1
    deep = reach(gift_pools(), lambda p: any(g.max_quantity > 1 for g in p.gifts))
    assert deep.most() > len(deep.gifts)
    assert reach(add_price_gifts(), lambda k: k.quantity > 1).quantity > 1
    assert len(reach(add_on_purchases(), lambda k: len(k.items) > 1).items) > 1


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-8")
def test_drawn_carts_both_reach_and_miss_drawn_kinds() -> None:
    applied = reach(kinds_and_carts(), lambda c: isinstance(c[0].evaluate(c[2], c[1]), Applied))
    assert isinstance(applied[0].evaluate(applied[2], applied[1]), Applied)
    missed = reach(
        kinds_and_carts(), lambda c: c[2] and isinstance(c[0].evaluate(c[2], c[1]), Missed)
    )
    assert isinstance(missed[0].evaluate(missed[2], missed[1]), Missed)


# --- readable examples ------------------------------------------------------------------------


def test_examples_shrink_to_readable_ones() -> None:
    tiered = smallest(threshold_kinds())
    assert tiered == TieredReduction([ReductionTier(Money(2, "CNY"), Money(1, "CNY"))])
    assert tiered.tag() == "满0.02减0.01"
    assert smallest(gift_pools()).choose == 1


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(InvalidArgument):
        reach(threshold_reductions(max_minor=3), bool)
    with pytest.raises(InvalidArgument):
        reach(cart_lines(min_size=3, max_size=2), bool)
