"""The year of one member in ``docs/loyalty.md``, step by step, as the account does it."""

from __future__ import annotations

import datetime as dt
import uuid

from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.expiry import Rolling
from shop_domain.loyalty.lots import EntryKind, Source
from shop_domain.loyalty.programme import Programme
from shop_testing.invariants.points import check_points_books

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
PROGRAMME = Programme(Rolling(12, "Asia/Shanghai"))
X = uuid.UUID(int=0x58)


def on(month: int, day: int, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, 10, tzinfo=SHANGHAI)


def figures(account: PointsAccount) -> tuple[int, int, int]:
    return account.balance, account.held, account.pending


def kinds(account: PointsAccount, since: int) -> list[tuple[EntryKind, int, int, int]]:
    return [(e.kind, e.points, e.held, e.pending) for e in account.entries[since:]]


def test_a_year_of_one_member() -> None:
    a_id, b_id, c_id = (uuid.UUID(int=n) for n in (0xA, 0xB, 0xC))
    account = PointsAccount.open(id=uuid.UUID(int=1), user_id=uuid.UUID(int=2), now=on(1, 1))
    a = account.grant(points=100, source=Source.CHECK_IN, lot_id=a_id, programme=PROGRAMME,
                      now=on(1, 1))  # fmt: skip
    assert a.expires_at == dt.datetime(2027, 1, 2, tzinfo=SHANGHAI)
    account.grant(points=50, source=Source.REVIEW, lot_id=b_id, programme=PROGRAMME, now=on(2, 1))
    assert figures(account) == (150, 0, 0)
    account.hold(X, "submit", 120, on(2, 10))
    assert kinds(account, 2) == [(EntryKind.HOLD, -100, 100, 0), (EntryKind.HOLD, -20, 20, 0)]
    assert figures(account) == (30, 120, 0)
    account.capture(X, "paid", on(2, 10))
    assert figures(account) == (30, 0, 0)
    account.earn_pending(X, "earn", 80, paid=8_000, now=on(2, 11))
    assert figures(account) == (30, 0, 80)
    seen = len(account.entries)
    assert account.reverse(X, "refund-1", 4_000, PROGRAMME, on(2, 20)) == 40
    assert account.restore(X, "refund-1", 60, on(2, 20)) == 60
    assert [(e.kind, e.points, e.pending, e.lot_id) for e in account.entries[seen:]] == [
        (EntryKind.PENDING_CANCELLED, 0, -40, None),
        (EntryKind.RESTORE, 20, 0, b_id),
        (EntryKind.RESTORE, 40, 0, a_id),
    ]
    assert figures(account) == (90, 0, 40)
    assert account.release(X, "window-closed", c_id, PROGRAMME, on(2, 26)) == 40
    assert figures(account) == (130, 0, 0)
    assert account.expire(on(1, 2, 2027)) == 40
    assert account.entries[-1].kind is EntryKind.EXPIRE
    assert account.entries[-1].lot_id == a_id
    assert figures(account) == (90, 0, 0)
    check_points_books(account, PROGRAMME)
