"""Gift with purchase 赠品 (PRO-1 (e)): each unit of the main goods brings every gift, in its
quantity per unit and up to its cap per order, carrying its list value for PRO-9."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.pricing.item_kinds_builders import (
    CNY,
    GIFT_X,
    GIFT_Y,
    JPY,
    PROPERTIES,
    SKU_B,
    cny,
    jpy,
    line,
)

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import (
    NO_LINES,
    Applied,
    Context,
    Gift,
    GiftGrant,
    Missed,
    Stage,
    kind_named,
)
from shop_domain.pricing.kinds.purchase_gifts import GiftPerUnit, PurchaseGift
from shop_domain.pricing.kinds.support import OTHER_CURRENCY
from shop_domain.pricing.lines import Line, count_of
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import currencies
from shop_testing.strategies.pricing_items import cart_lines, purchase_gifts

MUG_AND_TWO_SPOONS = PurchaseGift(
    [
        GiftPerUnit(GIFT_X, value=cny("19.90")),
        GiftPerUnit(GIFT_Y, value=cny("5.00"), quantity=2, cap=3),
    ]
)


def granted(outcome: object) -> GiftGrant:
    assert isinstance(outcome, Applied), outcome
    [effect] = outcome.effects
    assert isinstance(effect, GiftGrant)
    return effect


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-9")
def test_each_main_unit_brings_every_gift_up_to_its_cap() -> None:
    cart = [line("a", "199.00", 2), line("b", "199.00", sku=SKU_B)]
    grant = granted(MUG_AND_TWO_SPOONS.evaluate(cart, CNY))
    assert grant.gifts == (
        Gift(sku_id=GIFT_X, quantity=3, value=cny("19.90")),
        Gift(sku_id=GIFT_Y, quantity=3, value=cny("5.00")),  # 2 a unit, capped at 3
    )
    assert grant.line_ids == ("a", "b")  # the gifts' value is allocated over these (PRO-9)
    assert all(gift.price is None for gift in grant.gifts)  # given free
    one = granted(MUG_AND_TWO_SPOONS.evaluate([line("a", "199.00")], CNY))
    assert [gift.quantity for gift in one.gifts] == [1, 2]
    assert MUG_AND_TWO_SPOONS.tag() == "赠品"


@pytest.mark.rule("PRO-1")
def test_a_gift_may_be_worth_nothing_and_be_valued_in_yen() -> None:
    sample = PurchaseGift([GiftPerUnit(GIFT_X, value=jpy("0"))])
    grant = granted(sample.evaluate([line("a", "500", 2, currency="JPY")], JPY))
    assert grant.gifts == (Gift(sku_id=GIFT_X, quantity=2, value=jpy("0")),)


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-8")
def test_a_purchase_gift_misses_without_lines_or_in_another_currency() -> None:
    missed = MUG_AND_TWO_SPOONS.evaluate([], CNY)
    assert isinstance(missed, Missed)
    assert missed.reason == NO_LINES
    yen = MUG_AND_TWO_SPOONS.evaluate([line("a", "500", currency="JPY")], JPY)
    assert isinstance(yen, Missed)
    assert yen.reason == OTHER_CURRENCY


@pytest.mark.rule("PRO-4")
def test_a_purchase_gift_sits_at_the_bundle_level_and_names_its_gift_skus() -> None:
    assert kind_named("purchase_gift") is PurchaseGift
    assert PurchaseGift.stage is Stage.BUNDLE
    assert MUG_AND_TWO_SPOONS.gift_sku_ids == {GIFT_X, GIFT_Y}


@pytest.mark.rule("PRO-1")
@pytest.mark.parametrize(
    "build",
    [
        lambda: PurchaseGift([]),
        lambda: PurchaseGift([GiftPerUnit(GIFT_X, cny("1")), GiftPerUnit(GIFT_X, cny("2"))]),
        lambda: PurchaseGift([GiftPerUnit(GIFT_X, cny("1")), GiftPerUnit(GIFT_Y, jpy("2"))]),
        lambda: PurchaseGift([(GIFT_X, cny("1"))]),
        lambda: GiftPerUnit(GIFT_X, cny("-1")),
        lambda: GiftPerUnit(GIFT_X, 100),
        lambda: GiftPerUnit(GIFT_X, cny("1"), quantity=0),
        lambda: GiftPerUnit(GIFT_X, cny("1"), cap=0),
        lambda: GiftPerUnit(GIFT_X, cny("1"), cap=True),
        lambda: GiftPerUnit(str(GIFT_X), cny("1")),
    ],
    ids=[
        "no gift",
        "a gift twice",
        "two currencies",
        "gift not a gift",
        "negative value",
        "value not money",
        "no unit per unit",
        "cap zero",
        "cap bool",
        "sku not a uuid",
    ],
)
def test_bad_purchase_gift_parameters_are_refused(build: Any) -> None:
    with pytest.raises(InvalidPromotion):
        build()


@st.composite
def gift_cases(draw: st.DrawFn) -> tuple[PurchaseGift, tuple[Line, ...], str]:
    code = draw(currencies())
    return draw(purchase_gifts(code)), draw(cart_lines(code)), code


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-9")
@PROPERTIES
@given(gift_cases())
def test_gifts_follow_the_units_bought_within_their_caps(
    case: tuple[PurchaseGift, tuple[Line, ...], str],
) -> None:
    kind, lines, code = case
    outcome = kind.evaluate(lines, Context(code))
    grant = granted(outcome)
    assert isinstance(outcome, Applied)
    assert outcome.saving(code) == Money.zero(code)  # a gift takes nothing off the price
    units = count_of(lines)
    assert grant.line_ids == tuple(each.line_id for each in lines)
    for offered, given_ in zip(kind.gifts, grant.gifts, strict=True):
        assert given_.sku_id == offered.sku_id
        assert given_.value == offered.value
        assert 1 <= given_.quantity <= offered.quantity * units
        if offered.cap is None or offered.quantity * units <= offered.cap:
            assert given_.quantity == offered.quantity * units
        else:
            assert given_.quantity == offered.cap
