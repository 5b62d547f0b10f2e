"""Money properties of coupons: what a coupon takes off (MON-2, MON-4, CPN-1) and the
statistics deltas (CPN-11)."""

from __future__ import annotations

import decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.coupons import Benefit, CouponKind, StatsDelta
from shop_domain.shared import Money
from shop_testing.strategies import benefits, money, rates, stats_deltas

MAX_MINOR = 10**12  # a trillion minor units: far beyond any basket, well inside 28 digits


def with_amounts(
    kinds: tuple[CouponKind, ...] = tuple(CouponKind), count: int = 1
) -> st.SearchStrategy[tuple[Benefit, list[int]]]:
    """A benefit of one of ``kinds`` (every currency, amounts up to MAX_MINOR) and ``count``
    eligible amounts of its currency, as minor units."""
    return benefits(kinds=kinds, max_minor=MAX_MINOR).flatmap(
        lambda b: st.tuples(
            st.just(b),
            st.lists(
                money(b.currency, max_minor=MAX_MINOR).map(lambda m: m.minor),
                min_size=count,
                max_size=count,
            ),
        )
    )


def eligible_for(benefit: Benefit, amount: int) -> Money:
    return Money(amount, benefit.currency)


def exact_rate_discount(eligible: int, rate: decimal.Decimal) -> int:
    """The discount computed independently: exact product, one half-up rounding."""
    exact = decimal.Decimal(eligible) * (decimal.Decimal(1) - rate)
    return int(exact.to_integral_value(rounding=decimal.ROUND_HALF_UP))


@pytest.mark.rule("MON-4")
@given(with_amounts())
def test_a_discount_is_never_negative_nor_more_than_the_eligible_amount(
    case: tuple[Benefit, list[int]],
) -> None:
    benefit, [amount] = case
    eligible = eligible_for(benefit, amount)
    off = benefit.discount_for(eligible)
    assert off.currency == eligible.currency
    assert 0 <= off.minor <= eligible.minor


@pytest.mark.rule("MON-2")
@given(with_amounts((CouponKind.RATE,)))
def test_a_rate_discount_is_rounded_half_up_once(case: tuple[Benefit, list[int]]) -> None:
    benefit, [amount] = case
    assert benefit.rate is not None
    eligible = eligible_for(benefit, amount)
    expected = exact_rate_discount(amount, benefit.rate)
    if benefit.max_discount is not None:
        expected = min(expected, benefit.max_discount.minor)
    if benefit.threshold is not None and amount < benefit.threshold.minor:
        expected = 0
    assert benefit.discount_for(eligible).minor == min(expected, amount)


@pytest.mark.rule("MON-2")
@given(rates(), money("CNY", min_minor=1, max_minor=MAX_MINOR))
def test_an_uncapped_rate_discount_is_within_half_a_minor_unit_of_exact(
    rate: decimal.Decimal, eligible: Money
) -> None:
    benefit = Benefit(CouponKind.RATE, rate=rate, threshold=Money(1, "CNY"))
    amount = eligible.minor
    off = benefit.discount_for(eligible).minor
    exact = decimal.Decimal(amount) * (1 - rate)
    assert abs(decimal.Decimal(off) - exact) <= decimal.Decimal("0.5")
    if exact - int(exact) == decimal.Decimal("0.5"):
        assert off == int(exact) + 1  # halves go up


@pytest.mark.rule("CPN-1")
@pytest.mark.rule("MON-4")
@given(with_amounts((CouponKind.RATE,)))
def test_a_rate_discount_respects_its_cap(case: tuple[Benefit, list[int]]) -> None:
    benefit, [amount] = case
    off = benefit.discount_for(eligible_for(benefit, amount))
    if benefit.max_discount is not None:
        assert off <= benefit.max_discount


@pytest.mark.rule("CPN-1")
@given(with_amounts())
def test_nothing_below_the_threshold_something_from_it_on(case: tuple[Benefit, list[int]]) -> None:
    benefit, [amount] = case
    eligible = eligible_for(benefit, amount)
    off = benefit.discount_for(eligible)
    if benefit.threshold is not None and amount < benefit.threshold.minor:
        assert off.is_zero()
    elif benefit.kind is not CouponKind.RATE and amount > 0:
        assert off.is_positive()
        assert off == benefit.value.capped_at(eligible)  # type: ignore[union-attr]


@pytest.mark.rule("CPN-1")
@given(with_amounts(count=2))
def test_more_eligible_never_means_less_discount(case: tuple[Benefit, list[int]]) -> None:
    benefit, [a, b] = case
    low, high = sorted((a, b))
    assert benefit.discount_for(eligible_for(benefit, low)) <= benefit.discount_for(
        eligible_for(benefit, high)
    )


# --- statistics deltas ------------------------------------------------------------------------

deltas = stats_deltas()


@pytest.mark.rule("CPN-11")
@given(deltas, deltas, deltas)
def test_stats_deltas_add_associatively(a: StatsDelta, b: StatsDelta, c: StatsDelta) -> None:
    assert (a + b) + c == a + (b + c)


@pytest.mark.rule("CPN-11")
@given(deltas, deltas)
def test_stats_deltas_add_commutatively(a: StatsDelta, b: StatsDelta) -> None:
    assert a + b == b + a


@pytest.mark.rule("CPN-11")
@given(deltas)
def test_the_zero_delta_changes_nothing(a: StatsDelta) -> None:
    assert a + StatsDelta() == a
    assert StatsDelta().is_zero
    assert a.is_zero == (a == StatsDelta())
    assert sum(a.as_dict().values()) == sum(getattr(a, f.name) for f in attrs.fields(StatsDelta))


@pytest.mark.rule("CPN-11")
@given(deltas, deltas)
def test_stats_deltas_add_field_by_field(a: StatsDelta, b: StatsDelta) -> None:
    total = (a + b).as_dict()
    assert total == {k: a.as_dict()[k] + b.as_dict()[k] for k in total}
