"""The allocation check of the testing kit (``shop_testing.invariants.money``, MON-3, MON-4):
what the allocator makes passes, whatever the amount and the parts; each way a split can be
wrong is found and named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.shared.money import Money, allocate, allocate_minor
from shop_testing.invariants.base import InvariantBroken
from shop_testing.invariants.money import ALLOCATION, allocation_breaches, check_allocation


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def breaches(amount: int, bases: list[int], shares: list[int], **options: bool) -> str:
    with pytest.raises(InvariantBroken) as caught:
        check_allocation(amount, bases, shares, **options)
    assert caught.value.check == ALLOCATION
    return str(caught.value)


# --- correct splits pass ----------------------------------------------------------------------


@pytest.mark.rule("MON-3")
@given(
    bases=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8).filter(any),
    data=st.data(),
)
def test_what_the_allocator_makes_passes(bases: list[int], data: st.DataObject) -> None:
    amount = data.draw(st.integers(min_value=0, max_value=sum(bases)), label="amount")
    assert allocation_breaches(amount, bases, allocate_minor(amount, bases)) == []


@pytest.mark.rule("MON-3")
def test_money_splits_pass_and_ties_go_to_the_later_part() -> None:
    shares = allocate(cny(100), [cny(100)] * 3)
    assert [s.minor for s in shares] == [33, 33, 34]
    check_allocation(cny(100), [cny(100)] * 3, shares)


def test_an_uncapped_split_may_pass_its_bases() -> None:
    shares = allocate_minor(10, [1, 1], capped=False)
    check_allocation(10, [1, 1], shares, capped=False)
    assert "above its base" in breaches(10, [1, 1], shares)


def test_nothing_over_parts_worth_nothing_passes() -> None:
    check_allocation(0, [0, 0], [0, 0])
    assert "over parts worth 0" in breaches(1, [0, 0], [1, 0])


# --- wrong splits are named -------------------------------------------------------------------


@pytest.mark.rule("MON-3")
def test_shares_that_sum_one_unit_short_are_named() -> None:
    message = breaches(100, [100, 100, 100], [33, 33, 33])
    assert "the shares [33, 33, 33] sum to 99, not the amount 100" in message


@pytest.mark.rule("MON-3")
def test_shares_one_unit_over_are_named_in_money() -> None:
    with pytest.raises(InvariantBroken, match=r"sum to 101 CNY, not the amount 100 CNY"):
        check_allocation(cny(100), [cny(50), cny(50)], [cny(51), cny(50)])


@pytest.mark.rule("MON-3")
@pytest.mark.rule("MON-4")
def test_a_share_above_its_base_is_named() -> None:
    message = breaches(10, [2, 8], [3, 7], largest_remainder=False)
    assert "share 0 is 3, above its base 2" in message


@pytest.mark.rule("MON-4")
def test_a_negative_share_is_named() -> None:
    message = breaches(10, [5, 5], [-1, 11], capped=False)
    assert "share 0 is -1, negative (MON-4)" in message


@pytest.mark.rule("MON-3")
def test_a_share_out_of_proportion_is_named() -> None:
    message = breaches(100, [1, 3], [30, 70])
    assert "share 0 is 30, not within one unit of its exact share 25.0000 (100 x 1 / 4)" in message


@pytest.mark.rule("MON-3")
def test_a_residue_that_skipped_the_largest_remainder_is_named() -> None:
    # exact shares 3.3 and 6.7: the unit left over belongs to the second part
    message = breaches(10, [33, 67], [4, 6])
    assert "share 0 was rounded up (remainder 0.3000) before share 1 (remainder 0.7000)" in message
    check_allocation(10, [33, 67], [4, 6], largest_remainder=False)  # within a unit of each


@pytest.mark.rule("MON-3")
def test_a_tie_given_to_the_earlier_part_is_named() -> None:
    message = breaches(100, [100, 100, 100], [34, 33, 33])
    assert "share 0 was rounded up (remainder 0.3333) before share 2" in message
    assert "ties to the later part" in message


def test_a_share_missing_is_named() -> None:
    assert "2 shares for 3 parts" in breaches(10, [1, 1, 1], [5, 5])


def test_mixed_currencies_are_a_mistake_in_the_test() -> None:
    with pytest.raises(TypeError, match="not in CNY"):
        check_allocation(cny(10), [Money(5, "USD"), cny(5)], [cny(5), cny(5)])
    with pytest.raises(TypeError, match="not Money of CNY"):
        check_allocation(cny(10), [5, 5], [cny(5), cny(5)])
