"""Strategies for loyalty (PTS, MEM): time zones with awkward rules, expiry policies, programmes,
the instants lots are granted at (year ends, leap days and daylight-saving changes drawn often),
accounts with some history built through the account's own commands, membership rules and
growth steps, whole programmes as operators set them, and mall items."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import itertools
import uuid
import zoneinfo

import attrs
from hypothesis import strategies as st

from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.earning import EarningRules
from shop_domain.loyalty.expiry import MAX_MONTHS, MAX_YEARS, Calendar, ExpiryPolicy, Never, Rolling
from shop_domain.loyalty.lots import Source
from shop_domain.loyalty.mall import MallItem
from shop_domain.loyalty.membership import LevelRules, MemberLevel
from shop_domain.loyalty.programme import CheckoutRules, Programme, ShortfallPolicy
from shop_domain.shared.money import Money
from shop_testing.strategies.common import NOW

TIME_ZONES = (
    "Asia/Shanghai",
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # a half-hour daylight-saving change
    "America/Santiago",  # changes at midnight: some local midnights do not exist
    "America/Havana",  # the same
    "Asia/Kathmandu",  # UTC+05:45
    "Pacific/Chatham",  # UTC+12:45, with daylight saving
    "Pacific/Kiritimati",  # UTC+14
    "America/St_Johns",  # UTC-03:30
)
"""Zones that put an expiry's arithmetic to the test, the shop's own first."""


@functools.cache
def time_zones() -> st.SearchStrategy[str]:
    return st.sampled_from(TIME_ZONES)


@functools.cache
def expiry_policies() -> st.SearchStrategy[ExpiryPolicy]:
    """Rolling (1..120 months), calendar (0..10 years) or never, in any of :data:`TIME_ZONES`."""
    return st.one_of(
        st.builds(Rolling, st.integers(1, MAX_MONTHS), time_zones()),
        st.builds(Calendar, st.integers(0, MAX_YEARS), time_zones()),
        st.just(Never()),
    )


@functools.cache
def programmes() -> st.SearchStrategy[Programme]:
    return st.builds(Programme, expiry_policies(), st.sampled_from(ShortfallPolicy))


def _near(day: dt.date, zone: str) -> st.SearchStrategy[dt.datetime]:
    local = zoneinfo.ZoneInfo(zone)
    start = dt.datetime(day.year, day.month, day.day, tzinfo=local).astimezone(dt.UTC)
    return st.integers(-36 * 3600, 36 * 3600).map(lambda s: start + dt.timedelta(seconds=s))


@st.composite
def _edges(draw: st.DrawFn) -> dt.datetime:
    year = draw(st.integers(1990, 2090))
    day = draw(
        st.sampled_from(
            [dt.date(year, 1, 1), dt.date(year, 12, 31), dt.date(year, 3, 1), dt.date(year, 2, 28)]
        )
    )
    return draw(_near(day, draw(time_zones())))


@functools.cache
def grant_times() -> st.SearchStrategy[dt.datetime]:
    """Instants (UTC) from 1990 to 2090, often within a day and a half of a local year end, a
    leap day's neighbours or a month end in one of :data:`TIME_ZONES`."""
    anywhere = st.datetimes(
        min_value=dt.datetime(1990, 1, 1),
        max_value=dt.datetime(2090, 12, 31),
        timezones=st.just(dt.UTC),
    )
    return st.one_of(anywhere, _edges())


@st.composite
def points_accounts(
    draw: st.DrawFn, *, now: dt.datetime = NOW, programme: Programme | None = None
) -> PointsAccount:
    """An account granted a few lots over the past months, some of them partly spent (through
    its own commands): every figure adds up by construction."""
    programme = programme if programme is not None else Programme(Rolling(months=12))
    ids = (uuid.UUID(int=0x51 << 64 | n) for n in itertools.count())
    account = PointsAccount.open(id=next(ids), user_id=next(ids), now=now - dt.timedelta(days=400))
    grants = draw(st.lists(st.tuples(st.integers(1, 1000), st.integers(0, 365)), max_size=6))
    for points, days_ago in sorted(grants, key=lambda g: -g[1]):
        at = now - dt.timedelta(days=days_ago)
        source = draw(st.sampled_from(Source))
        account.grant(points=points, source=source, lot_id=next(ids), programme=programme, now=at)
    spend = draw(st.integers(0, account.available_at(now)))
    if spend:
        account.spend(next(ids), "spend", spend, now)
    return account


@st.composite
def level_rules(draw: st.DrawFn) -> LevelRules:
    """Membership rules of 1 to 5 levels: from 0 growth up, each needing more, multipliers of
    0 to 3 in steps of 0.05, and a window of 1 to 24 months."""
    count = draw(st.integers(1, 5))
    steps = draw(st.lists(st.integers(1, 5_000), min_size=count - 1, max_size=count - 1))
    bounds = [0]
    for step in steps:
        bounds.append(bounds[-1] + step)
    levels = tuple(
        MemberLevel(n, f"level {n}", bound, decimal.Decimal(draw(st.integers(0, 60))) / 20)
        for n, bound in enumerate(bounds)
    )
    return LevelRules(levels=levels, window_months=draw(st.integers(1, 24)))


GROWTH_PER_YUAN = tuple(decimal.Decimal(d) for d in ("0.01", "0.5", "1", "1.5", "3"))
"""Growth coefficients per yuan :func:`growth_rules` draws: fractions and whole numbers."""


@st.composite
def growth_rules(draw: st.DrawFn) -> LevelRules:
    """:func:`level_rules` with what each behaviour earns drawn too, zero included: a sign-in,
    a yuan paid, a review (of any item, or from 20 yuan), a photo, and a cap of 0 to 4 photos."""
    return attrs.evolve(
        draw(level_rules()),
        sign_in=draw(st.integers(0, 50)),
        per_yuan=draw(st.sampled_from(GROWTH_PER_YUAN)),
        review=draw(st.integers(0, 500)),
        review_min_price=draw(st.sampled_from([0, 2000])),
        photo=draw(st.integers(0, 100)),
        photos=draw(st.integers(0, 4)),
    )


@st.composite
def full_programmes(draw: st.DrawFn) -> Programme:
    """Programmes with every rule drawn — expiry, shortfall, the day's zone, earning (check-in
    scale and bonus, make-ups, activities, reviews), checkout (rate, share) and membership
    (levels and the growth of each behaviour): what an operator may set."""
    earning = EarningRules(
        minor_per_point=draw(st.integers(1, 100_000)),
        check_in_scale=tuple(draw(st.lists(st.integers(1, 1_000), min_size=1, max_size=31))),
        streak_bonus_every=draw(st.integers(1, 31)),
        streak_bonus=draw(st.integers(0, 1_000)),
        make_ups_per_month=draw(st.integers(0, 5)),
        activities=draw(
            st.dictionaries(
                st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20),
                st.integers(1, 1_000),
                max_size=5,
            )
        ),
        review=draw(st.integers(1, 1_000)),
    )
    checkout = CheckoutRules(
        per_unit=draw(st.integers(1, 10_000)),
        max_share=decimal.Decimal(draw(st.integers(0, 100))) / 100,
    )
    levels = attrs.evolve(
        draw(level_rules()),
        sign_in=draw(st.integers(0, 100)),
        per_yuan=decimal.Decimal(draw(st.integers(0, 40))) / 4,
        review=draw(st.integers(0, 100)),
        review_min_price=draw(st.integers(0, 100_000)),
        photo=draw(st.integers(0, 100)),
        photos=draw(st.integers(0, 50)),
    )
    return Programme(
        expiry=draw(expiry_policies()),
        shortfall=draw(st.sampled_from(ShortfallPolicy)),
        earning=earning,
        checkout=checkout,
        levels=levels,
        time_zone=draw(time_zones()),
    )


@st.composite
def growth_steps(draw: st.DrawFn, *, max_size: int = 20) -> list[tuple[str, str, int]]:
    """What a member does, in order: ``("earn", ref, amount)`` or ``("take", ref, amount)`` —
    refs drawn from a few, so some are earned twice and taken back more than they earned (a
    handler refuses or caps those; a model says what it should do)."""
    refs = st.sampled_from(["o1", "o2", "o3", "r1"])
    step = st.tuples(st.sampled_from(["earn", "take"]), refs, st.integers(1, 3_000))
    return draw(st.lists(step, max_size=max_size))


@st.composite
def mall_items(
    draw: st.DrawFn,
    *,
    max_points: int = 100_000,
    max_stock: int = 50,
    kind: type[MallItem] = MallItem,
) -> MallItem:
    """A mall item built through :meth:`MallItem.new` (of ``kind``, a subclass of yours if you
    like): 1..``max_points`` points, maybe a cash part, 0..``max_stock`` in stock and a
    low-stock level of 0..10."""
    cash = draw(st.one_of(st.none(), st.integers(1, 100_000).map(lambda m: Money(m, "CNY"))))
    return kind.new(
        id=draw(st.uuids(version=4)),
        name=draw(st.sampled_from(["mug", "tea", "杯子", "lamp"])),
        points=draw(st.integers(1, max_points)),
        cash=cash,
        stock=draw(st.integers(0, max_stock)),
        low_stock=draw(st.integers(0, 10)),
    )


__all__ = [
    "GROWTH_PER_YUAN",
    "TIME_ZONES",
    "growth_rules",
    "growth_steps",
    "level_rules",
    "mall_items",
    "expiry_policies",
    "grant_times",
    "points_accounts",
    "programmes",
    "time_zones",
]
