"""When a lot of points expires (PTS-2): rolling, calendar or never, in the programme's time zone.

Every policy answers one question, :meth:`ExpiryPolicy.expires_at`: given the instant a lot was
granted, the first instant at which it is no longer spendable (None: never). Expiry always
falls on a local midnight of the programme's zone, so a lot is spendable through the whole of
its last day wherever the customer is (a day the zone skips altogether ends it at the next
day's start):

- :class:`Rolling` — each lot lives ``months`` calendar months after its own grant: granted on
  15 March 2026 with 12 months, it is spendable through 15 March 2027 and expires at the
  midnight that starts 16 March. A grant on a day the target month lacks (31 January + 1
  month) ends on that month's last day (28 or 29 February).
- :class:`Calendar` — points granted in local year N are spendable through 31 December of year
  N + ``years`` (1 by default: "the end of next year") and expire at the midnight that starts
  the year after.
- :class:`Never`.

A local midnight a daylight-saving change skips (it happens in a few zones) is taken as the
first instant of that day the zone does have.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from typing import Any, ClassVar, Protocol

import attrs

from shop_domain.loyalty.errors import InvalidProgramme

MAX_MONTHS = 120
"""A rolling policy keeps points at most ten years."""
MAX_YEARS = 10


def zone_name(value: Any) -> str:
    """``value`` as an IANA zone name this machine knows, or :class:`InvalidProgramme`."""
    if not isinstance(value, str) or not value:
        raise InvalidProgramme("a programme's time zone is an IANA name such as Asia/Shanghai")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidProgramme(
            f"unknown time zone {value!r}", details={"time_zone": value}
        ) from None
    return value


def local_midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The first instant of local ``day`` in ``zone``, in UTC. A midnight the zone skips: the
    first instant it has that day; a day it skips altogether (Kiritimati's 31 December 1994):
    the first instant of the next."""
    naive = dt.datetime(day.year, day.month, day.day)
    for minutes in range(0, 24 * 60, 15):
        candidate = (naive + dt.timedelta(minutes=minutes)).replace(tzinfo=zone)
        # a wall time the zone skips does not survive the round trip through UTC
        back = candidate.astimezone(dt.UTC).astimezone(zone)
        if back.replace(tzinfo=None) == candidate.replace(tzinfo=None):
            return candidate.astimezone(dt.UTC)
    return local_midnight(day + dt.timedelta(days=1), zone)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, on the last day of the month when it is too
    short (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ExpiryPolicy(Protocol):
    name: ClassVar[str]

    def expires_at(self, granted_at: dt.datetime) -> dt.datetime | None:
        """The first instant a lot granted at ``granted_at`` may no longer be spent."""
        ...

    def params(self) -> dict[str, Any]:
        """The policy's parameters, as plain data (its name aside)."""
        ...


def _aware(granted_at: dt.datetime) -> dt.datetime:
    if granted_at.tzinfo is None:
        raise InvalidProgramme("a grant's time carries its time zone")
    return granted_at


def _count(low: int, high: int, what: str) -> Any:
    def check(_instance: object, _attribute: object, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidProgramme(f"{what} is a whole number from {low} to {high}")

    return check


@attrs.frozen
class Rolling:
    """Each lot expires ``months`` months after its own grant (PTS-2)."""

    name: ClassVar[str] = "rolling"
    months: int = attrs.field(validator=_count(1, MAX_MONTHS, "a rolling expiry's months"))
    time_zone: str = attrs.field(default="Asia/Shanghai", converter=zone_name)

    def expires_at(self, granted_at: dt.datetime) -> dt.datetime:
        zone = zoneinfo.ZoneInfo(self.time_zone)
        granted_on = _aware(granted_at).astimezone(zone).date()
        last_day = add_months(granted_on, self.months)
        return local_midnight(last_day + dt.timedelta(days=1), zone)

    def params(self) -> dict[str, Any]:
        return {"months": self.months, "time_zone": self.time_zone}


@attrs.frozen
class Calendar:
    """Points granted in local year N expire when year N + ``years`` ends (PTS-2)."""

    name: ClassVar[str] = "calendar"
    years: int = attrs.field(default=1, validator=_count(0, MAX_YEARS, "a calendar expiry's years"))
    time_zone: str = attrs.field(default="Asia/Shanghai", converter=zone_name)

    def expires_at(self, granted_at: dt.datetime) -> dt.datetime:
        zone = zoneinfo.ZoneInfo(self.time_zone)
        year = _aware(granted_at).astimezone(zone).year
        return local_midnight(dt.date(year + self.years + 1, 1, 1), zone)

    def params(self) -> dict[str, Any]:
        return {"years": self.years, "time_zone": self.time_zone}


@attrs.frozen
class Never:
    """Points never expire."""

    name: ClassVar[str] = "never"

    def expires_at(self, granted_at: dt.datetime) -> None:
        _aware(granted_at)

    def params(self) -> dict[str, Any]:
        return {}


_POLICIES: dict[str, type[Any]] = {p.name: p for p in (Rolling, Calendar, Never)}


def expiry_policy(name: str, params: dict[str, Any]) -> ExpiryPolicy:
    """The policy called ``name`` with ``params`` (as :meth:`ExpiryPolicy.params` gives them)."""
    kind = _POLICIES.get(name)
    if kind is None:
        raise InvalidProgramme(
            f"no expiry policy is called {name!r}; one of {', '.join(_POLICIES)}",
            details={"expiry": name},
        )
    try:
        policy: ExpiryPolicy = kind(**params)
    except TypeError:
        raise InvalidProgramme(
            f"the {name} expiry policy takes {', '.join(attrs.fields_dict(kind)) or 'nothing'}"
        ) from None
    return policy


__all__ = [
    "Calendar",
    "zone_name",
    "ExpiryPolicy",
    "Never",
    "Rolling",
    "add_months",
    "expiry_policy",
    "local_midnight",
]
