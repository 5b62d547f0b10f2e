"""Contract of the coupons' one-time codes in bulk (CPN-4) and of their ledger (CPN-9, CPN-11):
statistics and the usage log agree with the coupons after a run of the real handlers."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from shop_app.coupons.queries import UsageAction, UsageFilter
from shop_app.shared.paging import PageRequest
from shop_domain.coupons import (
    Coupon,
    CouponState,
    CouponTemplate,
    Via,
)
from shop_domain.coupons.batches import BatchState, CodeBatch
from shop_domain.coupons.errors import CodeBatchNotFound
from shop_testing.contracts.backend import T0, Backend
from shop_testing.contracts.coupon_scenario import run_scenario
from shop_testing.contracts.coupon_support import (
    HOUR,
    U1,
    U2,
    UNKNOWN,
    acquire,
    cny,
    new_template,
    store_template,
)


class CouponCodeStoreContract:
    """The code store and the unique codes it writes. Subclasses provide ``backend``."""

    pytestmark = [pytest.mark.asyncio]

    # --- one-time codes (CPN-4) ---------------------------------------------------------------
    async def _batch(self, backend: Backend, requested: int) -> tuple[CouponTemplate, CodeBatch]:
        template = new_template(backend)
        batch = CodeBatch.reserve(
            id=backend.ids.new_id(),
            template_id=template.id,
            requested=requested,
            created_by="ops",
            now=T0,
        )
        async with backend.uow() as uow:
            uow.coupon_templates.add(template)
            uow.code_batches.add(batch)
            await uow.commit()
        return template, batch

    @pytest.mark.rule("CPN-4")
    async def test_code_store_skips_taken_codes_and_fills_the_batch(self, backend: Backend) -> None:
        template, batch = await self._batch(backend, 5)
        store = backend.code_store()
        later = T0 + HOUR
        assert await store.insert_chunk(batch.id, template.id, ["AAAA", "BBBB", "AAAA"], T0) == 2
        async with backend.uow() as uow:
            loaded = await uow.code_batches.get(batch.id)
            assert (loaded.generated, loaded.state, loaded.version) == (2, BatchState.GENERATING, 2)
        # BBBB is taken; never past the requested count: 3 more fit, in the order given
        codes = ["BBBB", "CCCC", "DDDD", "EEEE", "FFFF", "GGGG"]
        assert await store.insert_chunk(batch.id, template.id, codes, later) == 3
        async with backend.uow() as uow:
            loaded = await uow.code_batches.get(batch.id)
            assert (loaded.generated, loaded.state, loaded.completed_at, loaded.version) == (
                5,
                BatchState.READY,
                later,
                3,
            )
        assert await store.insert_chunk(batch.id, template.id, ["HHHH"], later) == 0
        # a code taken by another batch of another template is skipped too
        other_template, other = await self._batch(backend, 3)
        inserted = await store.insert_chunk(other.id, other_template.id, ["CCCC", "ZZZZ"], T0)
        assert inserted == 1
        with pytest.raises(CodeBatchNotFound):
            await store.insert_chunk(UNKNOWN, template.id, ["YYYY"], T0)
        chunks = [c async for c in backend.coupon_queries().batch_codes(batch.id, chunk=2)]
        assert chunks == [["AAAA", "BBBB"], ["CCCC", "DDDD"], ["EEEE"]]

    @pytest.mark.rule("CPN-4")
    async def test_unique_code_find_for_update_and_save(self, backend: Backend) -> None:
        template, batch = await self._batch(backend, 2)
        await backend.code_store().insert_chunk(batch.id, template.id, ["CODE1234", "CODE5678"], T0)
        coupon_id = backend.ids.new_id()
        async with backend.uow() as uow:
            code = await uow.unique_codes.find_for_update("CODE1234")
            assert code is not None
            assert (code.template_id, code.batch_id, code.redeemed_by) == (
                template.id,
                batch.id,
                None,
            )
            assert await uow.unique_codes.find_for_update("NOPE0000") is None
            code.redeem(U1, coupon_id, T0 + HOUR)
            uow.unique_codes.save(code)
            await uow.commit()
        async with backend.uow() as uow:
            code = await uow.unique_codes.find_for_update("CODE1234")
            assert code is not None
            assert (code.redeemed_by, code.coupon_id, code.redeemed_at) == (
                U1,
                coupon_id,
                T0 + HOUR,
            )
            untouched = await uow.unique_codes.find_for_update("CODE5678")
            assert untouched is not None
            assert untouched.redeemed_by is None
        async with backend.uow() as uow:  # not committed: not saved
            code = await uow.unique_codes.find_for_update("CODE5678")
            assert code is not None
            code.redeem(U2, coupon_id, T0)
            uow.unique_codes.save(code)
        async with backend.uow() as uow:
            code = await uow.unique_codes.find_for_update("CODE5678")
            assert code is not None
            assert code.redeemed_by is None


class CouponLedgerContract:
    """The ledger (statistics, usage log) against the coupons. Subclasses provide
    ``backend``."""

    pytestmark = [pytest.mark.asyncio]

    # --- the ledger (CPN-9, CPN-11) -----------------------------------------------------------
    @pytest.mark.rule("CPN-9")
    @pytest.mark.rule("CPN-11")
    @pytest.mark.rule("CPN-12")
    async def test_ledger_after_a_bus_sequence(self, backend: Backend) -> None:
        scenario = await run_scenario(backend)
        queries = backend.coupon_queries()
        by_template: dict[uuid.UUID, list[Coupon]] = {}
        async with backend.uow() as uow:
            for coupon_id in scenario.coupon_ids():
                coupon = await uow.coupons.get(coupon_id)
                by_template.setdefault(coupon.template_id, []).append(coupon)
        for name, template_id in scenario.templates.items():
            coupons = by_template.get(template_id, [])
            stats = await queries.statistics(template_id)
            states = Counter(c.state for c in coupons)
            used = [c for c in coupons if c.state is CouponState.USED]
            assert (stats.available, stats.locked, stats.used, stats.expired, stats.voided) == (
                states[CouponState.AVAILABLE],
                states[CouponState.LOCKED],
                states[CouponState.USED],
                states[CouponState.EXPIRED],
                states[CouponState.VOIDED],
            ), name
            assert stats.issued == len(coupons), name
            assert stats.claimed == sum(c.via is not Via.ISSUE for c in coupons), name
            assert stats.distinct_users == len({c.user_id for c in coupons}), name
            assert stats.orders == len(used), name
            assert stats.discount.minor == sum(c.discount.minor for c in used if c.discount), name
            assert stats.gmv.minor == sum(c.order_amount.minor for c in used if c.order_amount), (
                name
            )
        cash = await queries.statistics(scenario.templates["cash"])
        assert (cash.issued, cash.expired, cash.used, cash.orders) == (3, 3, 0, 0)
        spring = await queries.statistics(scenario.templates["spring"])
        assert (spring.used, spring.locked, spring.voided, spring.discount, spring.gmv) == (
            3,
            1,
            1,
            cny("60.75"),
            cny("630.00"),
        )
        assert spring.average_order_value == cny("210.00")
        # every use and every return, and nothing else, is in the log
        log = await queries.usage(UsageFilter(), PageRequest(page_size=200))
        entries = sorted(
            (e.order_id.int & 0xFF, e.action.value, e.discount.minor) for e in log.items
        )
        assert entries == [
            (0xD1, "used", 1500),
            (0xD2, "returned", 1000),
            (0xD2, "used", 1000),
            (0xD3, "used", 2000),
            (0xD7, "used", 3000),
            (0xD8, "used", 2000),
            (0xD9, "used", 800),
            (0xD9, "used", 1575),
        ]
        assert log.total == len(entries)
        returned = await queries.usage(UsageFilter(action=UsageAction.RETURNED), PageRequest())
        assert [e.coupon_id for e in returned.items] == [scenario.coupons["cash-u2"]]

    async def test_leaving_without_commit_writes_nothing(self, backend: Backend) -> None:
        template = new_template(backend)
        await store_template(backend, template)
        async with backend.uow() as uow:
            loaded = await uow.coupon_templates.get_for_update(template.id)
            coupon = acquire(backend, loaded, U1)
            uow.coupons.add_many([coupon])
        async with backend.uow() as uow:
            assert await uow.coupons.find(coupon.id) is None
            assert (await uow.coupon_templates.get(template.id)).issued == 0
        stats = await backend.coupon_queries().statistics(template.id)
        assert (stats.issued, stats.available) == (0, 0)
