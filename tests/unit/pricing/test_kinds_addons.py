"""Add-on purchase 加价购/换购 (PRO-1 i): past a threshold, SKUs offered at a special price up to
a quantity; what a cart below it misses (PRO-8), its tags and the parameters it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.pricing.threshold_builders import CNY, JPY, cny, jpy, line, sku

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.addons import AddOnItem, AddOnPurchase
from shop_domain.pricing.kinds.base import (
    BELOW_THRESHOLD,
    NO_LINES,
    OTHER_CURRENCY,
    AddOnOffer,
    Applied,
    Context,
    Missed,
    Stage,
    kind_named,
)
from shop_domain.pricing.lines import count_of, total_of
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import currencies
from shop_testing.strategies.pricing_items import cart_lines
from shop_testing.strategies.pricing_thresholds import add_on_purchases

Z, W = sku(), sku()
ONE_YUAN = AddOnPurchase(cny("99"), [AddOnItem(Z, cny("1"), 2)])


def test_the_add_on_kind_is_registered_at_the_threshold_stage() -> None:
    assert kind_named(AddOnPurchase.name) is AddOnPurchase
    assert AddOnPurchase.stage is Stage.THRESHOLD


@pytest.mark.rule("PRO-1")
def test_past_the_threshold_the_sku_is_offered_at_its_price() -> None:
    outcome = ONE_YUAN.evaluate([line(cny("50"), 1, "a"), line(cny("49"), 1, "b")], CNY)
    assert outcome == Applied((AddOnOffer(Z, cny("1"), 2, ("a", "b")),))
    assert outcome.saving("CNY") == cny("0")


@pytest.mark.rule("PRO-1")
def test_several_skus_are_offered_in_the_operators_order() -> None:
    kind = AddOnPurchase(2, [AddOnItem(W, jpy("300")), AddOnItem(Z, jpy("100"), 3)])
    outcome = kind.evaluate([line(jpy("10"), 2, "a")], JPY)
    assert outcome == Applied(
        (AddOnOffer(W, jpy("300"), 1, ("a",)), AddOnOffer(Z, jpy("100"), 3, ("a",)))
    )


@pytest.mark.rule("PRO-8")
def test_below_the_threshold_the_miss_says_what_is_missing() -> None:
    assert ONE_YUAN.evaluate([line(cny("79"))], CNY) == Missed(
        BELOW_THRESHOLD, "add 20.00 more for 满99加1元换购", cny("20")
    )
    assert ONE_YUAN.evaluate([], CNY) == Missed(
        NO_LINES, "add 99.00 more for 满99加1元换购", cny("99")
    )
    by_items = AddOnPurchase(3, [AddOnItem(Z, cny("1"))])
    assert by_items.evaluate([line(cny("500"))], CNY) == Missed(
        BELOW_THRESHOLD, "add 2 more items for 满3件加1元换购", missing_count=2
    )
    other = ONE_YUAN.evaluate([line(jpy("1000"))], JPY)
    assert isinstance(other, Missed)
    assert other.reason == OTHER_CURRENCY


def test_add_on_tags_read_as_shops_show_them() -> None:
    assert ONE_YUAN.tag() == "满99加1元换购"
    assert AddOnPurchase(cny("99"), [AddOnItem(Z, cny("0.99"))]).tag() == "满99加0.99元换购"
    two_prices = AddOnPurchase(cny("199"), [AddOnItem(Z, cny("1")), AddOnItem(W, cny("9.90"))])
    assert two_prices.tag() == "满199加价换购"


REFUSED: list[tuple[str, Any]] = [
    ("no item", lambda: AddOnPurchase(cny("99"), [])),
    (
        "a SKU twice",
        lambda: AddOnPurchase(cny("99"), [AddOnItem(Z, cny("1")), AddOnItem(Z, cny("2"))]),
    ),
    ("not an item", lambda: AddOnPurchase(cny("99"), [Z])),
    ("two currencies", lambda: AddOnPurchase(cny("99"), [AddOnItem(Z, jpy("1"))])),
    ("a zero threshold", lambda: AddOnPurchase(cny("0"), [AddOnItem(Z, cny("1"))])),
    ("no items to reach", lambda: AddOnPurchase(0, [AddOnItem(Z, cny("1"))])),
    ("free", lambda: AddOnItem(Z, cny("0"))),
    ("negative price", lambda: AddOnItem(Z, cny("-1"))),
    ("no quantity", lambda: AddOnItem(Z, cny("1"), 0)),
    ("not a SKU id", lambda: AddOnItem(str(Z), cny("1"))),
]


@pytest.mark.rule("PRO-1")
@pytest.mark.parametrize(("why", "build"), REFUSED, ids=[why for why, _ in REFUSED])
def test_bad_parameters_are_refused(why: str, build: Any) -> None:
    with pytest.raises(InvalidPromotion) as caught:
        build()
    assert caught.value.code == "promotion.invalid"


@st.composite
def add_on_and_cart(draw: st.DrawFn) -> tuple[AddOnPurchase, Context, list[Any]]:
    code = draw(currencies(exponents=(0, 2, 3)))
    kind = draw(add_on_purchases(code, max_minor=200_000))
    return (
        kind,
        Context(code),
        list(draw(cart_lines(code, min_size=0, max_size=4, max_unit_minor=50_000))),
    )


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-8")
@settings(max_examples=60, deadline=None)
@given(add_on_and_cart())
def test_the_offer_is_made_exactly_when_the_threshold_is_reached(case: Any) -> None:
    kind, context, lines = case
    outcome = kind.evaluate(lines, context)
    measured = (
        total_of(lines, context.currency).minor
        if isinstance(kind.threshold, Money)
        else count_of(lines)
    )
    limit = kind.threshold.minor if isinstance(kind.threshold, Money) else kind.threshold
    assert isinstance(outcome, Applied) == (measured >= limit)
    if isinstance(outcome, Applied):
        assert all(isinstance(offer, AddOnOffer) for offer in outcome.effects)
        assert outcome.effects == tuple(
            AddOnOffer(item.sku_id, item.price, item.max_quantity, tuple(o.line_id for o in lines))
            for item in kind.items
        )
    else:
        missing = outcome.missing_amount.minor if outcome.missing_amount else outcome.missing_count
        assert missing == limit - measured
