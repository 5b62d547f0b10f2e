"""Earning points (PTS-1): check-in streaks with the 7-day bonus, a missed day resetting them,
make-ups; purchases at a rate times the member's multiplier; activities and reviews."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.loyalty.checkins import CheckInCalendar
from shop_domain.loyalty.earning import EarningRules
from shop_domain.loyalty.errors import (
    AlreadyCheckedIn,
    InvalidProgramme,
    MakeUpRefused,
    UnknownActivity,
)

RULES = EarningRules()
NOW = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
MARCH_1 = dt.date(2026, 3, 1)
DAY = dt.timedelta(days=1)


def calendar() -> CheckInCalendar:
    return CheckInCalendar(id=uuid.UUID(int=1), user_id=uuid.UUID(int=2))


@pytest.mark.rule("PTS-1")
def test_a_streak_earns_the_scale_and_the_seventh_day_its_bonus() -> None:
    days = calendar()
    earned = [days.check_in(MARCH_1 + n * DAY, RULES, NOW).points for n in range(9)]
    assert earned == [5, 8, 12, 15, 18, 20, 25 + 50, 25, 25]
    assert days.streak(MARCH_1 + 8 * DAY) == 9
    assert days.runs == [(MARCH_1, MARCH_1 + 8 * DAY)]


@pytest.mark.rule("PTS-1")
def test_a_missed_day_resets_the_streak() -> None:
    days = calendar()
    days.check_in(MARCH_1, RULES, NOW)
    days.check_in(MARCH_1 + DAY, RULES, NOW)
    again = days.check_in(MARCH_1 + 3 * DAY, RULES, NOW)  # 3 March missed
    assert (again.streak, again.points) == (1, 5)
    with pytest.raises(AlreadyCheckedIn) as twice:
        days.check_in(MARCH_1 + 3 * DAY, RULES, NOW)
    assert twice.value.code == "points.already_checked_in"


@pytest.mark.rule("PTS-1")
def test_a_make_up_fills_a_missed_day_of_the_month_and_joins_the_streaks() -> None:
    rules = EarningRules(make_ups_per_month=1)
    days = calendar()
    for n in (0, 1, 3, 4):
        days.check_in(MARCH_1 + n * DAY, rules, NOW)
    made = days.make_up(MARCH_1 + 2 * DAY, MARCH_1 + 4 * DAY, rules, NOW)
    assert (made.points, days.streak(MARCH_1 + 4 * DAY)) == (5, 5)
    assert days.check_in(MARCH_1 + 5 * DAY, rules, NOW).points == 20  # day 6 of the streak
    days.check_in(MARCH_1 + 9 * DAY, rules, NOW)
    with pytest.raises(MakeUpRefused):  # one make-up a month
        days.make_up(MARCH_1 + 7 * DAY, MARCH_1 + 9 * DAY, rules, NOW)
    with pytest.raises(MakeUpRefused):  # not last month
        days.make_up(dt.date(2026, 2, 27), MARCH_1 + 9 * DAY, rules, NOW)
    with pytest.raises(MakeUpRefused):  # none in a programme without make-ups
        calendar().make_up(MARCH_1, MARCH_1 + DAY, RULES, NOW)


@given(st.lists(st.integers(0, 40), unique=True, max_size=30))
def test_every_check_in_earns_the_streak_it_ends(offsets: list[int]) -> None:
    days = calendar()
    seen: set[int] = set()
    for offset in sorted(offsets):
        got = days.check_in(MARCH_1 + offset * DAY, RULES, NOW)
        seen.add(offset)
        streak = 0
        while offset - streak in seen:
            streak += 1
        assert (got.streak, got.points) == (streak, RULES.check_in(streak))
    assert all(b[0] - a[1] > DAY for a, b in zip(days.runs, days.runs[1:], strict=False))


@pytest.mark.rule("PTS-1")
@pytest.mark.parametrize(
    ("paid", "multiplier", "points"),
    [(12_345, "1", 12), (999, "1", 0), (10_000, "1.5", 15), (10_000, "1.25", 12), (0, "2", 0)],
)
def test_purchase_points_are_the_rate_times_the_multiplier_rounded_down(
    paid: int, multiplier: str, points: int
) -> None:
    assert RULES.purchase(paid, decimal.Decimal(multiplier)) == points


def test_activities_and_reviews_earn_fixed_amounts_and_an_unknown_one_is_refused() -> None:
    assert (RULES.activity("survey"), RULES.review) == (10, 10)
    with pytest.raises(UnknownActivity) as unknown:
        RULES.activity("dance")
    assert unknown.value.code == "points.unknown_activity"
    with pytest.raises(InvalidProgramme):
        EarningRules(check_in_scale=())
    with pytest.raises(InvalidProgramme):
        EarningRules(minor_per_point=0)
