"""Item prices (PRO-1 (c)): flash price, direct reduction, percent off, special and member
price — worked examples, refusals of bad parameters, and properties (MON-2, MON-4, PRO-12)."""

from __future__ import annotations

import decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.pricing.item_kinds_builders import (
    CNY,
    JPY,
    PROPERTIES,
    SKU_B,
    D,
    cny,
    jpy,
    line,
)

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import (
    NO_LINES,
    Applied,
    Context,
    Missed,
    PriceCut,
    Stage,
    kind_named,
)
from shop_domain.pricing.kinds.item_prices import (
    BELOW_MEMBER_LEVEL,
    DirectReduction,
    FlashPrice,
    MemberPrice,
    MemberTier,
    PercentOff,
    SpecialPrice,
)
from shop_domain.pricing.kinds.support import NO_SAVING, OTHER_CURRENCY
from shop_domain.pricing.lines import Line
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import currencies
from shop_testing.strategies.pricing_items import (
    cart_lines,
    direct_reductions,
    flash_prices,
    member_prices,
    percent_offs,
    special_prices,
)


def cuts(outcome: object) -> dict[str, str]:
    """The new unit prices of an :class:`Applied` price cut, as text."""
    assert isinstance(outcome, Applied), outcome
    [effect] = outcome.effects
    assert isinstance(effect, PriceCut)
    return {line_id: str(price) for line_id, price in effect.unit_prices.items()}


def reason(outcome: object) -> str:
    assert isinstance(outcome, Missed), outcome
    return outcome.reason


# --- worked examples --------------------------------------------------------------------------


@pytest.mark.rule("PRO-1")
def test_a_flash_price_lowers_the_lines_above_it_and_leaves_the_cheaper_ones() -> None:
    flash = FlashPrice(cny("99"))
    outcome = flash.evaluate([line("a", "129.00", 2), line("b", "89.00", sku=SKU_B)], CNY)
    assert cuts(outcome) == {"a": "99.00 CNY"}
    assert flash.tag() == "限时价 99.00"
    assert reason(flash.evaluate([line("b", "99.00")], CNY)) == NO_SAVING


@pytest.mark.rule("PRO-1")
def test_a_special_price_prices_like_a_flash_price_under_its_own_tag() -> None:
    special = SpecialPrice(cny("59.90"))
    assert cuts(special.evaluate([line("a", "79.00"), line("b", "59.00")], CNY)) == {
        "a": "59.90 CNY"
    }
    assert special.tag() == "特价"
    assert (special.name, FlashPrice.name) == ("special_price", "flash_price")


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("MON-4")
def test_a_direct_reduction_takes_its_amount_off_each_unit_never_below_zero() -> None:
    off = DirectReduction(cny("30"))
    outcome = off.evaluate([line("a", "129.00", 3), line("b", "20.00"), line("c", "0.00")], CNY)
    assert cuts(outcome) == {"a": "99.00 CNY", "b": "0.00 CNY"}
    assert off.tag() == "直降 30.00"
    assert reason(off.evaluate([line("c", "0.00")], CNY)) == NO_SAVING


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("MON-2")
def test_percent_off_rounds_each_units_discount_half_up_once() -> None:
    eight = PercentOff(D("0.8"))
    # 8折 on 99.99 takes 20.00 off (19.998 rounded half-up)
    assert cuts(eight.evaluate([line("a", "99.99")], CNY)) == {"a": "79.99 CNY"}
    # per unit: three 0.99 units pay 0.79 each (2.37), not 2.38 as the line rounded would
    assert cuts(eight.evaluate([line("a", "0.99", 3)], CNY)) == {"a": "0.79 CNY"}
    # 5折 on 0.05: the discount 0.025 rounds up to 0.03, the unit costs 0.02
    assert cuts(PercentOff(D("0.5")).evaluate([line("a", "0.05")], CNY)) == {"a": "0.02 CNY"}
    # 9折 on 0.01 takes 0.001 off, which rounds to nothing
    assert reason(PercentOff(D("0.9")).evaluate([line("a", "0.01")], CNY)) == NO_SAVING


@pytest.mark.rule("PRO-1")
def test_percent_off_tags_say_the_tenths_paid() -> None:
    assert [PercentOff(D(rate)).tag() for rate in ("0.8", "0.85", "0.80", "0.05", "0.9999")] == [
        "8折",
        "8.5折",
        "8折",
        "0.5折",
        "9.999折",
    ]


@pytest.mark.rule("PRO-1")
def test_zero_decimal_currencies_price_and_tag_in_whole_yen() -> None:
    assert cuts(DirectReduction(jpy("300")).evaluate([line("a", "1000", currency="JPY")], JPY)) == {
        "a": "700 JPY"
    }
    assert cuts(PercentOff(D("0.8")).evaluate([line("a", "999", currency="JPY")], JPY)) == {
        "a": "799 JPY"
    }
    assert DirectReduction(jpy("300")).tag() == "直降 300"
    assert FlashPrice(jpy("990")).tag() == "限时价 990"


@pytest.mark.rule("PRO-1")
def test_a_member_price_takes_the_highest_tier_the_customer_reached() -> None:
    member = MemberPrice([MemberTier(1, cny("90")), MemberTier(3, cny("80"))])
    cart = [line("a", "100.00")]
    below = member.evaluate(cart, Context("CNY", member_level=0))
    assert reason(below) == BELOW_MEMBER_LEVEL
    assert isinstance(below, Missed)
    assert "level 1" in below.message
    assert cuts(member.evaluate(cart, Context("CNY", member_level=1))) == {"a": "90.00 CNY"}
    assert cuts(member.evaluate(cart, Context("CNY", member_level=2))) == {"a": "90.00 CNY"}
    assert cuts(member.evaluate(cart, Context("CNY", member_level=7))) == {"a": "80.00 CNY"}
    assert member.price_for(0) is None
    assert member.tag() == "会员价"


@pytest.mark.rule("PRO-8")
def test_item_prices_miss_with_a_reason_without_lines_or_in_another_currency() -> None:
    kinds = [
        FlashPrice(cny("9")),
        SpecialPrice(cny("9")),
        DirectReduction(cny("1")),
        PercentOff(D("0.9")),
        MemberPrice([MemberTier(1, cny("9"))]),
    ]
    for kind in kinds:
        assert reason(kind.evaluate([], Context("CNY", member_level=1))) == NO_LINES
    for kind in kinds[:3] + kinds[4:]:
        yen = kind.evaluate([line("a", "1000", currency="JPY")], Context("JPY", member_level=1))
        assert reason(yen) == OTHER_CURRENCY
    # a rate needs no currency of its own
    assert isinstance(
        PercentOff(D("0.9")).evaluate([line("a", "1000", currency="JPY")], JPY), Applied
    )


@pytest.mark.rule("PRO-4")
def test_the_item_prices_are_registered_at_the_item_level() -> None:
    for kind in (FlashPrice, SpecialPrice, DirectReduction, PercentOff, MemberPrice):
        assert kind_named(kind.name) is kind
        assert kind.stage is Stage.ITEM


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.rule("PRO-1")
@pytest.mark.parametrize(
    "build",
    [
        lambda: FlashPrice(cny("0")),
        lambda: FlashPrice(cny("-1")),
        lambda: FlashPrice(9900),
        lambda: SpecialPrice(D("99")),
        lambda: DirectReduction(cny("0")),
        lambda: PercentOff(D("0")),
        lambda: PercentOff(D("1")),
        lambda: PercentOff(D("1.5")),
        lambda: PercentOff(0.8),
        lambda: PercentOff(D("0.12345")),
        lambda: PercentOff(D("NaN")),
        lambda: MemberPrice([]),
        lambda: MemberPrice([MemberTier(0, cny("9"))]),
        lambda: MemberPrice([MemberTier(True, cny("9"))]),
        lambda: MemberPrice([MemberTier(2, cny("9")), MemberTier(2, cny("8"))]),
        lambda: MemberPrice([MemberTier(3, cny("9")), MemberTier(2, cny("10"))]),
        lambda: MemberPrice([MemberTier(1, cny("9")), MemberTier(2, cny("10"))]),
        lambda: MemberPrice([MemberTier(1, cny("9")), MemberTier(2, Money.of("8", "USD"))]),
        lambda: MemberPrice([(1, cny("9"))]),
    ],
    ids=[
        "flash zero",
        "flash negative",
        "flash not money",
        "special not money",
        "reduction zero",
        "rate zero",
        "rate one",
        "rate above one",
        "rate float",
        "rate five places",
        "rate nan",
        "no tier",
        "level zero",
        "level bool",
        "equal levels",
        "levels down",
        "higher level pays more",
        "two currencies",
        "tier not a tier",
    ],
)
def test_bad_item_price_parameters_are_refused(build: Any) -> None:
    with pytest.raises(InvalidPromotion):
        build()


def test_a_refusal_names_the_parameter_and_carries_the_promotion_code() -> None:
    with pytest.raises(InvalidPromotion, match="a flash price is positive") as refused:
        FlashPrice(cny("0"))
    assert refused.value.code == "promotion.invalid"
    with pytest.raises(InvalidPromotion, match="level 2 would pay more"):
        MemberPrice([MemberTier(1, cny("9")), MemberTier(2, cny("10"))])


def test_equal_prices_at_higher_tiers_are_allowed() -> None:
    member = MemberPrice((MemberTier(1, cny("9")), MemberTier(2, cny("9"))))
    assert member.price_for(5) == cny("9")


# --- properties -------------------------------------------------------------------------------


@st.composite
def priced(draw: st.DrawFn) -> tuple[Any, tuple[Line, ...], Context]:
    """An item price and a cart in one currency, and a customer of any member level."""
    code = draw(currencies())
    kind = draw(
        st.one_of(
            flash_prices(code),
            special_prices(code),
            direct_reductions(code),
            percent_offs(),
            member_prices(code),
        )
    )
    lines = draw(cart_lines(code, min_size=0))
    return kind, lines, Context(code, member_level=draw(st.integers(0, 12)))


@pytest.mark.rule("MON-4")
@pytest.mark.rule("PRO-1")
@PROPERTIES
@given(priced())
def test_an_item_price_lowers_unit_prices_never_below_zero_nor_raises_one(
    case: tuple[Any, tuple[Line, ...], Context],
) -> None:
    kind, lines, context = case
    outcome = kind.evaluate(lines, context)
    by_id = {each.line_id: each for each in lines}
    if isinstance(outcome, Missed):
        assert outcome.reason in {NO_LINES, NO_SAVING, BELOW_MEMBER_LEVEL}
        assert (outcome.reason == NO_LINES) == (not lines)
        return
    [effect] = outcome.effects
    assert isinstance(effect, PriceCut)
    assert effect.unit_prices
    for line_id, price in effect.unit_prices.items():
        assert 0 <= price.minor < by_id[line_id].unit_price.minor
    assert outcome.saving(context.currency).is_zero()  # a price cut is no reduction


@pytest.mark.rule("PRO-1")
@PROPERTIES
@given(flash_prices("CNY"), cart_lines("CNY"))
def test_a_flash_price_cuts_exactly_the_lines_above_it(
    flash: FlashPrice, lines: tuple[Line, ...]
) -> None:
    outcome = flash.evaluate(lines, CNY)
    above = {each.line_id for each in lines if each.unit_price > flash.price}
    if not above:
        assert reason(outcome) == NO_SAVING
    else:
        assert cuts(outcome) == {line_id: str(flash.price) for line_id in above}


@pytest.mark.rule("MON-2")
@PROPERTIES
@given(percent_offs(), cart_lines("CNY"))
def test_percent_off_pays_the_rate_of_each_unit_rounded_once(
    kind: PercentOff, lines: tuple[Line, ...]
) -> None:
    outcome = kind.evaluate(lines, CNY)
    expected = {}
    for each in lines:
        exact = each.unit_price.minor * (1 - kind.rate)
        off = int(exact.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))
        if off:
            expected[each.line_id] = str(Money(each.unit_price.minor - off, "CNY"))
    if expected:
        assert cuts(outcome) == expected
    else:
        assert reason(outcome) == NO_SAVING


@pytest.mark.rule("PRO-12")
@PROPERTIES
@given(priced())
def test_an_item_price_gives_the_same_outcome_every_time(
    case: tuple[Any, tuple[Line, ...], Context],
) -> None:
    kind, lines, context = case
    assert kind.evaluate(lines, context) == kind.evaluate(list(lines), context)
