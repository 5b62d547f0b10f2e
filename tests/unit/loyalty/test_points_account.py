"""The points account by worked examples, one or more per rule: lots and expiry (PTS-2),
spending soonest-expiring first (PTS-3), pending purchase points (PTS-5), reversal and restore
(PTS-6), the sweep (PTS-7) and the entries that add up to every figure (PTS-8)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest

from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.errors import (
    InsufficientPoints,
    InvalidPoints,
    KeyReused,
    OrderPointsConflict,
)
from shop_domain.loyalty.expiry import Calendar, Never, Rolling
from shop_domain.loyalty.lots import EntryKind, Source
from shop_domain.loyalty.programme import Programme, ShortfallPolicy
from shop_testing.invariants.points import check_points_books

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
JAN_1 = dt.datetime(2026, 1, 1, 10, 0, tzinfo=SHANGHAI)
DAY = dt.timedelta(days=1)
ROLLING = Programme(Rolling(months=12))
ORDER = uuid.UUID(int=0xA1)
_ids = (uuid.UUID(int=0x1000 + n) for n in itertools.count())


def account(now: dt.datetime = JAN_1) -> PointsAccount:
    return PointsAccount.open(id=uuid.UUID(int=1), user_id=uuid.UUID(int=2), now=now)


def grant(acc: PointsAccount, points: int, at: dt.datetime, programme: Programme = ROLLING):
    return acc.grant(
        points=points, source=Source.CHECK_IN, lot_id=next(_ids), programme=programme, now=at
    )


@pytest.mark.rule("PTS-2")
def test_rolling_lots_expire_on_their_own_anniversaries() -> None:
    acc = account()
    first = grant(acc, 100, JAN_1)
    second = grant(acc, 50, JAN_1 + 31 * DAY)  # 1 February
    # spendable through the anniversary day, gone at the midnight after it (Shanghai time)
    assert first.expires_at == dt.datetime(2027, 1, 2, tzinfo=SHANGHAI)
    assert second.expires_at == dt.datetime(2027, 2, 2, tzinfo=SHANGHAI)
    acc.expire(dt.datetime(2027, 1, 2, tzinfo=SHANGHAI) - dt.timedelta(microseconds=1))
    assert acc.balance == 150
    assert acc.expire(dt.datetime(2027, 1, 2, tzinfo=SHANGHAI)) == 100
    assert acc.balance == 50
    check_points_books(acc)


@pytest.mark.rule("PTS-2")
def test_calendar_points_last_to_the_end_of_next_year_in_the_programme_zone() -> None:
    acc = account()
    programme = Programme(Calendar(years=1, time_zone="Asia/Shanghai"))
    # 2025-12-31 20:00 UTC is already 1 January 2026 in Shanghai: a 2026 point
    lot = grant(acc, 10, dt.datetime(2025, 12, 31, 20, 0, tzinfo=dt.UTC), programme)
    assert lot.expires_at == dt.datetime(2028, 1, 1, tzinfo=SHANGHAI)
    never = grant(acc, 10, JAN_1, Programme(Never()))
    assert never.expires_at is None


@pytest.mark.rule("PTS-3")
def test_a_spend_takes_the_lots_that_expire_soonest_and_records_each() -> None:
    acc = account()
    late = grant(acc, 100, JAN_1 + 40 * DAY)
    soon = grant(acc, 30, JAN_1)
    never = grant(acc, 500, JAN_1, Programme(Never()))
    assert acc.spend(ORDER, "pay", 120, JAN_1 + 50 * DAY) == 120
    spent = [(e.lot_id, e.points) for e in acc.entries if e.kind is EntryKind.SPEND]
    assert spent == [(soon.id, -30), (late.id, -90)]
    assert (soon.remaining, late.remaining, never.remaining) == (0, 10, 500)
    assert acc.orders[ORDER].spent == 120
    check_points_books(acc)


@pytest.mark.rule("PTS-3")
def test_spending_never_takes_the_balance_below_zero_and_changes_nothing_when_refused() -> None:
    acc = account()
    grant(acc, 100, JAN_1)
    with pytest.raises(InsufficientPoints) as refused:
        acc.spend(ORDER, "pay", 101, JAN_1)
    assert refused.value.code == "points.insufficient"
    assert refused.value.details == {"asked": 101, "available": 100}
    assert acc.balance == 100
    assert len(acc.entries) == 1


@pytest.mark.rule("PTS-3")
def test_a_lot_past_its_last_day_is_never_spent_even_before_the_sweep() -> None:
    acc = account()
    grant(acc, 100, JAN_1, Programme(Rolling(months=1)))
    later = grant(acc, 100, JAN_1 + 20 * DAY)
    with pytest.raises(InsufficientPoints) as refused:
        acc.spend(ORDER, "pay", 150, JAN_1 + 40 * DAY)
    assert refused.value.details == {"asked": 150, "available": 100}
    assert len(acc.entries) == 2  # the refusal wrote nothing, not even the expiry it saw
    assert acc.spend(ORDER, "pay", 100, JAN_1 + 40 * DAY) == 100
    assert [e.kind for e in acc.entries[2:]] == [EntryKind.EXPIRE, EntryKind.SPEND]
    assert later.remaining == 0
    check_points_books(acc)


@pytest.mark.rule("PTS-5")
def test_purchase_points_are_pending_until_the_window_closes_then_a_lot() -> None:
    acc = account()
    assert acc.earn_pending(ORDER, "earn", 120, paid=12_000, now=JAN_1) == 120
    assert (acc.balance, acc.pending) == (0, 120)
    lot_id = next(_ids)
    assert acc.release(ORDER, "release", lot_id, ROLLING, JAN_1 + 15 * DAY) == 120
    assert (acc.balance, acc.pending) == (120, 0)
    assert acc.lots[lot_id].source is Source.PURCHASE
    assert acc.lots[lot_id].expires_at == dt.datetime(2027, 1, 17, tzinfo=SHANGHAI)
    check_points_books(acc)


@pytest.mark.rule("PTS-5")
def test_a_refund_inside_the_window_cancels_pending_points_in_proportion() -> None:
    acc = account()
    acc.earn_pending(ORDER, "earn", 100, paid=10_000, now=JAN_1)
    assert acc.reverse(ORDER, "refund-1", 3_333, ROLLING, JAN_1 + DAY) == 33
    assert acc.reverse(ORDER, "refund-2", 6_667, ROLLING, JAN_1 + DAY) == 67  # all of it
    assert acc.pending == 0
    assert acc.release(ORDER, "release", next(_ids), ROLLING, JAN_1 + 15 * DAY) == 0
    assert acc.balance == 0
    check_points_books(acc)


@pytest.mark.rule("PTS-6")
@pytest.mark.parametrize(
    ("policy", "balance", "forgiven"),
    [(ShortfallPolicy.CLAMP, 0, 70), (ShortfallPolicy.NEGATIVE, -70, 0)],
)
def test_a_refund_after_the_points_were_spent_clamps_or_goes_negative(
    policy: ShortfallPolicy, balance: int, forgiven: int
) -> None:
    programme = Programme(Rolling(months=12), shortfall=policy)
    acc = account()
    acc.earn_pending(ORDER, "earn", 100, paid=10_000, now=JAN_1)
    acc.release(ORDER, "release", next(_ids), programme, JAN_1 + 15 * DAY)
    other = uuid.UUID(int=0xB2)
    acc.spend(other, "pay", 70, JAN_1 + 16 * DAY)
    assert acc.reverse(ORDER, "refund", 10_000, programme, JAN_1 + 17 * DAY) == 100
    assert acc.balance == balance
    assert acc.orders[ORDER].forgiven == forgiven
    check_points_books(acc, programme)
    # later points repay what is owed first (negative policy)
    grant(acc, 100, JAN_1 + 18 * DAY, programme)
    assert acc.balance == balance + 100
    assert acc.debt == 0
    check_points_books(acc, programme)


@pytest.mark.rule("PTS-6")
def test_a_refund_restores_spent_points_to_their_lots_but_never_revives_an_expired_one() -> None:
    acc = account()
    short = grant(acc, 40, JAN_1, Programme(Rolling(months=1)))
    long = grant(acc, 100, JAN_1)
    acc.spend(ORDER, "pay", 100, JAN_1 + DAY)  # 40 from the short lot, 60 from the long one
    assert acc.restore(ORDER, "refund-1", 30, JAN_1 + 2 * DAY) == 30
    assert long.remaining == 70  # the latest-expiring first
    # the short lot expires; giving back the other 70 revives only the long lot's 30
    assert acc.restore(ORDER, "refund-2", 70, JAN_1 + 60 * DAY) == 30
    assert (short.remaining, long.remaining) == (0, 100)
    assert acc.orders[ORDER].forfeited == 40
    restored = [e for e in acc.entries if e.kind is EntryKind.RESTORE]
    assert all(e.lot_id == long.id for e in restored)
    with pytest.raises(OrderPointsConflict):
        acc.restore(ORDER, "refund-3", 1, JAN_1 + 60 * DAY)
    check_points_books(acc)


@pytest.mark.rule("PTS-6")
def test_holds_spend_once_and_a_cancellation_gives_them_back_to_their_lots() -> None:
    acc = account()
    lot = grant(acc, 100, JAN_1)
    assert acc.hold(ORDER, "submit", 80, JAN_1) == 80
    assert (acc.balance, acc.held, lot.remaining) == (20, 80, 20)
    with pytest.raises(InsufficientPoints):
        acc.spend(uuid.UUID(int=0xB2), "pay", 21, JAN_1)
    assert acc.capture(ORDER, "paid", JAN_1 + DAY) == 80
    assert acc.capture(ORDER, "paid", JAN_1 + DAY) == 80  # the same request again: no change
    assert acc.held == 0
    assert acc.balance == 20
    with pytest.raises(OrderPointsConflict):
        acc.capture(ORDER, "paid-again", JAN_1 + DAY)
    other = uuid.UUID(int=0xB3)
    acc.hold(other, "submit", 20, JAN_1 + DAY)
    assert acc.unhold(other, "cancel", JAN_1 + 2 * DAY) == 20
    assert (acc.balance, acc.held, lot.remaining) == (20, 0, 20)
    check_points_books(acc)


@pytest.mark.rule("PTS-6")
def test_held_points_of_a_lot_that_expired_meanwhile_are_forfeited_on_cancellation() -> None:
    acc = account()
    grant(acc, 50, JAN_1, Programme(Rolling(months=1)))
    acc.hold(ORDER, "submit", 50, JAN_1 + 30 * DAY)
    assert acc.unhold(ORDER, "cancel", JAN_1 + 40 * DAY) == 0
    assert (acc.balance, acc.held, acc.orders[ORDER].forfeited) == (0, 0, 50)
    check_points_books(acc)


@pytest.mark.rule("PTS-7")
def test_the_sweep_writes_one_entry_per_lot_and_is_idempotent() -> None:
    acc = account()
    for day in range(3):
        grant(acc, 10, JAN_1 + day * DAY, Programme(Rolling(months=1)))
    acc.spend(ORDER, "pay", 15, JAN_1 + 3 * DAY)  # the first lot, half the second
    at = JAN_1 + 60 * DAY
    assert acc.expire(at) == 15
    assert [e.points for e in acc.entries if e.kind is EntryKind.EXPIRE] == [-5, -10]
    assert acc.expire(at) == 0
    assert acc.expire(at + DAY) == 0
    check_points_books(acc)


@pytest.mark.rule("PTS-8")
def test_every_change_is_an_entry_with_the_figures_after_it() -> None:
    acc = account()
    grant(acc, 100, JAN_1)
    acc.hold(ORDER, "submit", 30, JAN_1)
    acc.earn_pending(uuid.UUID(int=0xB2), "earn", 7, paid=700, now=JAN_1)
    rows = [
        (e.seq, e.kind, e.points, e.balance_after, e.held_after, e.pending_after)
        for e in acc.entries
    ]
    assert rows == [
        (1, EntryKind.EARN, 100, 100, 0, 0),
        (2, EntryKind.HOLD, -30, 70, 30, 0),
        (3, EntryKind.PENDING, 0, 70, 30, 7),
    ]
    check_points_books(acc)


def test_order_commands_are_idempotent_per_key_and_refuse_a_key_reused_for_another_request() -> (
    None
):
    acc = account()
    grant(acc, 100, JAN_1)
    assert acc.spend(ORDER, "pay", 40, JAN_1) == 40
    assert acc.spend(ORDER, "pay", 40, JAN_1 + DAY) == 40
    assert acc.balance == 60
    with pytest.raises(KeyReused) as reused:
        acc.spend(ORDER, "pay", 41, JAN_1)
    assert reused.value.code == "points.key_reused"


@pytest.mark.parametrize("points", [0, -1, 1.5, True, "10", 10**13])
def test_points_are_a_positive_whole_number(points: object) -> None:
    acc = account()
    with pytest.raises(InvalidPoints) as bad:
        acc.grant(
            points=points, source=Source.ACTIVITY, lot_id=next(_ids), programme=ROLLING, now=JAN_1
        )  # type: ignore[arg-type]
    assert bad.value.code == "points.invalid_amount"
    assert acc.entries == []
    assert acc.lots == {}


def test_an_adjustment_has_a_reason_and_never_takes_the_balance_below_zero() -> None:
    acc = account()
    acc.adjust(
        points=50, reason="goodwill", actor="op:1", programme=ROLLING, now=JAN_1, lot_id=next(_ids)
    )
    with pytest.raises(InsufficientPoints):
        acc.adjust(points=-51, reason="fraud", actor="op:1", programme=ROLLING, now=JAN_1)
    with pytest.raises(InvalidPoints):
        acc.adjust(points=-10, reason="  ", actor="op:1", programme=ROLLING, now=JAN_1)
    acc.adjust(points=-20, reason="fraud", actor="op:1", programme=ROLLING, now=JAN_1)
    assert acc.balance == 30
    assert [(e.kind, e.reason, e.actor) for e in acc.entries][-1] == (
        EntryKind.ADJUST,
        "fraud",
        "op:1",
    )
    check_points_books(acc)
