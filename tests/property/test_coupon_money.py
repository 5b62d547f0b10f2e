"""Money properties of coupons: what a coupon takes off (MON-2, MON-4, CPN-1) and the
statistics deltas (CPN-11)."""

from __future__ import annotations

import decimal

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shop_domain.coupons import Benefit, CouponKind, StatsDelta
from shop_domain.shared import Money

CURRENCIES = ["CNY", "JPY", "KWD"]
MAX_MINOR = 10**12  # a trillion minor units: far beyond any basket, well inside 28 digits

minor = st.integers(min_value=0, max_value=MAX_MINOR)
positive = st.integers(min_value=1, max_value=MAX_MINOR)
rates = st.integers(min_value=1, max_value=9999).map(lambda bp: decimal.Decimal(bp).scaleb(-4))


@st.composite
def benefits(draw: st.DrawFn, kinds: tuple[CouponKind, ...] = tuple(CouponKind)) -> Benefit:
    kind = draw(st.sampled_from(kinds))
    currency = draw(st.sampled_from(CURRENCIES))

    def money(value: int) -> Money:
        return Money(value, currency)

    if kind is CouponKind.CASH:
        return Benefit(kind, value=money(draw(positive)))
    if kind is CouponKind.THRESHOLD:
        threshold = draw(positive)
        value = draw(st.integers(min_value=1, max_value=threshold))
        return Benefit(kind, value=money(value), threshold=money(threshold))
    cap: int | None = draw(st.none() | positive)
    # a rate coupon states its currency through a cap or a threshold
    floor: int | None = draw(st.none() | positive) if cap is not None else draw(positive)
    return Benefit(
        kind,
        rate=draw(rates),
        max_discount=None if cap is None else money(cap),
        threshold=None if floor is None else money(floor),
    )


def eligible_for(benefit: Benefit, amount: int) -> Money:
    return Money(amount, benefit.currency)


def exact_rate_discount(eligible: int, rate: decimal.Decimal) -> int:
    """The discount computed independently: exact product, one half-up rounding."""
    exact = decimal.Decimal(eligible) * (decimal.Decimal(1) - rate)
    return int(exact.to_integral_value(rounding=decimal.ROUND_HALF_UP))


@pytest.mark.rule("MON-4")
@given(benefits(), minor)
def test_a_discount_is_never_negative_nor_more_than_the_eligible_amount(
    benefit: Benefit, amount: int
) -> None:
    eligible = eligible_for(benefit, amount)
    off = benefit.discount_for(eligible)
    assert off.currency == eligible.currency
    assert 0 <= off.minor <= eligible.minor


@pytest.mark.rule("MON-2")
@given(benefits((CouponKind.RATE,)), minor)
def test_a_rate_discount_is_rounded_half_up_once(benefit: Benefit, amount: int) -> None:
    assert benefit.rate is not None
    eligible = eligible_for(benefit, amount)
    expected = exact_rate_discount(amount, benefit.rate)
    if benefit.max_discount is not None:
        expected = min(expected, benefit.max_discount.minor)
    if benefit.threshold is not None and amount < benefit.threshold.minor:
        expected = 0
    assert benefit.discount_for(eligible).minor == min(expected, amount)


@pytest.mark.rule("MON-2")
@given(rates, minor)
def test_an_uncapped_rate_discount_is_within_half_a_minor_unit_of_exact(
    rate: decimal.Decimal, amount: int
) -> None:
    benefit = Benefit(CouponKind.RATE, rate=rate, threshold=Money(1, "CNY"))
    assume(amount >= 1)
    off = benefit.discount_for(Money(amount, "CNY")).minor
    exact = decimal.Decimal(amount) * (1 - rate)
    assert abs(decimal.Decimal(off) - exact) <= decimal.Decimal("0.5")
    if exact - int(exact) == decimal.Decimal("0.5"):
        assert off == int(exact) + 1  # halves go up


@pytest.mark.rule("CPN-1")
@pytest.mark.rule("MON-4")
@given(benefits((CouponKind.RATE,)), minor)
def test_a_rate_discount_respects_its_cap(benefit: Benefit, amount: int) -> None:
    off = benefit.discount_for(eligible_for(benefit, amount))
    if benefit.max_discount is not None:
        assert off <= benefit.max_discount


@pytest.mark.rule("CPN-1")
@given(benefits(), minor)
def test_nothing_below_the_threshold_something_from_it_on(benefit: Benefit, amount: int) -> None:
    eligible = eligible_for(benefit, amount)
    off = benefit.discount_for(eligible)
    if benefit.threshold is not None and amount < benefit.threshold.minor:
        assert off.is_zero()
    elif benefit.kind is not CouponKind.RATE and amount > 0:
        assert off.is_positive()
        assert off == benefit.value.capped_at(eligible)  # type: ignore[union-attr]


@pytest.mark.rule("CPN-1")
@given(benefits(), minor, minor)
def test_more_eligible_never_means_less_discount(benefit: Benefit, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert benefit.discount_for(eligible_for(benefit, low)) <= benefit.discount_for(
        eligible_for(benefit, high)
    )


# --- statistics deltas ------------------------------------------------------------------------

small = st.integers(min_value=-(10**9), max_value=10**9)
deltas = st.builds(StatsDelta, **{f.name: small for f in attrs.fields(StatsDelta)})


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
