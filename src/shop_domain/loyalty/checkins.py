"""Daily check-ins (PTS-1): one a day in the programme's time zone, points on the streak scale,
a bonus on every seventh day of a streak, a missed day resetting it — and, when the programme
allows, a missed day of the current month checked in afterwards (a make-up), which joins the
streaks on either side of it.

A member's check-ins are kept as *runs* of consecutive days (first day, last day), so a streak
of years is one pair, and only the runs that reach into the last :data:`KEEP_DAYS` days are
kept (the calendar a member sees and what a make-up may fill).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

import attrs

from shop_domain.loyalty.earning import EarningRules
from shop_domain.loyalty.errors import AlreadyCheckedIn, MakeUpRefused
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.events import DomainEvent

KEEP_DAYS = 62
ONE_DAY = dt.timedelta(days=1)


@attrs.frozen(kw_only=True)
class CheckedIn(DomainEvent):
    event_type: ClassVar[str] = "loyalty.checked_in"
    user_id: uuid.UUID
    day: dt.date
    streak: int
    points: int
    made_up: bool


@attrs.frozen
class CheckIn:
    """What a check-in earned: the day, the streak it is the last day of, the points."""

    day: dt.date
    streak: int
    points: int


@attrs.define(slots=False, eq=False)
class CheckInCalendar(Aggregate):
    user_id: uuid.UUID
    runs: list[tuple[dt.date, dt.date]] = attrs.Factory(list)
    """Runs of consecutive check-in days, oldest first, none touching another."""
    made_up: list[dt.date] = attrs.Factory(list)
    """Days checked in afterwards, in the kept window (a month's make-ups are counted here)."""

    def checked_in(self, day: dt.date) -> bool:
        return any(first <= day <= last for first, last in self.runs)

    def streak(self, day: dt.date) -> int:
        """The streak ``day`` ends (0 when ``day`` has no check-in)."""
        for first, last in self.runs:
            if first <= day <= last:
                return (day - first).days + 1
        return 0

    def days_in(self, year: int, month: int) -> list[dt.date]:
        """The month's check-in days (the calendar a member sees)."""
        start = dt.date(year, month, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - ONE_DAY
        return [
            start + dt.timedelta(days=n)
            for n in range((end - start).days + 1)
            if self.checked_in(start + dt.timedelta(days=n))
        ]

    def check_in(self, today: dt.date, rules: EarningRules, now: dt.datetime) -> CheckIn:
        """Today's check-in: refused when there is one already."""
        if self.checked_in(today):
            raise AlreadyCheckedIn(today)
        self._add(today)
        self._trim(today)
        return self._earned(today, rules.check_in(self.streak(today)), now, made_up=False)

    def make_up(
        self, day: dt.date, today: dt.date, rules: EarningRules, now: dt.datetime
    ) -> CheckIn:
        """Check in a missed ``day`` of the current month afterwards: it earns the first day's
        points (no bonus) and joins the streaks on either side."""
        if not rules.make_ups_per_month:
            raise MakeUpRefused("this programme has no make-up check-ins")
        if not (day < today and (day.year, day.month) == (today.year, today.month)):
            raise MakeUpRefused("a make-up fills a day of this month before today")
        if self.checked_in(day):
            raise MakeUpRefused(f"{day} has its check-in already")
        used = sum(1 for d in self.made_up if (d.year, d.month) == (today.year, today.month))
        if used >= rules.make_ups_per_month:
            raise MakeUpRefused(f"all {rules.make_ups_per_month} make-ups of this month are used")
        self._add(day)
        self.made_up.append(day)
        self._trim(today)
        return self._earned(day, rules.check_in_scale[0], now, made_up=True)

    def _earned(self, day: dt.date, points: int, now: dt.datetime, *, made_up: bool) -> CheckIn:
        streak = self.streak(day)
        self.record(
            CheckedIn(
                occurred_at=now,
                user_id=self.user_id,
                day=day,
                streak=streak,
                points=points,
                made_up=made_up,
            )
        )
        return CheckIn(day, streak, points)

    def _add(self, day: dt.date) -> None:
        runs = [*self.runs, (day, day)]
        runs.sort()
        joined: list[tuple[dt.date, dt.date]] = []
        for first, last in runs:
            if joined and first <= joined[-1][1] + ONE_DAY:
                joined[-1] = (joined[-1][0], max(last, joined[-1][1]))
            else:
                joined.append((first, last))
        self.runs = joined

    def _trim(self, today: dt.date) -> None:
        oldest = today - dt.timedelta(days=KEEP_DAYS)
        self.runs = [(first, last) for first, last in self.runs if last >= oldest]
        self.made_up = [d for d in self.made_up if d >= oldest]


__all__ = ["KEEP_DAYS", "CheckIn", "CheckInCalendar", "CheckedIn"]
