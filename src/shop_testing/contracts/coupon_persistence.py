"""Contract of the coupons' repositories, ledger and code store: templates and coupons round
trip and lock, one-time codes are stored in bulk (``coupon_ledger``), and the ledger agrees with
the coupons after a run of the real handlers."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal

import attrs
import pytest

from shop_domain.coupons import (
    Channel,
    CouponState,
    Distribution,
    Holdings,
    Issuer,
    IssuerKind,
    TemplateState,
    Validity,
    Via,
)
from shop_domain.coupons.errors import CodeBatchNotFound, CouponNotFound, TemplateNotFound
from shop_domain.shared import ConcurrencyConflict, Money
from shop_testing.contracts.backend import T0, Backend
from shop_testing.contracts.coupon_ledger import CouponCodeStoreContract, CouponLedgerContract
from shop_testing.contracts.coupon_support import (
    BRAND_X,
    DAY,
    HOUR,
    O1,
    O2,
    SHOP,
    SKU_X,
    U1,
    U2,
    U3,
    U4,
    UNKNOWN,
    acquire,
    cny,
    every_term_definition,
    new_template,
    simple_definition,
    state,
    store_coupons,
    store_template,
)


class CouponTemplatePersistenceContract:
    """Templates round trip, count versions and refuse stale writes. Subclasses provide
    ``backend``.

    ``test_stale_write_raises_concurrency_conflict`` needs two units of work to read the same
    version before either commits: a backend that serialises writers from their first
    statement (SQLite) cannot, and skips it in its subclass."""

    pytestmark = [pytest.mark.asyncio]

    # --- templates ----------------------------------------------------------------------------
    @pytest.mark.rule("CPN-1")
    async def test_template_round_trip_with_every_term(self, backend: Backend) -> None:
        full = new_template(backend, every_term_definition(), active=False)
        relative = new_template(backend, simple_definition("Relative", days=7, per_day=1))
        async with backend.uow() as uow:
            uow.coupon_templates.add(full)
            uow.coupon_templates.add(relative)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.coupon_templates.get(full.id)
            assert state(loaded) == state(full)
            assert loaded.definition == every_term_definition()
            benefit = loaded.terms.benefit
            assert isinstance(benefit.rate, decimal.Decimal)
            assert str(benefit.rate) == "0.8750"
            assert benefit.max_discount == Money(3000, "CNY")
            assert loaded.terms.scope.excluded_brand_ids == frozenset({BRAND_X})
            assert loaded.terms.scope.excluded_sku_ids == frozenset({SKU_X})
            assert loaded.terms.channels == frozenset({Channel.APP, Channel.MINI_PROGRAM})
            assert loaded.issuer == Issuer(IssuerKind.SHOP, SHOP)
            assert loaded.validity == Validity.absolute(T0, T0 + 10 * DAY)
            assert loaded.public_code == "SPRING2026"
            assert (loaded.state, loaded.version) == (TemplateState.DRAFT, 1)
            other = await uow.coupon_templates.get(relative.id)
            assert state(other) == state(relative)
            assert other.validity == Validity.relative(7)
            assert other.claim_window.starts_at is None

    async def test_template_lookups(self, backend: Backend) -> None:
        full = new_template(backend, every_term_definition())
        await store_template(backend, full)
        async with backend.uow() as uow:
            found = await uow.coupon_templates.find_by_public_code("SPRING2026")
            assert found is not None
            assert found.id == full.id
            assert await uow.coupon_templates.find_by_public_code("SPRING2027") is None
            locked = await uow.coupon_templates.get_for_update(full.id)
            assert locked is found
            with pytest.raises(TemplateNotFound):
                await uow.coupon_templates.get(UNKNOWN)
            with pytest.raises(TemplateNotFound):
                await uow.coupon_templates.get_for_update(UNKNOWN)
            assert await uow.coupon_templates.find(UNKNOWN) is None
            with pytest.raises(CouponNotFound):
                await uow.coupons.get(UNKNOWN)
            with pytest.raises(CodeBatchNotFound):
                await uow.code_batches.get(UNKNOWN)

    async def test_template_versions_count_changing_commits(self, backend: Backend) -> None:
        template = new_template(backend, active=False)
        await store_template(backend, template)
        async with backend.uow() as uow:  # no change: no new version
            await uow.coupon_templates.get(template.id)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.coupon_templates.get(template.id)
            loaded.edit(attrs.evolve(loaded.definition, name="Renamed"), T0 + HOUR)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.coupon_templates.get_for_update(template.id)
            loaded.activate(T0 + HOUR)
            await uow.commit()
        async with backend.uow() as uow:
            loaded = await uow.coupon_templates.get(template.id)
            assert (loaded.name, loaded.state, loaded.version) == (
                "Renamed",
                TemplateState.ACTIVE,
                3,
            )
            assert loaded.updated_at == T0 + HOUR

    async def test_stale_write_raises_concurrency_conflict(self, backend: Backend) -> None:
        template = new_template(backend)
        await store_template(backend, template)
        first, second = backend.uow(), backend.uow()
        async with first:
            mine = await first.coupon_templates.get(template.id)
            async with second:
                theirs = await second.coupon_templates.get(template.id)
                mine.pause(T0)
                theirs.end(T0)
                await first.commit()
                with pytest.raises(ConcurrencyConflict):
                    await second.commit()
        async with backend.uow() as uow:
            assert (await uow.coupon_templates.get(template.id)).state is TemplateState.PAUSED


class CouponRepositoryContract:
    """Coupons round trip, and the coupon repository's lookups and locks. Subclasses provide
    ``backend``."""

    pytestmark = [pytest.mark.asyncio]

    # --- coupons ------------------------------------------------------------------------------
    @pytest.mark.rule("CPN-2")
    async def test_add_many_round_trip_and_outbox(self, backend: Backend) -> None:
        template = new_template(backend)
        await store_template(backend, template)
        coupons = [
            acquire(backend, template, user, key=f"k{n}") for n, user in enumerate((U1, U2, U3, U4))
        ]
        coupons.append(acquire(backend, template, U1, via=Via.ISSUE, campaign_key="c1"))
        before = len(await backend.outbox())
        await store_coupons(backend, template.id, coupons)
        async with backend.uow() as uow:
            for coupon in coupons:
                loaded = await uow.coupons.get(coupon.id)
                assert state(loaded) == state(coupon)
                assert loaded.version == 1
            assert (await uow.coupon_templates.get(template.id)).issued == 5
        rows = (await backend.outbox())[before:]
        assert sorted(r.type for r in rows) == ["coupons.coupon_claimed"] * 4 + [
            "coupons.coupon_issued"
        ]
        assert {r.aggregate_id for r in rows} == {str(c.id) for c in coupons}

    @pytest.mark.rule("CPN-5")
    async def test_optional_money_and_order_fields_round_trip(self, backend: Backend) -> None:
        template = new_template(backend)
        await store_template(backend, template)
        coupon = acquire(backend, template, U1)
        await store_coupons(backend, template.id, [coupon])
        async with backend.uow() as uow:
            loaded = await uow.coupons.get(coupon.id)
            assert (loaded.discount, loaded.order_amount, loaded.order_id) == (None, None, None)
            loaded.lock(O1, U1, T0)
            loaded.use(O1, cny("12.34"), cny("99.99"), T0 + HOUR)
            await uow.commit()
        async with backend.uow() as uow:
            used = await uow.coupons.get(coupon.id)
            assert (used.state, used.version, used.order_id) == (CouponState.USED, 2, O1)
            assert (used.discount, used.order_amount) == (Money(1234, "CNY"), Money(9999, "CNY"))
            assert used.used_at == T0 + HOUR
            used.give_back(O1, whole_order=True, now=T0 + 2 * HOUR)
            await uow.commit()
        async with backend.uow() as uow:
            back = await uow.coupons.get(coupon.id)
            assert (back.state, back.discount, back.order_amount, back.order_id) == (
                CouponState.AVAILABLE,
                None,
                None,
                None,
            )
            assert back.version == 3

    @pytest.mark.rule("CPN-2")
    async def test_holdings_total_and_today(self, backend: Backend) -> None:
        template, other = new_template(backend), new_template(backend)
        for t in (template, other):
            await store_template(backend, t)
        day2 = T0 + DAY
        await store_coupons(
            backend,
            template.id,
            [
                acquire(backend, template, U1),
                acquire(backend, template, U1),
                acquire(backend, template, U1, now=day2),
                acquire(backend, template, U2, now=day2),
            ],
        )
        await store_coupons(backend, other.id, [acquire(backend, other, U3, now=day2)])
        async with backend.uow() as uow:
            held = await uow.coupons.holdings(template.id, {U1, U2, U3}, day2.date())
            assert held == {U1: Holdings(3, 1), U2: Holdings(1, 1)}
            assert await uow.coupons.holdings(template.id, {U1}, T0.date()) == {U1: Holdings(3, 2)}
            assert await uow.coupons.holdings(template.id, set(), T0.date()) == {}
            # the unit of work sees the coupons it added before committing them
            uow.coupons.add_many([acquire(backend, template, U3, now=day2)])
            assert await uow.coupons.holdings(template.id, {U3}, day2.date()) == {
                U3: Holdings(1, 1)
            }

    @pytest.mark.rule("CPN-3")
    async def test_lookups_by_acquisition_key_and_campaign(self, backend: Backend) -> None:
        template, other = new_template(backend), new_template(backend)
        for t in (template, other):
            await store_template(backend, t)
        keyed = acquire(backend, template, U1, key="k1")
        keyed_u2 = acquire(backend, template, U2, key="k1")
        issued = acquire(backend, template, U1, via=Via.ISSUE, campaign_key="welcome")
        elsewhere = acquire(backend, other, U1, key="k1")
        await store_coupons(backend, template.id, [keyed, keyed_u2, issued])
        await store_coupons(backend, other.id, [elsewhere])
        async with backend.uow() as uow:
            found = await uow.coupons.by_acquisition_keys(
                template.id, {(U1, "k1"), (U2, "k2"), (U3, "k1")}
            )
            assert {key: c.id for key, c in found.items()} == {(U1, "k1"): keyed.id}
            assert await uow.coupons.by_acquisition_keys(template.id, set()) == {}
            campaign = await uow.coupons.issued_for_campaign(template.id, "welcome", [U1, U2])
            assert {user: c.id for user, c in campaign.items()} == {U1: issued.id}
            assert await uow.coupons.issued_for_campaign(other.id, "welcome", [U1]) == {}

    @pytest.mark.rule("CPN-5")
    async def test_for_order_and_lock_many_in_id_order(self, backend: Backend) -> None:
        template = new_template(backend)
        await store_template(backend, template)
        coupons = [acquire(backend, template, U1) for _ in range(4)]
        await store_coupons(backend, template.id, coupons)
        ids = [c.id for c in coupons]
        async with backend.uow() as uow:
            locked = await uow.coupons.lock_many([ids[2], UNKNOWN, ids[0], ids[3], ids[0]])
            assert [c.id for c in locked] == sorted([ids[0], ids[2], ids[3]])
            assert await uow.coupons.lock_many([]) == []
            for coupon in locked:
                coupon.lock(O1, U1, T0)
            locked[-1].use(O1, cny("1.00"), cny("10.00"), T0)
            # the unit of work sees its own changes before committing them
            on_order = await uow.coupons.for_order(O1)
            assert [c.id for c in on_order] == sorted([ids[0], ids[2], ids[3]])
            await uow.commit()
        async with backend.uow() as uow:
            on_order = await uow.coupons.for_order(O1)
            assert [c.id for c in on_order] == sorted([ids[0], ids[2], ids[3]])
            assert sorted(c.state for c in on_order) == [
                CouponState.LOCKED,
                CouponState.LOCKED,
                CouponState.USED,
            ]
            released = on_order[0]
            released.release(O1, T0)  # released: no longer the order's
            await uow.commit()
        async with backend.uow() as uow:
            assert [c.id for c in await uow.coupons.for_order(O1)] == [c.id for c in on_order[1:]]
            assert await uow.coupons.for_order(O2) == []

    @pytest.mark.rule("CPN-12")
    async def test_due_to_expire_oldest_end_first(self, backend: Backend) -> None:
        template = new_template(
            backend,
            simple_definition("Short", days=1, per_user=None, distribution=Distribution.BOTH),
        )
        await store_template(backend, template)
        first = acquire(backend, template, U1, now=T0)
        second = acquire(backend, template, U2, now=T0 + HOUR)
        tie = acquire(backend, template, U3, now=T0 + HOUR)
        late = acquire(backend, template, U4, now=T0 + 3 * DAY)
        voided = acquire(backend, template, U1, now=T0)
        voided.void("test", "ops", T0)
        await store_coupons(backend, template.id, [late, tie, second, first, voided])
        async with backend.uow() as uow:
            due = await uow.coupons.due_to_expire(T0 + 2 * DAY, 10)
            assert [c.id for c in due] == [first.id, *sorted([second.id, tie.id])]
            assert [c.id for c in await uow.coupons.due_to_expire(T0 + 2 * DAY, 1)] == [first.id]
            assert await uow.coupons.due_to_expire(T0 + DAY - dt.timedelta(microseconds=1), 5) == []
            assert [c.id for c in await uow.coupons.due_to_expire(T0 + DAY, 5)] == [first.id]
            for coupon in due:
                assert coupon.expire(T0 + 2 * DAY)
            await uow.commit()
        async with backend.uow() as uow:
            assert await uow.coupons.due_to_expire(T0 + 2 * DAY, 10) == []
            assert (await uow.coupons.get(first.id)).state is CouponState.EXPIRED


class CouponPersistenceContract(
    CouponTemplatePersistenceContract,
    CouponRepositoryContract,
    CouponCodeStoreContract,
    CouponLedgerContract,
):
    """The coupons' unit of work, code store and ledger, whole. Subclasses provide the
    ``backend`` fixture."""


class CouponConcurrencyContract:
    """For a backend whose transactions run side by side (PostgreSQL, not SQLite, which
    serialises writers). Subclasses provide the ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    @pytest.mark.rule("CPN-2")
    async def test_template_lock_serialises_writers(self, backend: Backend) -> None:
        """``get_for_update`` holds the row: a second writer waits for the first to commit and
        then sees its change (no conflict, no lost update)."""
        template = new_template(backend)
        await store_template(backend, template)
        first_has_it = asyncio.Event()

        async def take(n: int, wait: bool) -> None:
            async with backend.uow() as uow:
                if wait:
                    await first_has_it.wait()
                loaded = await uow.coupon_templates.get_for_update(template.id)
                if not wait:
                    first_has_it.set()
                    await asyncio.sleep(0.1)
                loaded.issued += n
                await uow.commit()

        await asyncio.gather(take(1, False), take(10, True))
        async with backend.uow() as uow:
            assert (await uow.coupon_templates.get(template.id)).issued == 11
