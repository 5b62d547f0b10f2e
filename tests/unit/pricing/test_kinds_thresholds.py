"""Threshold reductions and discounts (PRO-1 a, b): tiered 满减, per-each 每满 and 满折 — what
they take off (MON-2, MON-4), what a cart below them misses (PRO-8), their tags and the
parameters they refuse."""

from __future__ import annotations

import decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.pricing.threshold_builders import CNY, JPY, cny, jpy, line, reduction_of, saving

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import (
    BELOW_THRESHOLD,
    NO_LINES,
    OTHER_CURRENCY,
    Context,
    Missed,
    Stage,
    kind_named,
)
from shop_domain.pricing.kinds.thresholds import (
    DiscountTier,
    PerEachReduction,
    ReductionTier,
    ThresholdDiscount,
    TieredReduction,
)
from shop_domain.pricing.lines import count_of, total_of
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import currencies
from shop_testing.strategies.pricing_items import cart_lines
from shop_testing.strategies.pricing_thresholds import (
    per_each_reductions,
    threshold_discounts,
    threshold_reductions,
)

D = decimal.Decimal
FAST = settings(max_examples=60, deadline=None)

TIERS = TieredReduction(
    [
        ReductionTier(cny("100"), cny("10")),
        ReductionTier(cny("300"), cny("50")),
        ReductionTier(cny("500"), cny("80")),
    ]
)
EVERY_200 = PerEachReduction(cny("200"), cny("20"))
EIGHT_TENTHS = ThresholdDiscount([DiscountTier(cny("10000"), D("0.8"))], cap=cny("1200"))


def test_the_kinds_are_registered_at_the_threshold_stage() -> None:
    for kind in (TieredReduction, PerEachReduction, ThresholdDiscount):
        assert kind_named(kind.name) is kind
        assert kind.stage is Stage.THRESHOLD


# --- tiered 满减 ----------------------------------------------------------------------------------


@pytest.mark.rule("PRO-1")
@pytest.mark.parametrize(
    ("total", "off"),
    [
        ("100", "10"),
        ("299.99", "10"),
        ("300", "50"),
        ("499.99", "50"),
        ("500", "80"),
        ("2000", "80"),
    ],
)
def test_the_highest_tier_reached_applies(total: str, off: str) -> None:
    reduction = reduction_of(TIERS.evaluate([line(cny(total))], CNY))
    assert reduction.amount == cny(off)


@pytest.mark.rule("PRO-4")
def test_a_tier_is_measured_on_all_the_targeted_lines_together() -> None:
    lines = [line(cny("120"), 2, "a"), line(cny("60"), 1, "b")]  # 300 together
    reduction = reduction_of(TIERS.evaluate(lines, CNY))
    assert reduction.amount == cny("50")
    assert reduction.line_ids == ("a", "b")


@pytest.mark.rule("PRO-8")
def test_below_the_lowest_tier_the_miss_says_what_is_missing() -> None:
    kind = TieredReduction([ReductionTier(cny("300"), cny("50"))])
    missed = kind.evaluate([line(cny("200")), line(cny("80"))], CNY)
    assert missed == Missed(BELOW_THRESHOLD, "add 20.00 more for 满300减50", cny("20"))
    assert TIERS.evaluate([line(cny("99.99"))], CNY) == Missed(
        BELOW_THRESHOLD, "add 0.01 more for 满100减10", missing_amount=cny("0.01")
    )


@pytest.mark.rule("PRO-8")
def test_the_next_tier_tells_how_close_it_is() -> None:
    missed = TIERS.next_tier([line(cny("280"))], CNY)
    assert missed is not None
    assert missed.message == "add 20.00 more for 满300减50"
    assert missed.missing_amount == cny("20")
    assert TIERS.next_tier([line(cny("50"))], CNY) == TIERS.evaluate([line(cny("50"))], CNY)
    assert TIERS.next_tier([line(cny("500"))], CNY) is None


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-8")
def test_a_count_threshold_counts_items_and_says_how_many_are_missing() -> None:
    kind = TieredReduction([ReductionTier(2, cny("10")), ReductionTier(4, cny("25"))])
    assert kind.evaluate([line(cny("1"))], CNY) == Missed(
        BELOW_THRESHOLD, "add 1 more item for 满2件减10", missing_count=1
    )
    assert reduction_of(kind.evaluate([line(cny("30"), 3)], CNY)).amount == cny("10")
    assert reduction_of(kind.evaluate([line(cny("30"), 2), line(cny("5"), 2)], CNY)).amount == cny(
        "25"
    )
    missed = kind.evaluate([], CNY)
    assert missed == Missed(NO_LINES, "add 2 more items for 满2件减10", missing_count=2)


@pytest.mark.rule("MON-4")
def test_a_reduction_never_exceeds_the_lines_total() -> None:
    kind = TieredReduction([ReductionTier(2, cny("50"))])
    assert reduction_of(kind.evaluate([line(cny("10"), 2)], CNY)).amount == cny("20")
    assert reduction_of(kind.evaluate([line(cny("0"), 2)], CNY)).amount == cny("0")


@pytest.mark.rule("PRO-1")
def test_a_cap_holds_the_reduction() -> None:
    kind = TieredReduction(TIERS.tiers, cap=cny("60"))
    assert reduction_of(kind.evaluate([line(cny("600"))], CNY)).amount == cny("60")
    assert reduction_of(kind.evaluate([line(cny("300"))], CNY)).amount == cny("50")


@pytest.mark.rule("PRO-8")
def test_no_targeted_line_and_another_currency_are_misses() -> None:
    missed = TIERS.evaluate([], CNY)
    assert isinstance(missed, Missed)
    assert (missed.reason, missed.missing_amount) == (NO_LINES, cny("100"))
    other = TIERS.evaluate([line(jpy("1000"))], JPY)
    assert isinstance(other, Missed)
    assert other.reason == OTHER_CURRENCY
    assert TIERS.next_tier([line(jpy("1000"))], JPY) is None


# --- per-each 每满 --------------------------------------------------------------------------------


@pytest.mark.rule("PRO-1")
@pytest.mark.parametrize(("total", "pays"), [("230", "210"), ("430", "390"), ("400", "360")])
def test_every_full_step_takes_its_reduction_off(total: str, pays: str) -> None:
    reduction = reduction_of(EVERY_200.evaluate([line(cny(total))], CNY))
    assert cny(total) - reduction.amount == cny(pays)


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-8")
def test_per_each_below_one_step_caps_and_counts() -> None:
    assert EVERY_200.evaluate([line(cny("199.99"))], CNY) == Missed(
        BELOW_THRESHOLD, "add 0.01 more for 每满200减20", cny("0.01")
    )
    capped = PerEachReduction(cny("200"), cny("20"), cap=cny("50"))
    assert reduction_of(capped.evaluate([line(cny("1000"))], CNY)).amount == cny("50")
    by_items = PerEachReduction(2, cny("15"))
    assert reduction_of(by_items.evaluate([line(cny("40"), 5)], CNY)).amount == cny("30")
    assert by_items.evaluate([line(cny("40"))], CNY) == Missed(
        BELOW_THRESHOLD, "add 1 more item for 每满2件减15", missing_count=1
    )


@pytest.mark.rule("PRO-8")
def test_per_each_tells_how_far_the_next_step_is() -> None:
    missed = EVERY_200.next_tier([line(cny("230"))], CNY)
    assert missed is not None
    assert (missed.message, missed.missing_amount) == (
        "add 170.00 more for 每满200减20",
        cny("170"),
    )
    capped = PerEachReduction(cny("200"), cny("20"), cap=cny("40"))
    assert capped.next_tier([line(cny("430"))], CNY) is None
    assert capped.next_tier([line(cny("230"))], CNY) is not None


# --- 满折 -----------------------------------------------------------------------------------------


@pytest.mark.rule("PRO-1")
def test_a_threshold_discount_with_a_cap() -> None:
    reduction = reduction_of(EIGHT_TENTHS.evaluate([line(cny("10000"))], CNY))
    assert cny("10000") - reduction.amount == cny("8800")
    assert EIGHT_TENTHS.evaluate([line(cny("9999.99"))], CNY) == Missed(
        BELOW_THRESHOLD, "add 0.01 more for 满10000打8折", cny("0.01")
    )
    uncapped = ThresholdDiscount([DiscountTier(cny("1000"), D("0.8"))])
    assert reduction_of(uncapped.evaluate([line(cny("5000"))], CNY)).amount == cny("1000")


@pytest.mark.rule("MON-2")
@pytest.mark.parametrize(
    ("rate", "total", "off"),
    [("0.8", "99.99", "20.00"), ("0.9", "0.05", "0.01"), ("0.9", "0.04", "0")],
)
def test_a_discount_is_rounded_half_up_once(rate: str, total: str, off: str) -> None:
    kind = ThresholdDiscount([DiscountTier(cny("0.01"), D(rate))])
    assert reduction_of(kind.evaluate([line(cny(total))], CNY)).amount == cny(off)


@pytest.mark.rule("PRO-1")
def test_tiered_discounts_by_count_in_any_currency() -> None:
    kind = ThresholdDiscount([DiscountTier(2, D("0.9")), DiscountTier(3, D("0.85"))])
    assert kind.currency is None
    assert reduction_of(kind.evaluate([line(jpy("1001"), 2)], JPY)).amount == jpy("200")
    # 3003 yen at 8.5折: 450.45 off, rounded half-up once to 450
    assert reduction_of(kind.evaluate([line(jpy("1001"), 3)], JPY)).amount == jpy("450")
    assert kind.evaluate([line(cny("10"))], CNY) == Missed(
        BELOW_THRESHOLD, "add 1 more item for 满2件打9折", missing_count=1
    )


@pytest.mark.rule("MON-1")
def test_zero_decimal_currencies_read_without_decimals() -> None:
    kind = TieredReduction([ReductionTier(jpy("3000"), jpy("500"))])
    assert kind.tag() == "满3000减500"
    assert kind.evaluate([line(jpy("2980"))], JPY) == Missed(
        BELOW_THRESHOLD, "add 20 more for 满3000减500", jpy("20")
    )
    assert reduction_of(kind.evaluate([line(jpy("3000"))], JPY)).amount == jpy("500")


# --- tags -----------------------------------------------------------------------------------------


def test_tags_read_as_shops_show_them() -> None:
    assert TIERS.tag() == "满100减10，满300减50，满500减80"
    assert EVERY_200.tag() == "每满200减20"
    assert EIGHT_TENTHS.tag() == "满10000打8折，最多减1200"
    assert TieredReduction([ReductionTier(cny("299.90"), cny("9.90"))]).tag() == "满299.90减9.90"
    assert PerEachReduction(2, cny("15"), cap=cny("45")).tag() == "每满2件减15，最多减45"
    rates = ThresholdDiscount([DiscountTier(2, D("0.95")), DiscountTier(3, D("0.8888"))])
    assert rates.tag() == "满2件打9.5折，满3件打8.888折"


# --- refusals -------------------------------------------------------------------------------------


def _tiers(*pairs: tuple[Any, Any]) -> list[ReductionTier]:
    return [ReductionTier(threshold, reduction) for threshold, reduction in pairs]


REFUSED: list[tuple[str, Any]] = [
    ("no tier", lambda: TieredReduction([])),
    (
        "tiers not increasing",
        lambda: TieredReduction(_tiers((cny("300"), cny("50")), (cny("100"), cny("60")))),
    ),
    (
        "two equal thresholds",
        lambda: TieredReduction(_tiers((cny("100"), cny("5")), (cny("100"), cny("10")))),
    ),
    (
        "reductions not increasing",
        lambda: TieredReduction(_tiers((cny("100"), cny("50")), (cny("300"), cny("50")))),
    ),
    (
        "amounts and counts mixed",
        lambda: TieredReduction(_tiers((cny("100"), cny("5")), (3, cny("10")))),
    ),
    (
        "two currencies",
        lambda: TieredReduction(_tiers((cny("100"), cny("5")), (jpy("300"), jpy("10")))),
    ),
    ("reduction = threshold", lambda: ReductionTier(cny("100"), cny("100"))),
    ("reduction > threshold", lambda: ReductionTier(cny("100"), cny("150"))),
    ("zero reduction", lambda: ReductionTier(cny("100"), cny("0"))),
    ("zero threshold", lambda: ReductionTier(cny("0"), cny("1"))),
    ("no items", lambda: ReductionTier(0, cny("1"))),
    ("a bool count", lambda: ReductionTier(True, cny("1"))),
    ("a float threshold", lambda: ReductionTier(100.0, cny("1"))),
    ("a number reduction", lambda: ReductionTier(cny("100"), 10)),
    ("not a tier", lambda: TieredReduction([(cny("100"), cny("10"))])),
    ("cap below the lowest", lambda: TieredReduction(TIERS.tiers, cap=cny("9.99"))),
    ("zero cap", lambda: TieredReduction(_tiers((2, cny("5"))), cap=cny("0"))),
    ("cap in yen", lambda: TieredReduction(TIERS.tiers, cap=jpy("100"))),
    ("step = reduction", lambda: PerEachReduction(cny("20"), cny("20"))),
    ("per-each cap below one", lambda: PerEachReduction(cny("200"), cny("20"), cap=cny("19"))),
    ("per-each no step", lambda: PerEachReduction(0, cny("20"))),
    ("rate of 1", lambda: DiscountTier(cny("100"), D("1"))),
    ("rate of 0", lambda: DiscountTier(cny("100"), D("0"))),
    ("rate above 1", lambda: DiscountTier(cny("100"), D("1.2"))),
    ("negative rate", lambda: DiscountTier(cny("100"), D("-0.8"))),
    ("float rate", lambda: DiscountTier(cny("100"), 0.8)),
    ("rate NaN", lambda: DiscountTier(cny("100"), D("NaN"))),
    ("five places", lambda: DiscountTier(cny("100"), D("0.88885"))),
    (
        "rates not decreasing",
        lambda: ThresholdDiscount([DiscountTier(2, D("0.8")), DiscountTier(3, D("0.9"))]),
    ),
    (
        "equal rates",
        lambda: ThresholdDiscount([DiscountTier(2, D("0.8")), DiscountTier(3, D("0.80"))]),
    ),
    ("discount no tier", lambda: ThresholdDiscount([])),
    (
        "discount cap currency",
        lambda: ThresholdDiscount([DiscountTier(cny("10"), D("0.8"))], cap=jpy("5")),
    ),
    ("tiers not a sequence", lambda: TieredReduction(5)),
]


@pytest.mark.rule("PRO-1")
@pytest.mark.parametrize(("why", "build"), REFUSED, ids=[why for why, _ in REFUSED])
def test_bad_parameters_are_refused(why: str, build: Any) -> None:
    with pytest.raises(InvalidPromotion) as caught:
        build()
    assert caught.value.code == "promotion.invalid"
    assert caught.value.message


# --- properties -----------------------------------------------------------------------------------


@st.composite
def kind_and_carts(draw: st.DrawFn) -> tuple[Any, Context, list[Any], list[Any]]:
    """A reducing kind, its cart and the same cart with one more line (more spend)."""
    code = draw(currencies(exponents=(0, 2)))
    kind = draw(st.sampled_from([threshold_reductions, per_each_reductions, threshold_discounts]))
    drawn = draw(kind(code, max_minor=200_000))
    lines = list(draw(cart_lines(code, min_size=0, max_size=4, max_unit_minor=50_000)))
    more = list(draw(cart_lines(code, max_size=1, max_unit_minor=50_000)))
    extra = [attrs.evolve(one, line_id=f"more-{one.line_id}") for one in more]
    return drawn, Context(code), lines, lines + extra


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("MON-4")
@FAST
@given(kind_and_carts())
def test_a_reduction_lies_between_zero_and_the_lines_total(case: Any) -> None:
    kind, context, lines, _ = case
    outcome = kind.evaluate(lines, context)
    off = saving(outcome, context.currency)
    assert 0 <= off <= total_of(lines, context.currency).minor
    if not isinstance(outcome, Missed):
        assert reduction_of(outcome).line_ids == tuple(one.line_id for one in lines)


@pytest.mark.rule("PRO-1")
@FAST
@given(kind_and_carts())
def test_more_spend_never_takes_less_off(case: Any) -> None:
    kind, context, lines, more = case
    assert saving(kind.evaluate(more, context), context.currency) >= saving(
        kind.evaluate(lines, context), context.currency
    )


@pytest.mark.rule("PRO-8")
@FAST
@given(kind_and_carts())
def test_adding_exactly_what_is_missing_reaches_the_threshold(case: Any) -> None:
    kind, context, lines, _ = case
    outcome = kind.evaluate(lines, context)
    if not isinstance(outcome, Missed):
        return
    if outcome.missing_amount is not None:
        assert outcome.missing_amount.is_positive()
        topped = [*lines, line(outcome.missing_amount)]
        below = Money(outcome.missing_amount.minor - 1, context.currency)
        assert isinstance(kind.evaluate([*lines, line(below)], context), Missed)
    else:
        assert outcome.missing_count is not None
        assert outcome.missing_count >= 1
        topped = [*lines, line(Money.zero(context.currency), outcome.missing_count)]
        assert count_of(lines) + outcome.missing_count == count_of(topped)
    assert not isinstance(kind.evaluate(topped, context), Missed)
