"""Money and allocation properties (RULES MON-1..4)."""

from __future__ import annotations

import decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.shared import CurrencyMismatch, InvalidValue, Money, allocate, allocate_minor
from shop_domain.shared.money import round_half_up
from shop_testing.strategies import allocation_inputs, currencies, money

BIG = 10**15
"""Amounts up to a thousand trillion minor units either way: far beyond any total."""


def amounts(currency: str) -> st.SearchStrategy[Money]:
    return money(currency, min_minor=-BIG, max_minor=BIG)


same_currency = currencies().flatmap(lambda c: st.tuples(amounts(c), amounts(c)))
two_currencies = st.lists(currencies(), min_size=2, max_size=2, unique=True).flatmap(
    lambda pair: st.tuples(amounts(pair[0]), amounts(pair[1]))
)


@pytest.mark.rule("MON-3")
@given(allocation_inputs())
def test_shares_sum_exactly_to_the_amount(case: tuple[int, list[int]]) -> None:
    amount, bases = case
    assert sum(allocate_minor(amount, bases)) == amount


@pytest.mark.rule("MON-3")
@pytest.mark.rule("MON-4")
@given(allocation_inputs())
def test_no_share_exceeds_its_base_or_goes_negative(case: tuple[int, list[int]]) -> None:
    amount, bases = case
    for share, base in zip(allocate_minor(amount, bases), bases, strict=True):
        assert 0 <= share <= base


@pytest.mark.rule("MON-3")
@given(allocation_inputs())
def test_each_share_is_within_one_unit_of_its_exact_share(case: tuple[int, list[int]]) -> None:
    amount, bases = case
    for share, base in zip(allocate_minor(amount, bases), bases, strict=True):
        exact = Fraction(amount * base, sum(bases))
        assert abs(share - exact) < 1


@pytest.mark.rule("MON-3")
@given(allocation_inputs())
def test_allocation_is_deterministic_and_largest_remainder(case: tuple[int, list[int]]) -> None:
    amount, bases = case
    shares = allocate_minor(amount, bases)
    assert shares == allocate_minor(amount, list(bases))
    # a part that got the extra unit had a remainder at least as large as any part that did not
    total = sum(bases)
    remainders = [(amount * b) % total for b in bases]
    floors = [(amount * b) // total for b in bases]
    bumped = [i for i, (s, f) in enumerate(zip(shares, floors, strict=True)) if s > f]
    kept = [i for i in range(len(bases)) if i not in bumped]
    for i in bumped:
        for j in kept:
            assert remainders[i] > remainders[j] or (remainders[i] == remainders[j] and i > j)


@pytest.mark.rule("MON-3")
def test_ties_go_to_the_later_part() -> None:
    assert allocate_minor(1, [1, 1, 1]) == [0, 0, 1]
    assert allocate_minor(2, [1, 1, 1]) == [0, 1, 1]
    assert allocate_minor(100, [1, 1, 1], capped=False) == [33, 33, 34]


@pytest.mark.rule("MON-3")
def test_a_small_last_line_is_never_pushed_below_zero() -> None:
    # "the last part takes the remainder" would give the 1-fen line 1000 - 499 - 499 = 2 fen,
    # more than the line is worth; largest remainder keeps every share within its base
    assert allocate_minor(1000, [999, 999, 1]) == [500, 500, 0]


@pytest.mark.rule("MON-4")
@given(allocation_inputs())
def test_an_amount_above_the_bases_is_refused_when_capped(case: tuple[int, list[int]]) -> None:
    _, bases = case
    with pytest.raises(InvalidValue) as err:
        allocate_minor(sum(bases) + 1, bases)
    assert err.value.code == "allocation.exceeds_base"


@pytest.mark.rule("MON-3")
@given(allocation_inputs(capped=False))
def test_uncapped_weights_still_sum_exactly(case: tuple[int, list[int]]) -> None:
    amount, weights = case
    shares = allocate_minor(amount, weights, capped=False)
    assert sum(shares) == amount
    assert all(s >= 0 for s in shares)


@pytest.mark.rule("MON-1")
@given(same_currency)
def test_addition_and_subtraction_are_exact(pair: tuple[Money, Money]) -> None:
    x, y = pair
    currency = x.currency
    assert (x + y).minor == x.minor + y.minor
    assert (x + y - y) == x
    assert -x + x == Money.zero(currency)


@pytest.mark.rule("MON-1")
@given(two_currencies)
def test_mixing_currencies_is_an_error(pair: tuple[Money, Money]) -> None:
    x, y = pair
    with pytest.raises(CurrencyMismatch):
        _ = x + y
    with pytest.raises(CurrencyMismatch):
        allocate(Money.zero(x.currency), [y])
    with pytest.raises(CurrencyMismatch):
        _ = x < y


@pytest.mark.rule("MON-1")
@pytest.mark.parametrize("bad", [1.5, True, "10", None, decimal.Decimal(1)])
def test_only_integers_are_amounts(bad: object) -> None:
    with pytest.raises(InvalidValue):
        Money(bad, "CNY")  # type: ignore[arg-type]


@pytest.mark.rule("MON-1")
def test_parsing_major_units_is_exact_and_never_rounds() -> None:
    assert Money.of("99.99", "CNY") == Money(9999, "CNY")
    assert Money.of("1000", "JPY") == Money(1000, "JPY")
    assert Money.of("1.234", "KWD") == Money(1234, "KWD")
    with pytest.raises(InvalidValue) as err:
        Money.of("0.001", "CNY")
    assert err.value.code == "money.too_precise"
    with pytest.raises(InvalidValue):
        Money.of(0.1, "CNY")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        Money(1, "XXX")


@pytest.mark.rule("MON-2")
def test_rate_rounds_half_up_once() -> None:
    price = Money.of("99.99", "CNY")
    pay = price.times(decimal.Decimal("0.8"))  # 8折
    assert pay == Money.of("79.99", "CNY")
    assert price - pay == Money.of("20.00", "CNY")
    assert Money(5, "CNY").times(decimal.Decimal("0.5")) == Money(3, "CNY")  # 2.5 -> 3
    assert Money(-5, "CNY").times(decimal.Decimal("0.5")) == Money(-3, "CNY")  # away from zero
    assert Money(10000, "CNY").basis_points(1250) == Money(1250, "CNY")


@pytest.mark.rule("MON-2")
@given(amounts("CNY"), st.decimals(min_value=0, max_value=10, places=4, allow_nan=False))
def test_rate_result_is_the_half_up_rounding_of_the_exact_product(
    price: Money, rate: decimal.Decimal
) -> None:
    a = price.minor
    exact = Fraction(a) * Fraction(rate)
    got = price.times(rate).minor
    assert abs(got - exact) <= Fraction(1, 2)
    if abs(got - exact) == Fraction(1, 2):  # a tie rounds away from zero
        assert abs(got) > abs(exact)
    assert got == round_half_up(decimal.Decimal(a) * rate)


@pytest.mark.rule("MON-4")
@given(money("CNY", max_minor=BIG), money("CNY", max_minor=10**12))
def test_a_discount_is_capped_at_its_base_and_payable_never_negative(d: Money, b: Money) -> None:
    capped = d.capped_at(b)
    assert capped <= b
    assert (b - capped).floored_at_zero() == b - capped
    assert (b - d).floored_at_zero().minor >= 0
