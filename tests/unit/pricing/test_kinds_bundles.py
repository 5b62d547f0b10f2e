"""Bundles and multi-buys (PRO-1 (d), (g)): worked examples, refusals of bad parameters, and
properties — the saving is never negative nor above the lines' total, and the grouping is the
best one (checked against every grouping of small carts)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.pricing.item_kinds_builders import (
    CNY,
    JPY,
    PROPERTIES,
    SKU_A,
    SKU_B,
    SKU_C,
    D,
    cny,
    jpy,
    line,
)

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import (
    MISSING_ITEMS,
    NO_LINES,
    Applied,
    Context,
    Missed,
    Reduction,
    Stage,
    kind_named,
)
from shop_domain.pricing.kinds.bundles import BundleItem, BundlePrice, MultiBuyPrice, MultiBuyRate
from shop_domain.pricing.kinds.support import NO_SAVING, OTHER_CURRENCY, rate_discount
from shop_domain.pricing.lines import Line, total_of
from shop_domain.shared.money import Money
from shop_testing.strategies.common import ids
from shop_testing.strategies.pricing_items import (
    bundles,
    cart_lines,
    multi_buy_prices,
    multi_buys,
)

A_AND_B_FOR_100 = BundlePrice([BundleItem(SKU_A), BundleItem(SKU_B)], cny("100"))


def reduction(outcome: object) -> tuple[str, tuple[str, ...]]:
    """What an :class:`Applied` reduction takes off (as text), and from which lines."""
    assert isinstance(outcome, Applied), outcome
    [effect] = outcome.effects
    assert isinstance(effect, Reduction)
    return str(effect.amount), effect.line_ids


def missed(outcome: object) -> Missed:
    assert isinstance(outcome, Missed), outcome
    return outcome


# --- bundles: worked examples -----------------------------------------------------------------


@pytest.mark.rule("PRO-1")
def test_a_and_b_as_a_set_for_100_save_30_a_set() -> None:
    cart = [line("a", "50.00", sku=SKU_A), line("b", "80.00", sku=SKU_B)]
    assert reduction(A_AND_B_FOR_100.evaluate(cart, CNY)) == ("30.00 CNY", ("a", "b"))
    assert A_AND_B_FOR_100.tag() == "套装价 100.00"
    assert A_AND_B_FOR_100.sku_ids == {SKU_A, SKU_B}


@pytest.mark.rule("PRO-1")
def test_each_full_set_saves_and_the_units_beyond_pay_their_price() -> None:
    cart = [
        line("a", "50.00", 2, sku=SKU_A),
        line("b", "80.00", 3, sku=SKU_B),
        line("c", "10.00", sku=SKU_C),
    ]
    assert reduction(A_AND_B_FOR_100.evaluate(cart, CNY)) == ("60.00 CNY", ("a", "b"))


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-8")
def test_a_partial_set_misses_naming_what_is_missing() -> None:
    outcome = missed(A_AND_B_FOR_100.evaluate([line("a", "50.00", 4, sku=SKU_A)], CNY))
    assert (outcome.reason, outcome.missing_count) == (MISSING_ITEMS, 1)
    assert f"1 × SKU {SKU_B}" in outcome.message
    assert str(SKU_A) not in outcome.message
    two_a_and_b = BundlePrice([BundleItem(SKU_A, 2), BundleItem(SKU_B)], cny("100"))
    outcome = missed(two_a_and_b.evaluate([line("a", "50.00", sku=SKU_A)], CNY))
    assert outcome.missing_count == 2
    assert f"1 × SKU {SKU_A}" in outcome.message
    assert f"1 × SKU {SKU_B}" in outcome.message


@pytest.mark.rule("PRO-1")
def test_a_sku_over_several_lines_puts_its_dearest_units_in_the_sets() -> None:
    cart = [
        line("cheap-a", "10.00", sku=SKU_A),
        line("dear-a", "60.00", sku=SKU_A),
        line("b", "80.00", 2, sku=SKU_B),
    ]
    # set 1: 60 + 80 = 140 saves 40; set 2: 10 + 80 = 90 saves nothing
    assert reduction(A_AND_B_FOR_100.evaluate(cart, CNY)) == ("40.00 CNY", ("dear-a", "b"))


@pytest.mark.rule("PRO-1")
def test_a_bundle_that_costs_no_less_than_its_parts_saves_nothing() -> None:
    cart = [line("a", "20.00", sku=SKU_A), line("b", "80.00", sku=SKU_B)]
    assert missed(A_AND_B_FOR_100.evaluate(cart, CNY)).reason == NO_SAVING


@pytest.mark.rule("PRO-1")
def test_a_bundle_in_yen() -> None:
    bundle = BundlePrice([BundleItem(SKU_A), BundleItem(SKU_B, 2)], jpy("1000"))
    cart = [
        line("a", "500", sku=SKU_A, currency="JPY"),
        line("b", "400", 2, sku=SKU_B, currency="JPY"),
    ]
    assert reduction(bundle.evaluate(cart, JPY)) == ("300 JPY", ("a", "b"))
    assert bundle.tag() == "套装价 1000"
    assert missed(bundle.evaluate(cart, CNY)).reason == OTHER_CURRENCY


# --- multi-buys: worked examples --------------------------------------------------------------


@pytest.mark.rule("PRO-1")
def test_any_three_for_99_groups_the_dearest_units_first() -> None:
    three_for_99 = MultiBuyPrice(3, cny("99"))
    cart = [line("a", "50.00", 2), line("b", "20.00", 5, sku=SKU_B)]
    # 50 + 50 + 20 = 120 saves 21; 20 + 20 + 20 = 60 costs less than 99; two units are left
    assert reduction(three_for_99.evaluate(cart, CNY)) == ("21.00 CNY", ("a", "b"))
    assert three_for_99.tag() == "3件99.00"


@pytest.mark.rule("PRO-1")
def test_two_for_100_pairs_the_dearest_together() -> None:
    cart = [line("a", "100.00"), line("b", "10.00"), line("c", "90.00"), line("d", "20.00")]
    # (100 + 90) saves 90; pairing (100 + 10) and (90 + 20) would save 10 + 10
    assert reduction(MultiBuyPrice(2, cny("100")).evaluate(cart, CNY)) == ("90.00 CNY", ("a", "c"))


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-8")
def test_a_multi_buy_misses_with_the_number_of_items_missing() -> None:
    outcome = missed(MultiBuyPrice(3, cny("99")).evaluate([line("a", "50.00")], CNY))
    assert (outcome.reason, outcome.missing_count) == (MISSING_ITEMS, 2)
    assert "add 2 more items for 3件99.00" in outcome.message
    outcome = missed(MultiBuyRate(2, D("0.8")).evaluate([line("a", "50.00")], CNY))
    assert (outcome.reason, outcome.missing_count) == (MISSING_ITEMS, 1)
    cheap = [line("a", "20.00", 3)]
    assert missed(MultiBuyPrice(3, cny("99")).evaluate(cheap, CNY)).reason == NO_SAVING


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("MON-2")
def test_two_at_a_rate_takes_the_rate_off_every_complete_pair() -> None:
    two_at_80 = MultiBuyRate(2, D("0.8"))
    # one pair of 99.99: 199.98 * 0.2 = 39.996, 40.00 off; the third unit pays its price
    assert reduction(two_at_80.evaluate([line("a", "99.99", 3)], CNY)) == ("40.00 CNY", ("a",))
    cart = [line("a", "30.00"), line("b", "100.00"), line("c", "50.00")]
    assert reduction(two_at_80.evaluate(cart, CNY)) == ("30.00 CNY", ("b", "c"))
    assert two_at_80.tag() == "2件8折"
    assert MultiBuyRate(3, D("0.75")).tag() == "3件7.5折"


@pytest.mark.rule("MON-2")
def test_a_multi_buy_rate_rounds_once_over_all_its_groups() -> None:
    cart = [line("a", "0.03"), line("b", "0.02", 2), line("c", "0.01")]
    # pairs (0.03 + 0.02) and (0.02 + 0.01): 0.08 * 0.5 = 0.04 off (0.03 + 0.02 pair by pair)
    assert reduction(MultiBuyRate(2, D("0.5")).evaluate(cart, CNY)) == ("0.04 CNY", ("a", "b", "c"))


@pytest.mark.rule("PRO-1")
def test_multi_buys_in_yen() -> None:
    cart = [line("a", "400", 3, currency="JPY")]
    assert reduction(MultiBuyPrice(3, jpy("990")).evaluate(cart, JPY)) == ("210 JPY", ("a",))
    assert MultiBuyPrice(3, jpy("990")).tag() == "3件990"
    assert reduction(MultiBuyRate(3, D("0.9")).evaluate(cart, JPY)) == ("120 JPY", ("a",))


@pytest.mark.rule("PRO-4")
@pytest.mark.rule("PRO-8")
def test_the_bundle_kinds_sit_at_the_bundle_level_and_miss_without_lines() -> None:
    for kind in (A_AND_B_FOR_100, MultiBuyPrice(2, cny("9")), MultiBuyRate(2, D("0.9"))):
        assert kind_named(kind.name) is type(kind)
        assert kind.stage is Stage.BUNDLE
        assert missed(kind.evaluate([], CNY)).reason == NO_LINES


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.rule("PRO-1")
@pytest.mark.parametrize(
    "build",
    [
        lambda: BundlePrice([BundleItem(SKU_A)], cny("100")),
        lambda: BundlePrice([], cny("100")),
        lambda: BundlePrice([BundleItem(SKU_A), BundleItem(SKU_A)], cny("100")),
        lambda: BundlePrice([BundleItem(SKU_A), BundleItem(SKU_B)], cny("0")),
        lambda: BundlePrice([BundleItem(SKU_A), (SKU_B, 1)], cny("100")),
        lambda: BundleItem(SKU_A, 0),
        lambda: BundleItem(str(SKU_A)),
        lambda: MultiBuyPrice(1, cny("9")),
        lambda: MultiBuyPrice(True, cny("9")),
        lambda: MultiBuyPrice(3, cny("0")),
        lambda: MultiBuyPrice(3, 99),
        lambda: MultiBuyRate(1, D("0.8")),
        lambda: MultiBuyRate(2, D("1")),
        lambda: MultiBuyRate(2, D("0")),
        lambda: MultiBuyRate(2, "0.8"),
    ],
    ids=[
        "one unit",
        "empty",
        "a sku twice",
        "free bundle",
        "item not an item",
        "item of no unit",
        "sku not a uuid",
        "one item for a price",
        "count bool",
        "free multi-buy",
        "price not money",
        "one item at a rate",
        "rate one",
        "rate zero",
        "rate text",
    ],
)
def test_bad_bundle_parameters_are_refused(build: Any) -> None:
    with pytest.raises(InvalidPromotion):
        build()


def test_a_bundle_of_one_sku_twice_is_allowed() -> None:
    twice = BundlePrice([BundleItem(SKU_A, 2)], cny("90"))
    assert reduction(twice.evaluate([line("a", "50.00", 2)], CNY)) == ("10.00 CNY", ("a",))


# --- properties -------------------------------------------------------------------------------


def units_of(lines: Sequence[Line]) -> list[tuple[int, str]]:
    return [(each.unit_price.minor, each.line_id) for each in lines for _ in range(each.quantity)]


def best_groups(units: Sequence[int], size: int, price: int) -> int:
    """The most any collection of disjoint groups of ``size`` units saves at ``price`` a group,
    found by trying them all."""
    if len(units) < size:
        return 0
    first, rest = units[0], list(units[1:])
    best = best_groups(rest, size, price)  # the first unit in no group
    for others in itertools.combinations(range(len(rest)), size - 1):
        group = first + sum(rest[i] for i in others)
        left = [u for i, u in enumerate(rest) if i not in others]
        best = max(best, max(0, group - price) + best_groups(left, size, price))
    return best


def best_sets(units: dict[uuid.UUID, list[int]], bundle: BundlePrice) -> int:
    """The most any collection of disjoint sets of ``bundle`` saves, found by trying them all."""
    choices = []
    for item in bundle.items:
        held = units.get(item.sku_id, [])
        choices.append(list(itertools.combinations(range(len(held)), item.quantity)))
    best = 0
    for chosen in itertools.product(*choices):
        parts = sum(
            units[item.sku_id][i]
            for item, picks in zip(bundle.items, chosen, strict=True)
            for i in picks
        )
        left = {
            item.sku_id: [u for i, u in enumerate(units[item.sku_id]) if i not in picks]
            for item, picks in zip(bundle.items, chosen, strict=True)
        }
        best = max(best, max(0, parts - bundle.price.minor) + best_sets(left, bundle))
    return best


def saved(outcome: object, lines: Sequence[Line], currency: str) -> int:
    """What the outcome takes off, after checking it is within the lines' total and comes
    from some of them."""
    if isinstance(outcome, Missed):
        return 0
    assert isinstance(outcome, Applied)
    [effect] = outcome.effects
    assert isinstance(effect, Reduction)
    assert set(effect.line_ids) <= {each.line_id for each in lines}
    assert 0 < effect.amount.minor <= total_of(lines, currency).minor
    return effect.amount.minor


small_carts = cart_lines("CNY", max_size=4, max_quantity=3, max_unit_minor=5_000)


@pytest.mark.rule("PRO-1")
@PROPERTIES
@given(multi_buy_prices("CNY", max_count=3, max_minor=9_000), small_carts)
def test_a_multi_buy_price_groups_the_units_the_best_way(
    kind: MultiBuyPrice, lines: tuple[Line, ...]
) -> None:
    lines = _first_units(lines, 8)
    units = [price for price, _ in units_of(lines)]
    outcome = kind.evaluate(lines, CNY)
    assert saved(outcome, lines, "CNY") == best_groups(units, kind.count, kind.price.minor)


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("MON-2")
@PROPERTIES
@given(st.integers(2, 3), st.sampled_from([D("0.8"), D("0.55"), D("0.9999")]), small_carts)
def test_a_multi_buy_rate_groups_the_dearest_units(
    count: int, rate: Any, lines: tuple[Line, ...]
) -> None:
    kind = MultiBuyRate(count, rate)
    units = sorted((price for price, _ in units_of(lines)), reverse=True)
    best = 0
    for size in range(count, len(units) + 1, count):
        for chosen in itertools.combinations(units, size):
            best = max(best, rate_discount(Money(sum(chosen), "CNY"), rate).minor)
    assert saved(kind.evaluate(lines, CNY), lines, "CNY") == best


@st.composite
def bundle_cases(draw: st.DrawFn) -> tuple[BundlePrice, tuple[Line, ...]]:
    skus = draw(st.lists(ids(), min_size=2, max_size=3, unique=True))
    bundle = draw(bundles(skus, "CNY", max_quantity=2, max_minor=9_000))
    lines = cart_lines("CNY", sku_ids=skus, max_size=4, max_quantity=2, max_unit_minor=5_000)
    return bundle, draw(lines)


@pytest.mark.rule("PRO-1")
@PROPERTIES
@given(bundle_cases())
def test_a_bundle_forms_the_sets_the_best_way(case: tuple[BundlePrice, tuple[Line, ...]]) -> None:
    bundle, lines = case
    units: dict[uuid.UUID, list[int]] = {}
    for each in lines:
        units.setdefault(each.item.sku_id, []).extend([each.unit_price.minor] * each.quantity)
    for item in bundle.items:
        units.setdefault(item.sku_id, [])
    outcome = bundle.evaluate(lines, CNY)
    assert saved(outcome, lines, "CNY") == best_sets(units, bundle)
    if isinstance(outcome, Missed) and outcome.reason == MISSING_ITEMS:
        assert outcome.missing_count is not None
        assert outcome.missing_count > 0


@pytest.mark.rule("PRO-12")
@PROPERTIES
@given(multi_buys("CNY"), cart_lines("CNY", min_size=0))
def test_a_multi_buy_gives_the_same_outcome_every_time(kind: Any, lines: tuple[Line, ...]) -> None:
    context = Context("CNY")
    assert kind.evaluate(lines, context) == kind.evaluate(list(lines), context)
    saved(kind.evaluate(lines, context), lines, "CNY")


def _first_units(lines: tuple[Line, ...], limit: int) -> tuple[Line, ...]:
    """The lines cut down to their first ``limit`` units in all (brute force stays fast)."""
    kept: list[Line] = []
    for each in lines:
        room = limit - sum(k.quantity for k in kept)
        if room <= 0:
            break
        kept.append(Line(each.line_id, each.item, min(room, each.quantity), each.unit_price))
    return tuple(kept)
