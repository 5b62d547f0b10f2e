"""Points accounts under real concurrency on PostgreSQL: many tasks on several "processes"
(each its own pool and bus) earn and spend on one account at once; the books stay exact, read
back with plain SQL (PTS-3, PTS-8)."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.concurrency.conftest import Cluster, Processes, jittered, race, refusal_codes

from shop_adapters.sql.loyalty.tables import (
    mall_items,
    mall_redemptions,
    points_accounts,
    points_entries,
    points_lots,
)
from shop_app.loyalty import commands as c
from shop_app.loyalty.handlers import points_command_handlers
from shop_app.loyalty.mall import AddMallItem, Redeem, Redeemed, mall_command_handlers
from shop_app.shared.messagebus import MessageBus
from shop_domain.loyalty.expiry import Never
from shop_domain.loyalty.lots import Source
from shop_domain.loyalty.programme import Programme

pytestmark = [pytest.mark.postgres, pytest.mark.rule("PTS-3"), pytest.mark.rule("PTS-8")]

INSUFFICIENT = "points.insufficient"


@pytest.fixture
async def processes(cluster: Cluster) -> AsyncIterator[Processes]:
    handlers = {**points_command_handlers(Programme(Never())), **mall_command_handlers()}
    made = Processes(cluster, lambda _engine, uow: MessageBus(uow, handlers))
    yield made
    await made.close()


def grant(user: uuid.UUID, points: int) -> c.GrantPoints:
    return c.GrantPoints(user_id=user, points=points, source=Source.ACTIVITY)


async def books(cluster: Cluster, user: uuid.UUID) -> dict[str, Any]:
    """The account's books read with plain SQL, every sum checked against its figure."""
    async with cluster.reader.connect() as conn:
        account = (
            await conn.execute(select(points_accounts).where(points_accounts.c.user_id == user))
        ).one()
        entries = (
            await conn.execute(
                select(points_entries)
                .where(points_entries.c.account_id == account.id)
                .order_by(points_entries.c.seq)
            )
        ).all()
        lots = (
            await conn.execute(select(points_lots).where(points_lots.c.account_id == account.id))
        ).all()
        accounts = (
            await conn.execute(
                select(func.count())
                .select_from(points_accounts)
                .where(points_accounts.c.user_id == user)
            )
        ).scalar_one()
    assert accounts == 1
    assert (
        [e.seq for e in entries]
        == list(range(1, len(entries) + 1))
        == list(range(1, account.seq + 1))
    )
    running = 0
    for entry in entries:
        running += entry.points
        assert entry.balance_after == running
    assert account.balance == running == sum(lot.remaining for lot in lots) - account.debt
    per_lot: dict[uuid.UUID, int] = defaultdict(int)
    for entry in entries:
        if entry.lot_id is not None:
            per_lot[entry.lot_id] += entry.points
    for lot in lots:
        assert per_lot[lot.id] == lot.remaining
        assert 0 <= lot.remaining <= lot.granted
    spent: dict[uuid.UUID, int] = defaultdict(int)
    for entry in entries:
        if entry.kind == "spend":
            spent[entry.order_id] -= entry.points
    return {"balance": account.balance, "spent": spent, "granted": sum(lot.granted for lot in lots)}


async def test_two_hundred_earns_and_spends_on_one_account_keep_the_books_exact(
    cluster: Cluster, processes: Processes
) -> None:
    user = uuid.uuid4()
    await processes.bus(0).handle(grant(user, 500))
    rng = random.Random("points")
    attempts: list[Any] = []
    granted = 500
    for i in range(200):
        if i % 2:
            points = rng.randint(1, 40)
            granted += points
            attempts.append(processes.bus(i).handle(grant(user, points)))
        else:
            order = uuid.uuid4()
            spend = c.SpendPoints(
                user_id=user, order_id=order, key="pay", points=rng.randint(1, 60)
            )
            attempts.append(processes.bus(i).handle(spend))
    async with cluster.lock_waits() as waits:
        results = await race(jittered(attempt, rng) for attempt in attempts)
    assert waits.most >= 3  # the account's row lock, not the event loop, decided
    assert set(refusal_codes(results)) <= {INSUFFICIENT}
    answered = [r for r in results if isinstance(r, c.PointsMoved)]
    found = await books(cluster, user)
    spent_answers = sum(
        r.points
        for r, i in zip(results, range(200), strict=True)
        if i % 2 == 0 and isinstance(r, c.PointsMoved)
    )
    assert found["granted"] == granted
    assert sum(found["spent"].values()) == spent_answers
    assert found["balance"] == granted - spent_answers
    assert len(answered) >= 150


async def test_twenty_first_grants_at_once_open_one_account(
    cluster: Cluster, processes: Processes
) -> None:
    user = uuid.uuid4()
    results = await race(processes.bus(i).handle(grant(user, 10)) for i in range(20))
    assert refusal_codes(results) == []
    found = await books(cluster, user)
    assert found["balance"] == found["granted"] == 200


async def test_the_same_spend_twenty_times_at_once_spends_once(
    cluster: Cluster, processes: Processes
) -> None:
    user, order = uuid.uuid4(), uuid.uuid4()
    await processes.bus(0).handle(grant(user, 100))
    spend = c.SpendPoints(user_id=user, order_id=order, key="pay", points=70)
    results = await race(processes.bus(i).handle(spend) for i in range(20))
    assert refusal_codes(results) == []
    assert {r.points for r in results} == {70}
    found = await books(cluster, user)
    assert found["balance"] == 30
    assert found["spent"] == {order: 70}


@pytest.mark.rule("PTS-9")
async def test_five_hundred_redemptions_of_a_hundred_in_stock_redeem_exactly_a_hundred(
    cluster: Cluster, processes: Processes
) -> None:
    users = [uuid.uuid4() for _ in range(500)]
    for user in users:
        await processes.bus(0).handle(grant(user, 100))
    item = await processes.bus(0).handle(AddMallItem(name="race mug", points=60, stock=100))
    rng = random.Random("mall")
    results = await race(
        jittered(processes.bus(i).handle(Redeem(user_id=user, item_id=item)), rng)
        for i, user in enumerate(users)
    )
    redeemed = [r for r in results if isinstance(r, Redeemed)]
    assert len(redeemed) == 100
    assert set(refusal_codes(results)) == {"points.mall_sold_out"}
    async with cluster.reader.connect() as conn:
        stock = (
            await conn.execute(select(mall_items.c.stock).where(mall_items.c.id == item))
        ).scalar_one()
        placed = (
            await conn.execute(
                select(func.count())
                .select_from(mall_redemptions)
                .where(mall_redemptions.c.item_id == item)
            )
        ).scalar_one()
        balances = (
            await conn.execute(
                select(func.sum(points_accounts.c.balance)).where(
                    points_accounts.c.user_id.in_(users)
                )
            )
        ).scalar_one()
    assert (stock, placed) == (0, 100)
    assert balances == 500 * 100 - 100 * 60  # a winner paid once, a refused one nothing
    assert all(r.balance == 40 for r in redeemed)
