"""Order statistics per period and channel (ORD-10) as a fold over order and payment events.

What each figure means (decision 0044):

- ``submitted``: parent orders submitted, on the day of submission, cancelled or not;
- ``paid``: parent orders paid, on the day of payment; ``gmv``: their payable (the gift cards'
  part included: a card is a tender, not a discount), counted once, at payment, and never
  taken back — a later refund is its own figure, ``refunded``, on the day it is made, so a
  day's GMV never changes once the day is over; ``net`` = GMV − refunds;
- paying customers: the distinct customers who paid at least one order in the period;
- average order value: GMV / paid orders, rounded half-up to the minor unit, once (MON-2).

Days are calendar days in one time zone; a week is an ISO week (Monday to Sunday), a month a
calendar month. A period's figures are the sums of its days' (distinct customers aside, which
are counted over the period's days together), so the storage keeps days only.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import enum
import uuid
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from shop_domain.ordering.events import OrderPaid, OrderSubmitted
from shop_domain.ordering.payment import RefundRequested
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.events import DomainEvent
from shop_domain.shared.money import round_half_up

ALL_CHANNELS: Final = "all"
"""The channel of figures over every channel."""
KNOWN_CHANNELS: Final = ("app", "h5", "web", "mini_program")
"""The channels a storefront names; an order may carry another (any 1..32 characters)."""
MAX_DAYS: Final = 1100
"""The longest range one question covers (three years and a little)."""


class InvalidStatisticsQuery(InvalidValue):
    """A range that ends before it starts or is longer than :data:`MAX_DAYS`, or an unknown
    period."""

    code = "order.statistics_query"


class Period(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def period_start(day: dt.date, period: Period) -> dt.date:
    """The first day of the period ``day`` lies in (an ISO week starts on Monday)."""
    if period is Period.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def period_end(start: dt.date, period: Period) -> dt.date:
    """The last day of the period that starts on ``start``."""
    if period is Period.WEEK:
        return start + dt.timedelta(days=6)
    if period is Period.MONTH:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def local_day(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.date:
    return at.astimezone(zone).date()


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name`` (``Asia/Shanghai``), or :class:`InvalidValue`."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidValue(f"not a known time zone: {name!r}") from exc


def average_order_value(gmv: int, orders: int) -> int | None:
    """GMV / paid orders in minor units, half-up (MON-2); ``None`` without paid orders."""
    if orders <= 0:
        return None
    return round_half_up(decimal.Decimal(gmv) / decimal.Decimal(orders))


@attrs.frozen(kw_only=True)
class DayKey:
    day: dt.date
    channel: str
    currency: str


@attrs.frozen(kw_only=True)
class DayDelta:
    submitted: int = 0
    paid: int = 0
    gmv: int = 0
    refunded: int = 0

    def __add__(self, other: DayDelta) -> DayDelta:
        return DayDelta(
            submitted=self.submitted + other.submitted,
            paid=self.paid + other.paid,
            gmv=self.gmv + other.gmv,
            refunded=self.refunded + other.refunded,
        )


@attrs.frozen(kw_only=True)
class Payer:
    day: dt.date
    channel: str
    currency: str
    user_id: uuid.UUID


@attrs.frozen
class StatisticsChanges:
    days: dict[DayKey, DayDelta]
    payers: frozenset[Payer]

    @property
    def empty(self) -> bool:
        return not self.days and not self.payers


def refunded_orders(events: Iterable[DomainEvent]) -> set[uuid.UUID]:
    """The orders whose refunds are among ``events`` (their channels are looked up)."""
    return {event.order_id for event in events if isinstance(event, RefundRequested)}


def statistics_changes(
    events: Iterable[DomainEvent],
    zone: zoneinfo.ZoneInfo,
    paid_channels: Mapping[uuid.UUID, str],
) -> StatisticsChanges:
    """What ``events`` add to the daily figures. ``paid_channels``: the channel of each order
    refunded here that was paid (a refund of money that paid no order — paid after the order
    was cancelled, PAY-3 — was never in the GMV and is left out)."""
    days: dict[DayKey, DayDelta] = {}
    payers: set[Payer] = set()

    def add(day: dt.date, channel: str, currency: str, delta: DayDelta) -> None:
        key = DayKey(day=day, channel=channel, currency=currency)
        days[key] = days.get(key, DayDelta()) + delta

    for event in events:
        if isinstance(event, OrderSubmitted | OrderPaid | RefundRequested):
            day = local_day(event.occurred_at, zone)
        match event:
            case OrderSubmitted():
                add(day, event.channel, event.currency, DayDelta(submitted=1))
            case OrderPaid():
                add(day, event.channel, event.currency, DayDelta(paid=1, gmv=event.payable))
                payers.add(
                    Payer(
                        day=day,
                        channel=event.channel,
                        currency=event.currency,
                        user_id=event.user_id,
                    )
                )
            case RefundRequested() if event.order_id in paid_channels:
                amount = event.gift_card + event.external
                channel = paid_channels[event.order_id]
                add(day, channel, event.currency, DayDelta(refunded=amount))
            case _:
                pass
    return StatisticsChanges(days, frozenset(payers))


__all__ = [
    "ALL_CHANNELS",
    "KNOWN_CHANNELS",
    "MAX_DAYS",
    "DayDelta",
    "DayKey",
    "InvalidStatisticsQuery",
    "Payer",
    "Period",
    "StatisticsChanges",
    "average_order_value",
    "local_day",
    "period_end",
    "period_start",
    "refunded_orders",
    "statistics_changes",
    "zone_of",
]
