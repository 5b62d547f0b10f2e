"""The participation log (PRO-7) under real concurrency on PostgreSQL: many tasks on several
"processes" (each its own pool and bus) record orders for the same promotions at once; the
limits hold exactly, an order is recorded all or nothing, and the counters stay the log's
counts — read back with plain SQL."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tests.concurrency.conftest import T0, Cluster, jittered, race, refusal_codes
from tests.unit.pricing.participation_support import active_promotion, read_books

from shop_adapters.shared.system import UuidV7Generator
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.pricing.participation import (
    ParticipationRecorded,
    RecordParticipation,
    ReleaseParticipation,
    participation_command_handlers,
)
from shop_app.shared.messagebus import MessageBus
from shop_domain.pricing.terms import PromotionLimits

pytestmark = [pytest.mark.postgres, pytest.mark.rule("PRO-7")]

TOTAL = "promotion.total_limit"
PER_USER = "promotion.per_user_limit"


class Orders:
    """Several processes' buses over one database, taking turns per attempt."""

    def __init__(self, cluster: Cluster, processes: int = 6, pool_size: int = 4) -> None:
        ids = UuidV7Generator()
        self.engines = [make_engine(cluster.url, pool_size=pool_size) for _ in range(processes)]
        self.buses = [
            MessageBus(
                lambda engine=engine: SqlShopUnitOfWork(engine, cluster.clock, ids),
                participation_command_handlers(),
            )
            for engine in self.engines
        ]
        self.uow = lambda: SqlShopUnitOfWork(self.engines[0], cluster.clock, ids)

    def bus(self, i: int) -> MessageBus:
        return self.buses[i % len(self.buses)]

    async def close(self) -> None:
        for engine in self.engines:
            await engine.dispose()


@pytest.fixture
async def orders(cluster: Cluster) -> AsyncIterator[Orders]:
    made = Orders(cluster)
    yield made
    await made.close()


def record(user: uuid.UUID, *promotions: uuid.UUID, order: uuid.UUID | None = None) -> Any:
    return RecordParticipation(
        order_id=order or uuid.uuid4(), user_id=user, promotion_ids=promotions
    )


async def test_three_hundred_orders_for_fifty_places_record_exactly_fifty(
    cluster: Cluster, orders: Orders
) -> None:
    limits = PromotionLimits(total=50)
    promotion = await active_promotion(orders.uow, T0, limits)
    rng = random.Random("total")
    async with cluster.lock_waits() as waits:
        results = await race(
            jittered(orders.bus(i).handle(record(uuid.uuid4(), promotion)), rng) for i in range(300)
        )
    assert waits.most >= 5  # the counter row's lock, not the event loop, decided
    recorded = [r for r in results if isinstance(r, ParticipationRecorded)]
    assert len(recorded) == 50
    assert Counter(refusal_codes(results)) == {TOTAL: 250}
    books = await read_books(cluster.reader)
    assert books.counting[promotion] == 50
    assert books.totals == {promotion: 50}
    books.check({promotion: limits})


async def test_three_hundred_orders_of_sixty_members_give_each_exactly_the_per_user_limit(
    cluster: Cluster, orders: Orders
) -> None:
    limits = PromotionLimits(per_user=2)
    promotion = await active_promotion(orders.uow, T0, limits)
    members = [uuid.uuid4() for _ in range(60)]
    attempts = [member for member in members for _ in range(5)]
    rng = random.Random("per-user")
    rng.shuffle(attempts)
    results = await race(
        jittered(orders.bus(i).handle(record(member, promotion)), rng)
        for i, member in enumerate(attempts)
    )
    recorded = [r for r in results if isinstance(r, ParticipationRecorded)]
    assert len(recorded) == 120
    assert Counter(refusal_codes(results)) == {PER_USER: 180}
    books = await read_books(cluster.reader)
    assert {key[1]: n for key, n in books.counting_by_user.items()} == dict.fromkeys(members, 2)
    assert books.user_counts == {(promotion, member): 2 for member in members}
    assert books.totals == {}  # no total limit: no shared row that every order queues on
    books.check({promotion: limits})


async def test_orders_taking_two_promotions_are_recorded_all_or_nothing(
    cluster: Cluster, orders: Orders
) -> None:
    """Every order takes A (30 places, one per member) and B (40 places): the 30 that get A
    get B too; no order keeps B without A, and none waits for another in a cycle."""
    a_limits, b_limits = PromotionLimits(per_user=1, total=30), PromotionLimits(total=40)
    a = await active_promotion(orders.uow, T0, a_limits, name="A")
    b = await active_promotion(orders.uow, T0, b_limits, name="B")
    members = [uuid.uuid4() for _ in range(100)]
    rng = random.Random("both")
    results = await race(
        jittered(orders.bus(i).handle(record(members[i % 100], *rng.sample([a, b], 2))), rng)
        for i in range(300)
    )
    recorded = [r for r in results if isinstance(r, ParticipationRecorded)]
    assert len(recorded) == 30
    assert all(r.recorded == tuple(sorted((a, b))) for r in recorded)
    assert set(refusal_codes(results)) <= {TOTAL, PER_USER}
    books = await read_books(cluster.reader)
    assert books.counting == {a: 30, b: 30}
    assert books.totals == {a: 30, b: 30}
    books.check({a: a_limits, b: b_limits})


async def test_the_same_order_twenty_times_at_once_is_recorded_once(
    cluster: Cluster, orders: Orders
) -> None:
    limits = PromotionLimits(per_user=1, total=10)
    promotion = await active_promotion(orders.uow, T0, limits)
    command = record(uuid.uuid4(), promotion)
    results = await race(orders.bus(i).handle(command) for i in range(20))
    assert refusal_codes(results) == []
    assert sum(len(r.recorded) for r in results) == 1
    assert sum(len(r.already) for r in results) == 19
    books = await read_books(cluster.reader)
    assert books.totals == {promotion: 1}
    books.check({promotion: limits})


async def test_releases_racing_records_give_back_exactly_the_places_they_free(
    cluster: Cluster, orders: Orders
) -> None:
    limits = PromotionLimits(per_user=1, total=50)
    promotion = await active_promotion(orders.uow, T0, limits)
    first = [(uuid.uuid4(), uuid.uuid4()) for _ in range(50)]  # (user, order)
    for i, (user, order) in enumerate(first):
        await orders.bus(i).handle(record(user, promotion, order=order))
    cancelled = first[:25]
    rng = random.Random("release")
    attempts = [ReleaseParticipation(order_id=order) for _, order in cancelled] * 2  # twice
    attempts += [record(uuid.uuid4(), promotion) for _ in range(150)]
    attempts += [record(user, promotion) for user, _ in first[25:]]  # at their limit
    rng.shuffle(attempts)
    results = await race(
        jittered(orders.bus(i).handle(command), rng) for i, command in enumerate(attempts)
    )
    newly = [r for r in results if isinstance(r, ParticipationRecorded)]
    assert len(newly) <= 25  # no more than the places given back
    assert set(refusal_codes(results)) <= {TOTAL, PER_USER}
    released = [r for r in results if hasattr(r, "released")]
    assert Counter(len(r.released) for r in released) == {1: 25, 0: 25}  # each exactly once
    books = await read_books(cluster.reader)
    assert books.counting[promotion] == 25 + len(newly)
    assert books.released[promotion] == 25
    books.check({promotion: limits})
    # what is left is exactly what a fill takes, one order at a time
    fill = await race(orders.bus(0).handle(record(uuid.uuid4(), promotion)) for _ in range(40))
    assert sum(isinstance(r, ParticipationRecorded) for r in fill) == 25 - len(newly)
    books = await read_books(cluster.reader)
    assert books.counting[promotion] == 50
    books.check({promotion: limits})
