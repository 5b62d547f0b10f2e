"""Membership by worked examples: levels by growth with their benefits (MEM-1), growth from
behaviour and taken back (MEM-2), upgrades at once and downgrades by re-evaluation (MEM-3),
growth never spent (MEM-4)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest

from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.loyalty.membership import (
    GrowthSource,
    LevelChanged,
    LevelRules,
    Member,
    MemberLevel,
    benefits,
)
from shop_testing.invariants.points import check_member_books

RULES = LevelRules()
NOW = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)


def member() -> Member:
    return Member.open(id=uuid.UUID(int=1), user_id=uuid.UUID(int=2), now=NOW)


@pytest.mark.rule("MEM-1")
@pytest.mark.parametrize(
    ("growth", "name", "multiplier"),
    [
        (-1, "normal", "1"),  # a window whose take-backs outweigh its gains
        (0, "normal", "1"),
        (999, "normal", "1"),
        (1000, "silver", "1.2"),
        (4999, "silver", "1.2"),
        (5000, "gold", "1.5"),
        (10000, "diamond", "2"),
        (10**9, "diamond", "2"),
    ],
)
def test_levels_by_growth_with_their_benefits(growth: int, name: str, multiplier: str) -> None:
    level = RULES.level_for(growth)
    assert (level.name, level.points_multiplier) == (name, decimal.Decimal(multiplier))
    assert benefits(RULES, level.number) == level


@pytest.mark.rule("MEM-2")
@pytest.mark.rule("MEM-3")
def test_growth_upgrades_at_once_and_a_revert_waits_for_the_re_evaluation() -> None:
    m = member()
    assert (
        m.earn(
            GrowthSource.PURCHASE,
            "order-1",
            RULES.purchase(99_999),
            window_growth=0,
            rules=RULES,
            now=NOW,
        )
        == 999
    )
    assert m.level == 0
    m.earn(
        GrowthSource.SIGN_IN, "2026-03-01", RULES.sign_in, window_growth=999, rules=RULES, now=NOW
    )
    assert (m.growth, m.level) == (1004, 1)
    changed = [e for e in m.pull_events() if isinstance(e, LevelChanged)]
    assert [(e.old_level, e.new_level) for e in changed] == [(0, 1)]
    m.revert(GrowthSource.PURCHASE, "order-1", "refund-1", 999, NOW)  # the order refunded
    assert (m.growth, m.level) == (5, 1)  # still silver until re-evaluated
    assert m.reevaluate(5, RULES, NOW) == 0
    assert [e.amount for e in m.entries] == [999, 5, -999]
    check_member_books(m, RULES)


@pytest.mark.rule("MEM-3")
def test_the_re_evaluation_reads_the_windows_growth_down_and_up() -> None:
    m = member()
    m.earn(GrowthSource.PURCHASE, "o", 6000, window_growth=0, rules=RULES, now=NOW)
    assert m.level == 2
    # a year on, only 1,200 of it was earned within the window: back to silver
    assert m.reevaluate(1200, RULES, NOW + dt.timedelta(days=400)) == 1
    assert m.growth == 6000  # growth is never spent (MEM-4): only the level moved


@pytest.mark.rule("MEM-2")
def test_only_the_first_ten_order_photos_earn_growth() -> None:
    m = member()
    earned = [
        m.earn(GrowthSource.PHOTO, f"photo-{n}", RULES.photo, window_growth=0, rules=RULES, now=NOW)
        for n in range(12)
    ]
    assert earned == [5] * 10 + [0, 0]
    assert m.growth == 50
    check_member_books(m, RULES)


@pytest.mark.rule("MEM-2")
def test_a_photo_worth_nothing_is_not_one_of_the_first_ten() -> None:
    """While an operator's programme gives photos no growth, they do not use up the first ten:
    once photos earn again, the member's next ten do."""
    m = member()
    for n in range(12):
        assert (
            m.earn(GrowthSource.PHOTO, f"free-{n}", 0, window_growth=0, rules=RULES, now=NOW) == 0
        )
    assert m.photos == 0
    earned = [
        m.earn(GrowthSource.PHOTO, f"photo-{n}", RULES.photo, window_growth=0, rules=RULES, now=NOW)
        for n in range(11)
    ]
    assert earned == [5] * 10 + [0]


@pytest.mark.rule("MEM-4")
def test_growth_is_never_negative_input_and_never_spent() -> None:
    m = member()
    with pytest.raises(InvalidProgramme):
        m.earn(GrowthSource.REVIEW, "r", -5, window_growth=0, rules=RULES, now=NOW)
    with pytest.raises(InvalidProgramme):
        m.revert(GrowthSource.REVIEW, "r", "removed", 0, NOW)
    assert not hasattr(m, "spend")


def test_the_books_check_finds_a_ref_that_lost_more_than_it_earned() -> None:
    m = member()
    m.earn(GrowthSource.REVIEW, "r", 10, window_growth=0, rules=RULES, now=NOW)
    m.revert(GrowthSource.REVIEW, "r", "removed", 11, NOW)  # the handler would cap it at 10
    with pytest.raises(AssertionError, match="lost 11 of the 10"):
        check_member_books(m, RULES)


def test_level_rules_are_checked() -> None:
    one = decimal.Decimal(1)
    with pytest.raises(InvalidProgramme):
        LevelRules(levels=(MemberLevel(0, "a", 10, one),))
    with pytest.raises(InvalidProgramme):
        LevelRules(levels=(MemberLevel(0, "a", 0, one), MemberLevel(1, "b", 0, one)))
