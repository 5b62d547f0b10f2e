"""The kit's money strategies: every draw is accepted by the domain, the edges are reached, and
failing examples shrink to readable ones (MON-1, MON-3, MON-4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from tests.kit.strategies_support import VALID, reach, smallest

from shop_domain.shared import Money, allocate, allocate_minor
from shop_domain.shared.money import MINOR_UNITS
from shop_testing.strategies import (
    CURRENCIES,
    allocation_inputs,
    currencies,
    max_minor_for,
    money,
    money_allocation_inputs,
)

ZERO_DECIMAL = sorted(c for c, exponent in MINOR_UNITS.items() if exponent == 0)


# --- every draw is valid ----------------------------------------------------------------------


@pytest.mark.rule("MON-1")
@VALID
@given(money())
def test_every_amount_is_money_the_domain_parses_back(amount: Money) -> None:
    assert Money(amount.minor, amount.currency) == amount
    assert Money.of(str(amount.amount), amount.currency) == amount
    assert 0 <= amount.minor <= max_minor_for(amount.currency)


@pytest.mark.rule("MON-1")
@VALID
@given(st.data())
def test_amounts_stay_within_the_bounds_asked_for(data: st.DataObject) -> None:
    currency = data.draw(currencies())
    low = data.draw(st.integers(min_value=-(10**12), max_value=10**12), label="low")
    high = data.draw(st.integers(min_value=low, max_value=10**12), label="high")
    amount = data.draw(money(currency, min_minor=low, max_minor=high))
    assert amount.currency == currency
    assert low <= amount.minor <= high


@pytest.mark.rule("MON-3")
@pytest.mark.rule("MON-4")
@VALID
@given(allocation_inputs())
def test_capped_inputs_are_accepted_by_the_allocator(case: tuple[int, list[int]]) -> None:
    amount, bases = case
    assert 0 <= amount <= sum(bases)
    shares = allocate_minor(amount, bases)  # refuses what is not a valid capped allocation
    assert sum(shares) == amount


@pytest.mark.rule("MON-3")
@VALID
@given(allocation_inputs(capped=False))
def test_uncapped_inputs_are_accepted_by_the_allocator(case: tuple[int, list[int]]) -> None:
    amount, weights = case
    assert sum(allocate_minor(amount, weights, capped=False)) == amount


@pytest.mark.rule("MON-3")
@VALID
@given(money_allocation_inputs())
def test_money_inputs_are_accepted_by_allocate(case: tuple[Money, list[Money]]) -> None:
    amount, bases = case
    assert {b.currency for b in bases} == {amount.currency}
    assert sum(s.minor for s in allocate(amount, bases, capped=True)) == amount.minor


@VALID
@given(money_allocation_inputs("JPY", capped=False))
def test_uncapped_money_inputs_are_accepted_by_allocate(case: tuple[Money, list[Money]]) -> None:
    amount, weights = case
    assert sum(s.minor for s in allocate(amount, weights, capped=False)) == amount.minor


# --- the edges are reached --------------------------------------------------------------------


@pytest.mark.rule("MON-1")
@pytest.mark.parametrize("currency", ZERO_DECIMAL)
def test_every_zero_decimal_currency_is_reached(currency: str) -> None:
    assert reach(money(), lambda m: m.currency == currency).currency == currency
    assert reach(currencies(exponents=(0,)), lambda c: c == currency) == currency


@pytest.mark.rule("MON-1")
def test_three_decimal_currencies_and_the_largest_amount_are_reached() -> None:
    assert MINOR_UNITS[reach(money(), lambda m: m.exponent == 3).currency] == 3
    assert reach(money("JPY"), lambda m: m.minor == max_minor_for("JPY")) == Money(
        9_999_999_999, "JPY"
    )
    assert reach(money("KWD", min_minor=-5), lambda m: m.is_negative()).minor >= -5


@pytest.mark.rule("MON-3")
@pytest.mark.rule("MON-4")
def test_allocation_edges_are_reached() -> None:
    full = reach(allocation_inputs(), lambda c: len(c[1]) > 1 and c[0] == sum(c[1]))
    assert allocate_minor(*full) == full[1]  # the whole base, each part its own
    assert reach(allocation_inputs(), lambda c: 0 in c[1] and c[0] > 0)
    assert reach(allocation_inputs(capped=False), lambda c: c[0] > sum(c[1]))
    assert reach(allocation_inputs(), lambda c: len(c[1]) >= 10)


@given(currencies(exponents=(0, 3)))
def test_currencies_keep_only_the_exponents_asked_for(currency: str) -> None:
    assert MINOR_UNITS[currency] in (0, 3)


# --- shrinking --------------------------------------------------------------------------------


def test_failing_examples_shrink_to_small_readable_amounts() -> None:
    assert CURRENCIES[0] == "CNY"
    assert smallest(money()) == Money(0, "CNY")
    assert smallest(money(), lambda m: m.minor >= 1000) == Money(1000, "CNY")
    yen_like = smallest(money(), lambda m: m.exponent == 0)
    assert (yen_like.minor, yen_like.exponent) == (0, 0)
    assert smallest(allocation_inputs()) == (0, [1])
    assert smallest(money_allocation_inputs()) == (Money(0, "CNY"), [Money(1, "CNY")])


def test_impossible_requests_are_refused_up_front() -> None:
    with pytest.raises(InvalidArgument):
        money("XXX")
    with pytest.raises(InvalidArgument):
        money("JPY", min_minor=10**10)
    with pytest.raises(InvalidArgument):
        money(min_minor=5, max_minor=4)
    with pytest.raises(InvalidArgument):
        currencies(exponents=(7,))
    with pytest.raises(InvalidArgument):
        allocation_inputs(max_parts=0)
