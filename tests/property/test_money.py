"""Money and allocation properties (RULES MON-1..4)."""

from __future__ import annotations

import decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shop_domain.shared import CurrencyMismatch, InvalidValue, Money, allocate, allocate_minor
from shop_domain.shared.money import MINOR_UNITS, round_half_up

currencies = st.sampled_from(sorted(MINOR_UNITS))
minor = st.integers(min_value=-(10**15), max_value=10**15)
bases_st = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30)


@st.composite
def amount_and_bases(draw: st.DrawFn) -> tuple[int, list[int]]:
    bases = draw(bases_st)
    assume(sum(bases) > 0)
    amount = draw(st.integers(min_value=0, max_value=sum(bases)))
    return amount, bases


@pytest.mark.rule("MON-3")
@given(amount_and_bases())
def test_shares_sum_exactly_to_the_amount(case: tuple[int, list[int]]) -> None:
    amount, bases = case
    assert sum(allocate_minor(amount, bases)) == amount


@pytest.mark.rule("MON-3")
@pytest.mark.rule("MON-4")
@given(amount_and_bases())
def test_no_share_exceeds_its_base_or_goes_negative(case: tuple[int, list[int]]) -> None:
    amount, bases = case
    for share, base in zip(allocate_minor(amount, bases), bases, strict=True):
        assert 0 <= share <= base


@pytest.mark.rule("MON-3")
@given(amount_and_bases())
def test_each_share_is_within_one_unit_of_its_exact_share(case: tuple[int, list[int]]) -> None:
    amount, bases = case
    for share, base in zip(allocate_minor(amount, bases), bases, strict=True):
        exact = Fraction(amount * base, sum(bases))
        assert abs(share - exact) < 1


@pytest.mark.rule("MON-3")
@given(amount_and_bases())
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
@given(amount_and_bases())
def test_an_amount_above_the_bases_is_refused_when_capped(case: tuple[int, list[int]]) -> None:
    _, bases = case
    with pytest.raises(InvalidValue) as err:
        allocate_minor(sum(bases) + 1, bases)
    assert err.value.code == "allocation.exceeds_base"


@pytest.mark.rule("MON-3")
@given(st.integers(min_value=0, max_value=10**9), bases_st)
def test_uncapped_weights_still_sum_exactly(amount: int, weights: list[int]) -> None:
    assume(sum(weights) > 0)
    shares = allocate_minor(amount, weights, capped=False)
    assert sum(shares) == amount
    assert all(s >= 0 for s in shares)


@pytest.mark.rule("MON-1")
@given(minor, minor, currencies)
def test_addition_and_subtraction_are_exact(a: int, b: int, currency: str) -> None:
    x, y = Money(a, currency), Money(b, currency)
    assert (x + y).minor == a + b
    assert (x + y - y) == x
    assert -x + x == Money.zero(currency)


@pytest.mark.rule("MON-1")
@given(minor, minor, currencies, currencies)
def test_mixing_currencies_is_an_error(a: int, b: int, c1: str, c2: str) -> None:
    assume(c1 != c2)
    with pytest.raises(CurrencyMismatch):
        _ = Money(a, c1) + Money(b, c2)
    with pytest.raises(CurrencyMismatch):
        allocate(Money(0, c1), [Money(b, c2)])
    with pytest.raises(CurrencyMismatch):
        _ = Money(a, c1) < Money(b, c2)


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
@given(minor, st.decimals(min_value=0, max_value=10, places=4, allow_nan=False))
def test_rate_result_is_the_half_up_rounding_of_the_exact_product(
    a: int, rate: decimal.Decimal
) -> None:
    exact = Fraction(a) * Fraction(rate)
    got = Money(a, "CNY").times(rate).minor
    assert abs(got - exact) <= Fraction(1, 2)
    if abs(got - exact) == Fraction(1, 2):  # a tie rounds away from zero
        assert abs(got) > abs(exact)
    assert got == round_half_up(decimal.Decimal(a) * rate)


@pytest.mark.rule("MON-4")
@given(minor, st.integers(min_value=0, max_value=10**12))
def test_a_discount_is_capped_at_its_base_and_payable_never_negative(
    discount: int, base: int
) -> None:
    d, b = Money(abs(discount), "CNY"), Money(base, "CNY")
    capped = d.capped_at(b)
    assert capped <= b
    assert (b - capped).floored_at_zero() == b - capped
    assert (b - d).floored_at_zero().minor >= 0
