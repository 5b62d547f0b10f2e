"""Coupons under real concurrency on PostgreSQL: many tasks on many connections (and several
"processes", each with its own pool, bus and claim batcher) race for one template, one code, one
coupon; every test asserts the invariant exactly, read back with plain SQL and the read side.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest
from tests.concurrency.conftest import (
    OPERATOR,
    T0,
    Cluster,
    definition,
    jittered,
    race,
    refusal_codes,
    users,
)

from shop_adapters.shared.system import FixedClock
from shop_app.coupons import commands as c
from shop_app.coupons.claiming import ClaimRefused
from shop_app.coupons.results import Acquired, IssueReport, OrderCoupons, Refused
from shop_app.shared.messagebus import MessageBus
from shop_domain.coupons import events as ev
from shop_domain.coupons.coupon import CouponState
from shop_domain.coupons.terms import Distribution

pytestmark = pytest.mark.postgres

Claim = Callable[[c.ClaimCoupon], Awaitable[Acquired]]

SOLD_OUT = "coupon.sold_out"
PER_USER = "coupon.per_user_limit"
PER_DAY = "coupon.per_user_daily_limit"
CODE_INVALID = "coupon.code_invalid"
NOT_AVAILABLE = "coupon.not_available"


def _single_claims(bus: MessageBus) -> Claim:
    """A claim as its own one-claim ``ClaimBatch`` transaction: no batcher in front."""

    async def claim(command: c.ClaimCoupon) -> Acquired:
        [answer] = await bus.handle(
            c.ClaimBatch(template_id=command.template_id, claims=(command,))
        )
        if isinstance(answer, Refused):
            raise ClaimRefused(answer)
        assert isinstance(answer, Acquired)
        return answer

    return claim


MODES = ("one_batcher", "no_batcher", "four_batchers")


def _claimers(cluster: Cluster, mode: str) -> list[Claim]:
    """How the attempts reach the database: one process with a batcher; six processes with
    pools of up to 8 connections each and no batcher (only the row lock keeps it exact); four
    processes each with its own batcher."""
    if mode == "one_batcher":
        return [cluster.node(pool_size=2).claim]
    if mode == "no_batcher":
        return [_single_claims(node.bus) for node in cluster.many(6, pool_size=4)]
    return [node.claim for node in cluster.many(4, pool_size=2)]


# --- CPN-2: the total and the per-user limits under a stampede --------------------------------


@pytest.mark.rule("CPN-2")
@pytest.mark.parametrize("mode", MODES)
async def test_stampede_issues_exactly_the_total_and_nobody_passes_a_limit(
    cluster: Cluster, mode: str
) -> None:
    claimers = _claimers(cluster, mode)
    template_id = await cluster.template(definition(total=100, per_user=2, per_day=2))
    crowd = users(120)
    attempts = [user for user in crowd for _ in range(5)]  # 600 claims, 120 users
    rng = random.Random(f"stampede-{mode}")
    rng.shuffle(attempts)

    async with cluster.lock_waits() as waits:
        results = await race(
            jittered(
                claimers[i % len(claimers)](c.ClaimCoupon(template_id=template_id, user_id=user)),
                rng,
            )
            for i, user in enumerate(attempts)
        )
    if mode != "one_batcher":  # the row lock, not the event loop, decided
        assert waits.most >= (10 if mode == "no_batcher" else 1)

    granted = [r for r in results if isinstance(r, Acquired)]
    refused = Counter(refusal_codes(results))
    assert len(granted) == 100
    assert len({a.coupon_id for a in granted}) == 100
    assert set(refused) <= {SOLD_OUT, PER_USER, PER_DAY}
    assert refused[SOLD_OUT] > 0  # the crowd wanted 240 at most: the total was the limit
    assert sum(refused.values()) == 500

    holdings = await cluster.holdings(template_id)
    assert sum(holdings.values()) == 100
    assert max(holdings.values()) <= 2
    assert set(holdings) <= set(crowd)
    rows = await cluster.coupon_rows(template_id)
    assert {row.id for row in rows} == {a.coupon_id for a in granted}
    assert await cluster.issued(template_id) == 100
    stats = await cluster.queries.statistics(template_id)
    assert (stats.issued, stats.claimed, stats.available) == (100, 100, 100)
    assert stats.distinct_users == len(holdings)


@pytest.mark.rule("CPN-2")
@pytest.mark.parametrize("mode", MODES)
async def test_the_same_keyed_claim_twenty_times_at_once_gets_one_coupon(
    cluster: Cluster, mode: str
) -> None:
    claimers = _claimers(cluster, mode)
    template_id = await cluster.template(definition(total=1000, per_user=5, per_day=5))
    user = uuid.uuid4()
    claim = c.ClaimCoupon(template_id=template_id, user_id=user, key="tap-1")

    async with cluster.lock_waits() as waits:
        results = await race(claimers[i % len(claimers)](claim) for i in range(20))
    if mode != "one_batcher":
        assert waits.most >= (5 if mode == "no_batcher" else 1)

    assert refusal_codes(results) == []
    assert len({r.coupon_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert await cluster.holdings(template_id) == {user: 1}
    assert await cluster.issued(template_id) == 1
    assert (await cluster.queries.statistics(template_id)).issued == 1


# --- CPN-4: codes -------------------------------------------------------------------------


@pytest.mark.rule("CPN-4")
async def test_one_time_code_redeemed_by_fifty_users_at_once_binds_one_coupon(
    cluster: Cluster,
) -> None:
    nodes = cluster.many(4, pool_size=6)
    template_id = await cluster.template(definition(total=100, per_user=1))
    [code, *_] = await cluster.one_time_codes(template_id, 5)
    crowd = users(50)

    async with cluster.lock_waits() as waits:
        results = await race(
            nodes[i % len(nodes)].bus.handle(c.RedeemCode(user_id=user, code=code))
            for i, user in enumerate(crowd)
        )
    assert waits.most >= 10  # they queued on the code's row lock

    granted = [(user, r) for user, r in zip(crowd, results, strict=True) if isinstance(r, Acquired)]
    assert len(granted) == 1
    assert refusal_codes(results) == [CODE_INVALID] * 49
    [(winner, acquired)] = granted
    row = await cluster.code_row(code)
    assert (row.redeemed_by, row.coupon_id) == (winner, acquired.coupon_id)
    assert await cluster.holdings(template_id) == {winner: 1}
    assert (await cluster.coupon_row(acquired.coupon_id)).code == code
    assert await cluster.issued(template_id) == 1
    assert (await cluster.queries.statistics(template_id)).issued == 1


@pytest.mark.rule("CPN-4")
@pytest.mark.rule("CPN-2")
async def test_shared_code_twenty_times_at_once_by_one_user_under_limit_one(
    cluster: Cluster,
) -> None:
    nodes = cluster.many(4, pool_size=6)
    template_id = await cluster.template(
        definition(total=1000, per_user=1, public_code="SALE-2026")
    )
    user = uuid.uuid4()

    async with cluster.lock_waits() as waits:
        results = await race(
            nodes[i % len(nodes)].bus.handle(c.RedeemCode(user_id=user, code="sale2026"))
            for i in range(20)
        )
    assert waits.most >= 5

    assert sum(isinstance(r, Acquired) for r in results) == 1
    assert refusal_codes(results) == [PER_USER] * 19
    assert await cluster.holdings(template_id) == {user: 1}
    assert await cluster.issued(template_id) == 1
    assert (await cluster.queries.statistics(template_id)).issued == 1


# --- CPN-5: one coupon, two orders ----------------------------------------------------------


async def _wallet(cluster: Cluster, user: uuid.UUID, templates: list[uuid.UUID]) -> list[uuid.UUID]:
    """One coupon of each template for ``user`` (claimed through the bus)."""
    ids = []
    for template_id in templates:
        [answer] = await cluster.admin.bus.handle(
            c.ClaimBatch(
                template_id=template_id,
                claims=(c.ClaimCoupon(template_id=template_id, user_id=user),),
            )
        )
        assert isinstance(answer, Acquired)
        ids.append(answer.coupon_id)
    return ids


@pytest.mark.rule("CPN-5")
async def test_one_coupon_locked_by_several_orders_at_once_goes_to_one(cluster: Cluster) -> None:
    nodes = cluster.many(4, pool_size=4)
    template_id = await cluster.template(definition(total=1000))
    user = uuid.uuid4()
    for round_ in range(10):
        [coupon_id] = await _wallet(cluster, user, [template_id])
        orders = users(2 if round_ < 8 else 8)  # mostly pairs, then a crowd of eight

        results = await race(
            nodes[i % len(nodes)].bus.handle(
                c.LockCoupons(order_id=order, user_id=user, coupon_ids=(coupon_id,))
            )
            for i, order in enumerate(orders)
        )

        winners = [o for o, r in zip(orders, results, strict=True) if isinstance(r, OrderCoupons)]
        assert len(winners) == 1, results
        assert refusal_codes(results) == [NOT_AVAILABLE] * (len(orders) - 1)
        row = await cluster.coupon_row(coupon_id)
        assert (row.state, row.order_id) == (CouponState.LOCKED, winners[0])
    stats = await cluster.queries.statistics(template_id)
    assert (stats.locked, stats.available) == (10, 0)


@pytest.mark.rule("CPN-5")
async def test_overlapping_locks_never_deadlock_and_stay_all_or_nothing(cluster: Cluster) -> None:
    nodes = cluster.many(2, pool_size=4)
    templates = [
        await cluster.template(definition(total=1000, stackable=True, name=f"Stack {i}"))
        for i in range(3)
    ]
    user = uuid.uuid4()
    rounds = 15
    for round_ in range(rounds):
        c1, c2, c3 = await _wallet(cluster, user, templates)
        order_a, order_b = uuid.uuid4(), uuid.uuid4()
        # B names its coupons in the other order: locking must not depend on the caller's order
        lock_a = c.LockCoupons(order_id=order_a, user_id=user, coupon_ids=(c1, c2))
        lock_b = c.LockCoupons(order_id=order_b, user_id=user, coupon_ids=(c3, c2))
        first, second = (nodes[0], nodes[1]) if round_ % 2 else (nodes[1], nodes[0])

        results = await asyncio.wait_for(
            race([first.bus.handle(lock_a), second.bus.handle(lock_b)]), timeout=30
        )

        won = [isinstance(r, OrderCoupons) for r in results]
        assert won.count(True) == 1, results
        assert refusal_codes(results) == [NOT_AVAILABLE]
        rows = {i: await cluster.coupon_row(i) for i in (c1, c2, c3)}
        winner, mine, loser_only = (order_a, (c1, c2), c3) if won[0] else (order_b, (c3, c2), c1)
        for coupon_id in mine:
            assert (rows[coupon_id].state, rows[coupon_id].order_id) == (
                CouponState.LOCKED,
                winner,
            )
        # all or nothing: the loser locked nothing, not even the coupon nobody else wanted
        assert (rows[loser_only].state, rows[loser_only].order_id) == (CouponState.AVAILABLE, None)
    for template_id in templates:
        stats = await cluster.queries.statistics(template_id)
        assert stats.locked + stats.available == rounds
    total_locked = sum([(await cluster.queries.statistics(t)).locked for t in templates])
    assert total_locked == 2 * rounds


# --- CPN-3: issuing -------------------------------------------------------------------------


def _issues(
    template_id: uuid.UUID, pool: list[uuid.UUID], commands: int, size: int, seed: str
) -> list[c.IssueCoupons]:
    rng = random.Random(seed)
    return [
        c.IssueCoupons(
            template_id=template_id,
            campaign_key="double-11",
            user_ids=tuple(rng.sample(pool, size)),
            issued_by=OPERATOR,
        )
        for _ in range(commands)
    ]


@pytest.mark.rule("CPN-3")
async def test_overlapping_issues_with_one_campaign_key_give_each_user_one_coupon(
    cluster: Cluster,
) -> None:
    nodes = cluster.many(4, pool_size=6)
    template_id = await cluster.template(
        definition(total=10_000, distribution=Distribution.ISSUE_ONLY)
    )
    pool = users(200)
    commands = _issues(template_id, pool, 100, 40, "overlap")
    wanted = {user for command in commands for user in command.user_ids}

    async with cluster.lock_waits() as waits:
        results = await race(
            nodes[i % len(nodes)].bus.handle(cmd) for i, cmd in enumerate(commands)
        )
    assert waits.most >= 10

    assert refusal_codes(results) == []
    reports: list[IssueReport] = results
    issued = Counter(user for report in reports for user, _ in report.issued)
    assert set(issued) == wanted
    assert set(issued.values()) == {1}
    assert all(not report.refused for report in reports)
    holdings = await cluster.holdings(template_id)
    assert holdings == dict.fromkeys(wanted, 1)
    assert await cluster.issued(template_id) == len(wanted)
    stats = await cluster.queries.statistics(template_id)
    assert (stats.issued, stats.claimed, stats.distinct_users) == (len(wanted), 0, len(wanted))


@pytest.mark.rule("CPN-3")
async def test_overlapping_issues_beyond_the_total_stop_at_the_total(cluster: Cluster) -> None:
    nodes = cluster.many(4, pool_size=6)
    template_id = await cluster.template(
        definition(total=100, distribution=Distribution.ISSUE_ONLY)
    )
    pool = users(300)
    commands = _issues(template_id, pool, 100, 30, "beyond")

    async with cluster.lock_waits() as waits:
        results = await race(
            nodes[i % len(nodes)].bus.handle(cmd) for i, cmd in enumerate(commands)
        )
    assert waits.most >= 10

    assert refusal_codes(results) == []
    reports: list[IssueReport] = results
    issued = Counter(user for report in reports for user, _ in report.issued)
    assert sum(issued.values()) == 100
    assert set(issued.values()) == {1}
    assert {code for report in reports for _, code in report.refused} == {SOLD_OUT}
    holdings = await cluster.holdings(template_id)
    assert holdings == dict.fromkeys(issued, 1)
    assert await cluster.issued(template_id) == 100
    assert (await cluster.queries.statistics(template_id)).issued == 100


# --- CPN-12: sweeps -------------------------------------------------------------------------


@pytest.mark.rule("CPN-12")
@pytest.mark.rule("CPN-11")
async def test_concurrent_expiry_sweeps_expire_each_coupon_once(cluster: Cluster) -> None:
    template_id = await cluster.template(
        definition(total=1000, distribution=Distribution.BOTH, validity_days=1)
    )
    crowd = users(300)
    report: IssueReport = await cluster.admin.bus.handle(
        c.IssueCoupons(
            template_id=template_id, campaign_key="expiring", user_ids=tuple(crowd), issued_by="t"
        )
    )
    assert len(report.issued) == 300
    later = FixedClock(T0)
    later.advance(days=2)
    sweepers = cluster.many(6, pool_size=2, clock=later)
    expired_events: list[ev.CouponExpired] = []

    async def sweep(node_index: int) -> int:
        done = 0
        bus = sweepers[node_index].bus
        bus.subscribe(ev.CouponExpired, _collect(expired_events))
        while step := await bus.handle(c.ExpireCoupons(limit=20)):
            done += step
        return done

    results = await race(sweep(i) for i in range(len(sweepers)))

    assert refusal_codes(results) == []
    assert sum(results) == 300
    assert sum(done > 0 for done in results) >= 2  # the sweepers shared the work (SKIP LOCKED)
    assert len(expired_events) == 300
    assert len({e.coupon_id for e in expired_events}) == 300
    rows = await cluster.coupon_rows(template_id)
    assert {row.state for row in rows} == {CouponState.EXPIRED}
    stats = await cluster.queries.statistics(template_id)
    assert (stats.issued, stats.expired, stats.available) == (300, 300, 0)
    assert await sweepers[0].bus.handle(c.ExpireCoupons()) == 0


def _collect(sink: list[ev.CouponExpired]) -> Callable[[ev.CouponExpired, object], Awaitable[None]]:
    async def handler(event: ev.CouponExpired, _uow: object) -> None:
        sink.append(event)

    return handler
