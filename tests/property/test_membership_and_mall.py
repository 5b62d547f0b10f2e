"""Membership and the mall as properties (MEM-2..4, PTS-9): over any history of growth earned
and taken back, the member's books hold and the level never passes what the growth could
reach; over any redemptions and returns, a mall item's stock never goes below zero and equals
what a plain count says."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.loyalty.errors import MallSoldOut
from shop_domain.loyalty.mall import MallItem
from shop_domain.loyalty.membership import GrowthSource, LevelRules, Member
from shop_testing.invariants.points import check_member_books
from shop_testing.strategies.points import growth_steps, level_rules, mall_items

NOW = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)


@pytest.mark.rule("MEM-2")
@pytest.mark.rule("MEM-3")
@pytest.mark.rule("MEM-4")
@given(rules=level_rules(), steps=growth_steps())
def test_any_history_of_growth_keeps_the_books(
    rules: LevelRules, steps: list[tuple[str, str, int]]
) -> None:
    member = Member.open(id=uuid.UUID(int=1), user_id=uuid.UUID(int=2), now=NOW)
    earned: dict[str, int] = {}
    taken: dict[str, int] = {}
    levels = [0]
    for n, (what, ref, amount) in enumerate(steps):
        # what the handlers do: earn once per ref, take back at most what is left
        if what == "earn" and ref not in earned:
            window = sum(earned.values()) - sum(taken.values())
            member.earn(
                GrowthSource.PURCHASE, ref, amount, window_growth=window, rules=rules, now=NOW
            )
            earned[ref] = amount
        elif what == "take" and earned.get(ref, 0) - taken.get(ref, 0) > 0:
            part = min(amount, earned[ref] - taken.get(ref, 0))
            member.revert(GrowthSource.PURCHASE, ref, f"refund-{n}", part, NOW)
            taken[ref] = taken.get(ref, 0) + part
        levels.append(member.level)
        check_member_books(member, rules)
    assert member.growth == sum(earned.values()) - sum(taken.values()) >= 0
    assert levels == sorted(levels)  # only the re-evaluation takes a level down
    member.reevaluate(member.growth, rules, NOW)
    assert member.level == rules.level_for(member.growth).number


@pytest.mark.rule("PTS-9")
@given(item=mall_items(), moves=st.lists(st.tuples(st.booleans(), st.integers(1, 99)), max_size=30))
def test_a_mall_items_stock_is_a_plain_count_and_never_below_zero(
    item: MallItem, moves: list[tuple[bool, int]]
) -> None:
    stock = item.stock
    given_out: list[int] = []
    for redeem, quantity in moves:
        if redeem:
            if quantity > stock:
                with pytest.raises(MallSoldOut):
                    item.redeem(quantity, NOW)
            else:
                item.redeem(quantity, NOW)
                stock -= quantity
                given_out.append(quantity)
        elif given_out:
            back = given_out.pop()
            item.give_back(back)
            stock += back
        assert item.stock == stock >= 0
