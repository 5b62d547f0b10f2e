"""Contract of ``CouponQueries``: a backend answers exactly like the ``memory://`` reference (our
SQL on a SQLite database of its own; anchors pin the answers themselves) for the same coupons,
seeded through the real message bus with deterministic ids on both sides, at several moments —
before and after validities end, so that expiry on read (CPN-12) is compared too."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from shop_app.coupons.queries import CouponQueries, UsageAction, UsageFilter, WalletQuery
from shop_app.shared.paging import PageRequest
from shop_domain.coupons import CouponState, TemplateState
from shop_domain.coupons.errors import CodeBatchNotFound, CouponNotFound, TemplateNotFound
from shop_testing.contracts.backend import T0, Backend, SqlBackend
from shop_testing.contracts.coupon_scenario import Scenario, run_scenario
from shop_testing.contracts.coupon_support import (
    DAY,
    HOUR,
    O2,
    U1,
    U2,
    UNKNOWN,
    USERS,
)
from shop_testing.harness import CountingIds

Seeded = tuple[Backend, Backend, Scenario]


def moments(s: Scenario) -> dict[str, dt.datetime]:
    """When to ask: during the claims, at the end of the scenario, once the spring claim
    window has closed and its coupons expire soon, and after every validity has ended."""
    return {
        "claims": s.times["claims"],
        "end": s.times["end"],
        "spring expiring soon": T0 + 7 * DAY + 12 * HOUR,
        "spring over": T0 + 10 * DAY,
        "all over": T0 + 40 * DAY,
    }


PAGES = [PageRequest(), PageRequest(1, 3), PageRequest(2, 3), PageRequest(4, 3), PageRequest(9, 5)]


async def collect(queries: CouponQueries, batch_id: Any, chunk: int) -> list[list[str]]:
    return [c async for c in queries.batch_codes(batch_id, chunk=chunk)]


class CouponQueriesContract:
    """Subclasses provide ``backend``. ``reference`` is a ``memory://`` :class:`SqlBackend` fed
    the same commands, which the backend must answer exactly as; a subclass whose backend is
    itself our SQL on SQLite overrides ``reference`` to return ``None`` (the backend is its own
    reference, and the anchors pin what the answers are)."""

    pytestmark = [pytest.mark.asyncio]

    @pytest_asyncio.fixture
    async def reference(self) -> AsyncIterator[Backend | None]:
        reference = SqlBackend(ids=CountingIds())
        yield reference
        await reference.close()

    @pytest_asyncio.fixture
    async def seeded(self, backend: Backend, reference: Backend | None) -> Seeded:
        backend.ids = CountingIds()
        actual = await run_scenario(backend)
        if reference is not None:
            # the same ids, refusals and times on both sides
            assert await run_scenario(reference) == actual
        return reference or backend, backend, actual

    # --- templates ----------------------------------------------------------------------------
    @pytest.mark.rule("CPN-1")
    async def test_templates_match_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.coupon_queries(), reference.coupon_queries()
        for template_id in s.templates.values():
            assert await mine.template(template_id) == await theirs.template(template_id)
        for state in (None, *TemplateState):
            for paging in PAGES:
                assert await mine.templates(state, paging) == await theirs.templates(
                    state, paging
                ), (state, paging)
        with pytest.raises(TemplateNotFound):
            await mine.template(UNKNOWN)
        listed = await mine.templates(None, PageRequest(page_size=50))
        assert listed.total == len(s.templates)
        assert [t.definition.name for t in listed.items][-2:] == ["Cash 10", "Spring 87.5"]
        paused = await mine.templates(TemplateState.PAUSED, PageRequest())
        assert [t.id for t in paused.items] == [s.templates["paused"]]

    @pytest.mark.rule("CPN-1")
    @pytest.mark.rule("CPN-2")
    async def test_center_matches_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.coupon_queries(), reference.coupon_queries()
        for name, now in moments(s).items():
            for user in (None, *USERS):
                for paging in PAGES:
                    assert await mine.center(now, user, paging) == await theirs.center(
                        now, user, paging
                    ), (name, user, paging)
        # anchors: what the answers are, whatever the backend
        at_end = await mine.center(s.times["end"], U1, PageRequest())
        assert [(i.name, i.remaining, i.held_by_user, i.user_may_claim) for i in at_end.items] == [
            ("Spring 87.5", 42, 2, True),  # the soonest claim end first
            ("Later", 99, 0, True),  # then open-ended ones, newest first
            ("Cash 10", 2, 2, False),
        ]
        during = await mine.center(s.times["claims"], None, PageRequest())
        assert [i.name for i in during.items] == ["Soon 3", "Soon twin", "Spring 87.5", "Cash 10"]
        assert all(i.held_by_user is None and i.user_may_claim is None for i in during.items)

    # --- wallets (CPN-12) ---------------------------------------------------------------------
    @pytest.mark.rule("CPN-12")
    async def test_wallets_match_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.coupon_queries(), reference.coupon_queries()
        for name, now in moments(s).items():
            for user in (*USERS, UNKNOWN):
                for state in (None, *CouponState):
                    for expiring_soon in (False, True):
                        for paging in PAGES[:3]:
                            query = WalletQuery(user, state, expiring_soon, paging)
                            assert await mine.wallet(query, now) == await theirs.wallet(
                                query, now
                            ), (name, user, state, expiring_soon, paging)
                assert await mine.usable(user, now) == await theirs.usable(user, now), (name, user)
            for coupon_id in s.coupon_ids():
                for user in USERS:
                    try:
                        expected = await theirs.owned(user, coupon_id, now)
                    except CouponNotFound:
                        with pytest.raises(CouponNotFound):
                            await mine.owned(user, coupon_id, now)
                        continue
                    assert await mine.owned(user, coupon_id, now) == expected, (name, coupon_id)

    @pytest.mark.rule("CPN-12")
    async def test_expiry_is_applied_on_read(self, seeded: Seeded) -> None:
        _, backend, s = seeded
        queries = backend.coupon_queries()
        end = await queries.wallet(WalletQuery(U1), s.times["end"])
        assert dict(end.counts) == {
            "available": 1,
            "locked": 0,
            "used": 2,
            "expired": 2,  # one swept, one released after its validity ended
            "voided": 0,
        }
        later = await queries.wallet(WalletQuery(U1), T0 + 10 * DAY)  # spring's validity ended
        assert (later.counts["available"], later.counts["expired"]) == (0, 3)
        expired = await queries.wallet(WalletQuery(U1, CouponState.EXPIRED), T0 + 10 * DAY)
        assert s.coupons["spring-u1b"] in {i.coupon_id for i in expired.items}
        soon = await queries.wallet(WalletQuery(U1, expiring_soon=True), T0 + 7 * DAY + 12 * HOUR)
        assert [(i.coupon_id, i.state, i.expiring_soon) for i in soon.items] == [
            (s.coupons["spring-u1b"], CouponState.AVAILABLE, True)
        ]
        assert soon.expiring_soon == 1
        owned = await queries.owned(U1, s.coupons["spring-u1b"], T0 + 10 * DAY)
        assert (owned.state, owned.expiring_soon) == (CouponState.EXPIRED, False)
        with pytest.raises(CouponNotFound):
            await queries.owned(U2, s.coupons["spring-u1b"], s.times["end"])
        usable = await queries.usable(U2, s.times["end"])
        assert [i.coupon_id for i in usable] == [s.coupons["welcome-u2"]]

    # --- statistics and usage (CPN-9, CPN-11) -------------------------------------------------
    @pytest.mark.rule("CPN-11")
    async def test_statistics_match_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.coupon_queries(), reference.coupon_queries()
        for template_id in s.templates.values():
            assert await mine.statistics(template_id) == await theirs.statistics(template_id)
        with pytest.raises(TemplateNotFound):
            await mine.statistics(UNKNOWN)

    @pytest.mark.rule("CPN-9")
    async def test_usage_matches_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.coupon_queries(), reference.coupon_queries()
        orders_at = s.times["orders"]
        filters = [
            UsageFilter(),
            *(UsageFilter(template_id=t) for t in s.templates.values()),
            *(UsageFilter(user_id=u) for u in USERS),
            UsageFilter(order_id=O2),
            UsageFilter(coupon_id=s.coupons["cash-u2"]),
            UsageFilter(coupon_id=UNKNOWN),
            UsageFilter(action=UsageAction.USED),
            UsageFilter(action=UsageAction.RETURNED),
            UsageFilter(since=orders_at + 5 * dt.timedelta(minutes=1)),
            UsageFilter(until=orders_at + 5 * dt.timedelta(minutes=1)),
            UsageFilter(since=orders_at, until=orders_at + 10 * dt.timedelta(minutes=1)),
            UsageFilter(template_id=s.templates["spring"], action=UsageAction.USED, user_id=U1),
        ]
        for usage_filter in filters:
            for paging in PAGES:
                assert await mine.usage(usage_filter, paging) == await theirs.usage(
                    usage_filter, paging
                ), (usage_filter, paging)
        everything = await mine.usage(UsageFilter(), PageRequest())
        assert everything.total == 8
        assert [e.at for e in everything.items] == sorted(
            (e.at for e in everything.items), reverse=True
        )

    # --- code batches (CPN-4) -----------------------------------------------------------------
    @pytest.mark.rule("CPN-4")
    async def test_code_batches_match_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.coupon_queries(), reference.coupon_queries()
        for template_id in (*s.templates.values(), UNKNOWN):
            assert await mine.code_batches(template_id) == await theirs.code_batches(template_id)
        for batch_id in s.batches.values():
            assert await mine.code_batch(batch_id) == await theirs.code_batch(batch_id)
            for chunk in (1, 2, 3, 4, 10_000):
                assert await collect(mine, batch_id, chunk) == await collect(
                    theirs, batch_id, chunk
                ), (batch_id, chunk)
        with pytest.raises(CodeBatchNotFound):
            await mine.code_batch(UNKNOWN)
        with pytest.raises(CodeBatchNotFound):
            await collect(mine, UNKNOWN, 10)
        spring = await mine.code_batch(s.batches["spring"])
        assert (spring.requested, spring.generated, spring.state.value) == (4, 4, "ready")
        assert await collect(mine, s.batches["spring"], 3) == [
            ["AAAA2222BBBB", "CCCC3333DDDD", "EEEE4444FFFF"],
            ["GGGG5555HHHH"],
        ]
        assert await collect(mine, s.batches["cash"], 3) == []
