"""The kit's strategies for the item, bundle, multi-buy and purchase-gift kinds and for cart
lines: every drawn kind is one its constructor builds again and evaluates on a drawn cart, the
parameters are kept, the edges are reached and examples shrink to readable ones (PRO-1)."""

from __future__ import annotations

import decimal
import uuid
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from tests.kit.strategies_support import PARAMETERS, VALID, reach, rebuilt, smallest

from shop_domain.pricing.kinds.base import (
    MISSING_ITEMS,
    Applied,
    Context,
    GiftGrant,
    Missed,
    kind_named,
)
from shop_domain.pricing.kinds.bundles import BundlePrice
from shop_domain.pricing.kinds.item_prices import (
    BELOW_MEMBER_LEVEL,
    FlashPrice,
    MemberPrice,
    PercentOff,
)
from shop_domain.pricing.kinds.purchase_gifts import PurchaseGift
from shop_domain.pricing.kinds.support import NO_SAVING
from shop_domain.pricing.lines import Line, count_of
from shop_domain.shared.money import MINOR_UNITS, Money
from shop_testing.strategies.amounts import currencies
from shop_testing.strategies.pricing_items import (
    MAX_LEVEL,
    bundles,
    cart_lines,
    flash_prices,
    item_kinds,
    member_prices,
    multi_buy_prices,
    multi_buy_rates,
    percent_offs,
    purchase_gifts,
)

SKUS = (uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3))


@st.composite
def kind_and_cart(draw: st.DrawFn) -> tuple[Any, tuple[Line, ...], Context]:
    """Any kind and a cart over the same SKUs in one currency, for a customer of any level."""
    code = draw(currencies())
    kind = draw(item_kinds(code, sku_ids=SKUS))
    lines = draw(cart_lines(code, sku_ids=SKUS, min_size=0))
    return kind, lines, Context(code, member_level=draw(st.integers(0, MAX_LEVEL + 1)))


def _amounts(kind: Any) -> list[Money]:
    if isinstance(kind, MemberPrice):
        return [tier.price for tier in kind.tiers]
    if isinstance(kind, PurchaseGift):
        return [gift.value for gift in kind.gifts]
    fields = attrs.asdict(kind, recurse=False).values()
    return [value for value in fields if isinstance(value, Money)]


# --- every draw is valid ----------------------------------------------------------------------


@pytest.mark.rule("PRO-1")
@VALID
@given(kind_and_cart())
def test_every_kind_is_built_again_and_evaluates_a_cart(
    case: tuple[Any, tuple[Line, ...], Context],
) -> None:
    kind, lines, context = case
    assert rebuilt(kind) == kind
    assert kind_named(kind.name) is type(kind)
    assert kind.tag()
    outcome = kind.evaluate(lines, context)
    assert isinstance(outcome, Applied | Missed)
    assert {money.currency for money in _amounts(kind)} <= {context.currency}


@pytest.mark.rule("PRO-1")
@VALID
@given(cart_lines(sku_ids=SKUS, min_size=0, max_size=4, max_quantity=3, max_unit_minor=500))
def test_cart_lines_are_lines_of_one_currency_within_the_bounds(lines: tuple[Line, ...]) -> None:
    assert len(lines) <= 4
    assert [each.line_id for each in lines] == [f"line-{n}" for n in range(1, len(lines) + 1)]
    assert len({each.unit_price.currency for each in lines}) <= 1
    for each in lines:
        assert rebuilt(each) == each
        assert each.item.sku_id in SKUS
        assert 1 <= each.quantity <= 3
        assert 0 <= each.unit_price.minor <= 500


@pytest.mark.rule("PRO-1")
@PARAMETERS
@given(member_prices("JPY", max_tiers=4))
def test_member_prices_go_up_in_level_and_never_up_in_price(kind: MemberPrice) -> None:
    levels = [tier.level for tier in kind.tiers]
    prices = [tier.price.minor for tier in kind.tiers]
    assert 1 <= len(levels) <= 4
    assert levels == sorted(set(levels))
    assert levels[0] >= 1
    assert levels[-1] <= MAX_LEVEL
    assert prices == sorted(prices, reverse=True)
    assert kind.currency == "JPY"


@pytest.mark.rule("PRO-1")
@PARAMETERS
@given(bundles(SKUS, "KWD", max_quantity=2, max_minor=700))
def test_bundles_keep_their_skus_currency_and_bounds(kind: BundlePrice) -> None:
    assert kind.sku_ids <= set(SKUS)
    assert len(kind.items) >= 2
    assert all(1 <= item.quantity <= 2 for item in kind.items)
    assert kind.price.currency == "KWD"
    assert 1 <= kind.price.minor <= 700


@pytest.mark.rule("PRO-1")
@PARAMETERS
@given(purchase_gifts("CNY", gift_ids=SKUS[:2], max_gifts=3))
def test_purchase_gifts_give_the_skus_they_were_given(kind: PurchaseGift) -> None:
    assert kind.gift_sku_ids <= set(SKUS[:2])
    assert kind.currency == "CNY"


# --- the edges are reached --------------------------------------------------------------------


def test_every_kind_is_reached() -> None:
    names = {"flash_price", "direct_reduction", "percent_off", "special_price", "member_price"}
    names |= {"bundle_price", "multi_buy_price", "multi_buy_rate", "purchase_gift"}
    for name in names:
        reach(item_kinds(), lambda kind, name=name: kind.name == name)


def _outcome(case: tuple[Any, tuple[Line, ...]]) -> Applied | Missed:
    kind, lines = case
    outcome: Applied | Missed = kind.evaluate(lines, Context("CNY", member_level=2))
    return outcome


def _missed(case: tuple[Any, tuple[Line, ...]], why: str) -> bool:
    outcome = _outcome(case)
    return isinstance(outcome, Missed) and outcome.reason == why


def test_the_outcomes_worth_testing_are_reached() -> None:
    cart = cart_lines("CNY", sku_ids=SKUS)
    kinds = [
        st.tuples(bundles(SKUS, "CNY"), cart),
        st.tuples(multi_buy_prices("CNY"), cart),
        st.tuples(multi_buy_rates(), cart),
        st.tuples(member_prices("CNY"), cart),
        st.tuples(flash_prices("CNY"), cart),
    ]
    for pairs in kinds:
        reach(pairs, lambda case: isinstance(_outcome(case), Applied))
    bundle, multi_buy, multi_rate, member, flash = kinds
    reach(bundle, lambda case: _missed(case, MISSING_ITEMS))
    reach(bundle, lambda case: _missed(case, NO_SAVING))
    reach(multi_buy, lambda case: _missed(case, MISSING_ITEMS))
    reach(multi_buy, lambda case: _missed(case, NO_SAVING))
    reach(multi_rate, lambda case: _missed(case, MISSING_ITEMS))
    reach(member, lambda case: _missed(case, BELOW_MEMBER_LEVEL))
    reach(flash, lambda case: _missed(case, NO_SAVING))


def test_the_parameter_edges_are_reached() -> None:
    reach(member_prices(), lambda kind: len(kind.tiers) == 3)
    reach(member_prices(), lambda kind: len({tier.price for tier in kind.tiers}) < len(kind.tiers))
    reach(item_kinds(), lambda kind: any(MINOR_UNITS[m.currency] == 0 for m in _amounts(kind)))
    reach(
        bundles(SKUS), lambda kind: len(kind.items) == 3 and any(i.quantity > 1 for i in kind.items)
    )
    reach(purchase_gifts(), lambda kind: any(g.cap is not None for g in kind.gifts))
    reach(purchase_gifts(), lambda kind: any(g.value.is_zero() for g in kind.gifts))
    reach(percent_offs(), lambda kind: kind.rate.as_tuple().exponent == -4)
    reach(multi_buy_rates(), lambda kind: kind.count == 5)


def test_the_cart_edges_are_reached() -> None:
    reach(cart_lines(), lambda lines: any(each.unit_price.is_zero() for each in lines))
    reach(cart_lines(sku_ids=SKUS), lambda lines: len({e.item.sku_id for e in lines}) < len(lines))
    reach(cart_lines(min_size=0), lambda lines: not lines)
    reach(cart_lines(), lambda lines: any(each.quantity == 5 for each in lines))


def test_a_capped_gift_is_reached() -> None:
    def capped(case: tuple[PurchaseGift, tuple[Line, ...]]) -> bool:
        kind, lines = case
        outcome = kind.evaluate(lines, Context("CNY"))
        assert isinstance(outcome, Applied)
        [grant] = outcome.effects
        assert isinstance(grant, GiftGrant)
        units = count_of(lines)
        return any(
            offered.cap is not None
            and offered.cap < offered.quantity * units
            and out.quantity == offered.cap
            for offered, out in zip(kind.gifts, grant.gifts, strict=True)
        )

    reach(st.tuples(purchase_gifts("CNY"), cart_lines("CNY")), capped)


# --- shrinking and arguments ------------------------------------------------------------------


def test_examples_shrink_to_small_readable_ones() -> None:
    assert smallest(item_kinds()) == FlashPrice(Money(1, "CNY"))
    [only] = smallest(cart_lines())
    assert (only.quantity, only.unit_price) == (1, Money(0, "CNY"))
    bundle = smallest(bundles(SKUS))
    assert [(item.sku_id, item.quantity) for item in bundle.items] == [(SKUS[0], 1), (SKUS[1], 1)]
    assert bundle.price == Money(1, "CNY")
    assert smallest(multi_buy_rates()).tag() == "2件8折"
    assert smallest(percent_offs()) == PercentOff(decimal.Decimal("0.8"))
    assert smallest(member_prices()).tiers[0].level == 1


@pytest.mark.parametrize(
    "strategy",
    [
        lambda: bundles([]),
        lambda: cart_lines(sku_ids=[]),
        lambda: cart_lines(min_size=3, max_size=2),
        lambda: member_prices(max_tiers=0),
        lambda: multi_buy_prices(max_count=1),
        lambda: multi_buy_rates(max_count=1),
        lambda: purchase_gifts(max_gifts=0),
        lambda: multi_buy_prices(max_minor=0),
    ],
)
def test_impossible_arguments_are_refused(strategy: Any) -> None:
    with pytest.raises(InvalidArgument):
        reach(strategy(), lambda _: True)
