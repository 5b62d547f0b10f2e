"""Contract of the points accounts' persistence (PTS-2..8): the repository round-trips an
account's figures, lots, orders and history; loads only the lots an operation needs however
long the history; keeps the history append-only; and the read side shows the figures and the
points that expire soon."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shop_app.loyalty import commands as c
from shop_app.shared.errors import PersistenceConflict
from shop_app.shared.paging import PageRequest
from shop_domain.loyalty.errors import InsufficientPoints, KeyReused
from shop_domain.loyalty.expiry import Never, Rolling
from shop_domain.loyalty.lots import EntryKind, Source
from shop_domain.loyalty.programme import Programme
from shop_testing.contracts.backend import Backend

USER = uuid.UUID(int=0x0501)
OTHER = uuid.UUID(int=0x0502)
ORDER = uuid.UUID(int=0x0A01)
DAY = dt.timedelta(days=1)
MONTHLY = Programme(Rolling(1, "Asia/Shanghai"))


async def _grant(backend: Backend, points: int, programme: Programme = MONTHLY) -> c.PointsMoved:
    moved: c.PointsMoved = await backend.points_bus(programme).handle(
        c.GrantPoints(user_id=USER, points=points, source=Source.CHECK_IN)
    )
    return moved


class PointsPersistenceContract:
    """Subclasses provide ``backend``."""

    pytestmark = [pytest.mark.asyncio]

    @pytest.mark.rule("PTS-8")
    async def test_figures_lots_and_history_round_trip(self, backend: Backend) -> None:
        await _grant(backend, 100)
        backend.clock.advance(days=1)
        await _grant(backend, 50)
        bus = backend.points_bus(MONTHLY)
        held = await bus.handle(
            c.HoldPoints(user_id=USER, order_id=ORDER, key="submit", points=120)
        )
        assert (held.points, held.balance, held.held) == (120, 30, 120)
        async with backend.uow() as uow:
            account = await uow.points_accounts.for_user(USER)
            assert account is not None
            await uow.points_accounts.load_for(account, backend.clock.now(), orders=(ORDER,))
            assert (account.balance, account.held, account.seq) == (30, 120, 4)
            order = account.orders[ORDER]
            assert [(p.points, p.returned) for p in order.hold_parts] == [(100, 0), (20, 0)]
            lots = sorted(account.lots.values(), key=lambda lot: lot.granted_at)
            assert [(lot.granted, lot.remaining) for lot in lots] == [(100, 0), (50, 30)]
            assert lots[0].expires_at == MONTHLY.expiry.expires_at(lots[0].granted_at)
        history = await backend.points_queries().history(USER, PageRequest(1, 10))
        assert [
            (e.seq, e.kind, e.points, e.balance_after, e.held_after) for e in history.items
        ] == [
            (4, EntryKind.HOLD, -20, 30, 120),
            (3, EntryKind.HOLD, -100, 50, 100),
            (2, EntryKind.EARN, 50, 150, 0),
            (1, EntryKind.EARN, 100, 100, 0),
        ]
        assert history.total == 4

    @pytest.mark.rule("PTS-6")
    async def test_order_commands_answer_a_retry_and_refuse_a_reused_key(
        self, backend: Backend
    ) -> None:
        await _grant(backend, 100)
        bus = backend.points_bus(MONTHLY)
        spend = c.SpendPoints(user_id=USER, order_id=ORDER, key="pay", points=60)
        first = await bus.handle(spend)
        again = await bus.handle(spend)
        assert (first.points, again.points, again.balance) == (60, 60, 40)
        with pytest.raises(KeyReused):
            await bus.handle(c.SpendPoints(user_id=USER, order_id=ORDER, key="pay", points=61))
        restored = await bus.handle(
            c.RestorePoints(user_id=USER, order_id=ORDER, key="refund", points=60)
        )
        assert (restored.points, restored.balance) == (60, 100)
        with pytest.raises(InsufficientPoints):
            await bus.handle(c.SpendPoints(user_id=OTHER, order_id=ORDER, key="pay", points=1))

    @pytest.mark.rule("PTS-6")
    async def test_a_refund_takes_earned_points_back_from_the_orders_own_lot_first(
        self, backend: Backend
    ) -> None:
        bus = backend.points_bus(MONTHLY)
        await _grant(backend, 50)
        backend.clock.advance(days=1)
        earn = c.EarnPendingPoints(
            user_id=USER, order_id=ORDER, key="paid", points=100, paid=10_000
        )
        await bus.handle(earn)
        await bus.handle(c.ReleasePendingPoints(user_id=USER, order_id=ORDER, key="closed"))
        other = uuid.UUID(int=0x0A02)
        spent = await bus.handle(c.SpendPoints(user_id=USER, order_id=other, key="pay", points=30))
        assert spent.balance == 120  # the 30 came from the older grant
        refund = c.ReversePoints(user_id=USER, order_id=ORDER, key="refund", refunded=10_000)
        reversed_ = await bus.handle(refund)
        assert (reversed_.points, reversed_.balance) == (100, 20)  # the order's own lot, whole
        assert (await bus.handle(refund)).balance == 20  # a retry takes nothing more

    @pytest.mark.rule("PTS-3")
    async def test_a_spend_reads_the_lots_it_takes_not_the_history(self, backend: Backend) -> None:
        never = Programme(Never())
        for _ in range(250):
            await _grant(backend, 1, never)
            backend.clock.advance(minutes=1)
        async with backend.uow() as uow:
            account = await uow.points_accounts.for_user(USER)
            assert account is not None
            await uow.points_accounts.load_for(account, backend.clock.now(), points=5)
            assert len(account.lots) == 12  # pages of 4 and 8 of the 250
            await uow.points_accounts.load_for(account, backend.clock.now(), points=100)
            assert len(account.lots) == 124  # pages of 4, 8, 16, 32 and 64
            oldest = min(account.lots.values(), key=lambda lot: lot.granted_at)
            account.spend(ORDER, "pay", 100, backend.clock.now())
            assert oldest.remaining == 0
            await uow.commit()
        summary = await backend.points_queries().summary(USER, backend.clock.now())
        assert (summary.balance, summary.available) == (150, 150)

    @pytest.mark.rule("PTS-8")
    async def test_the_summary_shows_what_expires_within_30_days(self, backend: Backend) -> None:
        await _grant(backend, 70)  # spendable for a month
        granted_at = backend.clock.now()
        backend.clock.advance(days=20)
        summary = await backend.points_queries().summary(USER, backend.clock.now())
        assert (summary.balance, summary.available, summary.expiring_soon) == (70, 70, 70)
        assert await backend.points_queries().available(USER, backend.clock.now()) == 70
        assert summary.next_expiry == MONTHLY.expiry.expires_at(granted_at)
        backend.clock.advance(days=20)
        # due, and not yet swept: still in the balance, no longer available
        summary = await backend.points_queries().summary(USER, backend.clock.now())
        assert (summary.balance, summary.available, summary.expiring_soon) == (70, 0, 0)
        assert await backend.points_queries().available(USER, backend.clock.now()) == 0
        empty = await backend.points_queries().summary(OTHER, backend.clock.now())
        assert (empty.balance, empty.available, empty.next_expiry) == (0, 0, None)
        assert await backend.points_queries().available(OTHER, backend.clock.now()) == 0

    @pytest.mark.rule("PTS-7")
    async def test_the_sweep_writes_what_each_account_would_and_only_once(
        self, backend: Backend
    ) -> None:
        bus = backend.points_bus(MONTHLY)
        for user in (USER, OTHER):
            for points in (40, 25, 10):
                await bus.handle(c.GrantPoints(user_id=user, points=points, source=Source.REVIEW))
                backend.clock.advance(days=3)
        await bus.handle(c.SpendPoints(user_id=USER, order_id=ORDER, key="pay", points=50))
        backend.clock.advance(days=60)  # every lot is due now
        now = backend.clock.now()
        expected = {}
        async with backend.uow() as uow:  # what the account itself would write (not kept)
            for user in (USER, OTHER):
                account = await uow.points_accounts.for_user(user)
                assert account is not None
                await uow.points_accounts.load_for(account, now, points=account.balance)
                seq = account.seq
                account.expire(now)
                expected[user] = [
                    (e.seq, e.lot_id, e.points, e.balance_after)
                    for e in account.entries
                    if e.seq > seq
                ]
        assert [len(v) for v in expected.values()] == [2, 3]
        steps = []
        while (step := await bus.handle(c.SweepExpiredPoints(lots=2))).accounts:
            steps.append(step)
        assert sum(s.lots for s in steps) == 5
        assert sum(s.points for s in steps) == 25 + 75
        for user in (USER, OTHER):
            history = await backend.points_queries().history(user, PageRequest(1, 50))
            swept = [
                (e.seq, e.lot_id, e.points, e.balance_after)
                for e in history.items
                if e.kind is EntryKind.EXPIRE
            ]
            assert sorted(swept) == expected[user]
            summary = await backend.points_queries().summary(user, now)
            assert (summary.balance, summary.available) == (0, 0)
        expired = [m for m in await backend.outbox() if m.type == "loyalty.points_expired"]
        assert sorted(m.payload["points"] for m in expired) == [25, 75]
        assert await backend.points_queries().due_lots(now) == 0
        again = await bus.handle(c.SweepExpiredPoints(lots=100))
        assert (again.accounts, again.lots) == (0, 0)

    @pytest.mark.rule("PTS-8")
    @pytest.mark.parametrize("change", ["update", "delete"])
    async def test_the_history_is_append_only(self, backend: Backend, change: str) -> None:
        await _grant(backend, 10)
        with pytest.raises(PersistenceConflict) as refused:
            await backend.change_points_history_by_hand(change)  # type: ignore[arg-type]
        assert "append-only" in str(refused.value.__cause__)


__all__ = ["PointsPersistenceContract"]
