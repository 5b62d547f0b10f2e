"""PTS-2's date arithmetic as properties: across time zones (half-hour and 45-minute offsets,
daylight-saving changes at midnight), leap years and year ends."""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.loyalty.expiry import (
    Calendar,
    Never,
    Rolling,
    add_months,
    expiry_policy,
    local_midnight,
)
from shop_testing.strategies.points import expiry_policies, grant_times, time_zones

TICK = dt.timedelta(microseconds=1)


def _local_day(instant: dt.datetime, zone: str) -> dt.date:
    return instant.astimezone(zoneinfo.ZoneInfo(zone)).date()


@pytest.mark.rule("PTS-2")
@given(granted=grant_times(), months=st.integers(1, 120), zone=time_zones())
def test_a_rolling_lot_is_spendable_through_its_anniversary_day_and_no_longer(
    granted: dt.datetime, months: int, zone: str
) -> None:
    expires = Rolling(months, zone).expires_at(granted)
    last_day = add_months(_local_day(granted, zone), months)
    assert expires > granted
    # spendable through the last day (the day before, when the zone skipped the last day)
    assert _local_day(expires - TICK, zone) in (last_day, last_day - dt.timedelta(days=1))
    assert _local_day(expires, zone) > last_day
    assert expires == local_midnight(last_day + dt.timedelta(days=1), zoneinfo.ZoneInfo(zone))


@pytest.mark.rule("PTS-2")
@given(granted=grant_times(), years=st.integers(0, 10), zone=time_zones())
def test_calendar_points_of_a_local_year_last_to_the_end_of_year_n_plus_years(
    granted: dt.datetime, years: int, zone: str
) -> None:
    expires = Calendar(years, zone).expires_at(granted)
    year = _local_day(granted, zone).year
    assert expires > granted
    assert _local_day(expires - TICK, zone) <= dt.date(year + years, 12, 31)
    assert _local_day(expires, zone) >= dt.date(year + years + 1, 1, 1)
    assert (expires - TICK).astimezone(zoneinfo.ZoneInfo(zone)).year == year + years
    # every point of that local year shares the expiry
    first = local_midnight(dt.date(year, 1, 1), zoneinfo.ZoneInfo(zone))
    assert Calendar(years, zone).expires_at(first) == expires


@pytest.mark.rule("PTS-2")
@given(policy=expiry_policies(), a=grant_times(), b=grant_times())
def test_a_later_grant_never_expires_sooner(policy, a: dt.datetime, b: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    early, late = sorted((a, b))
    first, second = policy.expires_at(early), policy.expires_at(late)
    if first is None or second is None:
        assert first is second is None
        assert isinstance(policy, Never)
    else:
        assert first <= second


@given(
    day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2900, 12, 31)),
    months=st.integers(0, 1200),
)
def test_adding_months_keeps_the_day_unless_the_month_is_too_short(
    day: dt.date, months: int
) -> None:
    later = add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day == min(day.day, calendar.monthrange(later.year, later.month)[1])


@pytest.mark.rule("PTS-2")
@pytest.mark.parametrize(
    ("granted_on", "months", "last_day"),
    [
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),  # a leap day's anniversary
        (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2027, 12, 31), 2, dt.date(2028, 2, 29)),
        (dt.date(2026, 12, 31), 12, dt.date(2027, 12, 31)),
    ],
)
def test_rolling_expiry_by_example(granted_on: dt.date, months: int, last_day: dt.date) -> None:
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    granted = dt.datetime.combine(granted_on, dt.time(23, 59), tzinfo=shanghai)
    expires = Rolling(months, "Asia/Shanghai").expires_at(granted)
    assert expires == dt.datetime.combine(
        last_day + dt.timedelta(days=1), dt.time(), tzinfo=shanghai
    )


def test_a_skipped_local_midnight_or_day_starts_at_the_first_instant_the_zone_has() -> None:
    # Santiago moved its clocks from 00:00 to 01:00 on 2022-09-11: that day starts at 01:00
    santiago = zoneinfo.ZoneInfo("America/Santiago")
    start = local_midnight(dt.date(2022, 9, 11), santiago)
    assert start.astimezone(santiago).replace(tzinfo=None) == dt.datetime(2022, 9, 11, 1, 0)
    assert (start - TICK).astimezone(santiago).date() == dt.date(2022, 9, 10)
    # Kiritimati skipped 31 December 1994 altogether
    kiritimati = zoneinfo.ZoneInfo("Pacific/Kiritimati")
    assert local_midnight(dt.date(1994, 12, 31), kiritimati) == local_midnight(
        dt.date(1995, 1, 1), kiritimati
    )
    granted = dt.datetime(1993, 12, 31, 12, tzinfo=kiritimati)
    assert Rolling(12, "Pacific/Kiritimati").expires_at(granted) == local_midnight(
        dt.date(1995, 1, 1), kiritimati
    )


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("weekly", {}),
        ("rolling", {"months": 0}),
        ("rolling", {"weeks": 2}),
        ("calendar", {"time_zone": "Mars/Olympus"}),
    ],
)
def test_a_policy_that_does_not_exist_is_refused_with_its_code(name: str, params: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidProgramme) as refused:
        expiry_policy(name, params)
    assert refused.value.code == "points.invalid_programme"


def test_a_policy_round_trips_through_its_name_and_params() -> None:
    for policy in (Rolling(6, "Europe/London"), Calendar(2), Never()):
        assert expiry_policy(policy.name, policy.params()) == policy
