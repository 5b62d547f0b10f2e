"""``check_coupon_books`` passes a runtime the domain kept, and catches each kind of breach
planted behind the domain's back with SQL, naming the template or coupon and the numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.kit.scenes import ANN, PER_DAY, PER_USER, CouponScene, busy_template

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.coupons.tables import coupon_stats, coupon_templates, coupons
from shop_domain.coupons import CouponState
from shop_testing.harness import MemoryShop
from shop_testing.invariants.base import InvariantBroken
from shop_testing.invariants.coupons import check_coupon_books


@pytest.fixture
async def scene(shop: MemoryShop, shop_clock: FixedClock) -> CouponScene:
    return await busy_template(shop, shop_clock)


async def _write(shop: MemoryShop, statement: Any) -> None:
    """Change rows behind the domain's back."""
    async with shop.engine.begin() as connection:
        await connection.execute(statement)


async def _breaches(shop: MemoryShop) -> tuple[str, ...]:
    with pytest.raises(InvariantBroken) as broken:
        await check_coupon_books(shop)
    assert broken.value.check == "coupon books"
    return broken.value.findings


def _one(findings: tuple[str, ...], *parts: object) -> str:
    """The finding that names every one of ``parts``."""
    matching = [f for f in findings if all(str(part) in f for part in parts)]
    assert len(matching) == 1, findings
    return matching[0]


@pytest.mark.rule("CPN-11")
async def test_a_runtime_the_domain_kept_passes(shop: MemoryShop) -> None:
    await check_coupon_books(shop)  # nothing at all


@pytest.mark.rule("CPN-2")
@pytest.mark.rule("CPN-5")
@pytest.mark.rule("CPN-11")
async def test_a_busy_template_passes(shop: MemoryShop, scene: CouponScene) -> None:
    await check_coupon_books(shop)


@pytest.mark.rule("CPN-2")
async def test_an_issued_count_raised_by_one_is_caught(
    shop: MemoryShop, scene: CouponScene
) -> None:
    t = coupon_templates.c
    await _write(shop, update(coupon_templates).values(issued=t.issued + 1))
    found = await _breaches(shop)
    assert found == (f"template {scene.template_id}: issued count 6 but 5 coupon(s) exist",)


@pytest.mark.rule("CPN-2")
async def test_more_issued_than_the_total_is_caught(shop: MemoryShop, scene: CouponScene) -> None:
    await _write(shop, update(coupon_templates).values(total_quantity=4))
    found = await _breaches(shop)
    assert (
        _one(found, scene.template_id) == f"template {scene.template_id}: issued 5 of a total of 4"
    )


@pytest.mark.rule("CPN-11")
async def test_statistics_off_by_one_are_caught(shop: MemoryShop, scene: CouponScene) -> None:
    s = coupon_stats.c
    async with shop.engine.connect() as connection:
        slot = (await connection.execute(select(s.slot).limit(1))).scalar_one()
    await _write(shop, update(coupon_stats).where(s.slot == slot).values(used=s.used + 1))
    found = await _breaches(shop)
    assert found == (f"template {scene.template_id}: statistics say used=2, its coupons 1",)


@pytest.mark.rule("CPN-2")
async def test_a_coupon_past_the_per_user_limit_is_caught(
    shop: MemoryShop, scene: CouponScene
) -> None:
    """BOB's claimed coupon moved to ANN, who holds the limit already."""
    await _write(shop, update(coupons).where(coupons.c.id == scene.voided).values(user_id=ANN))
    found = await _breaches(shop)
    assert _one(found, ANN, "over the per-user limit") == (
        f"template {scene.template_id}: user {ANN} claimed 3 coupons, "
        f"over the per-user limit of {PER_USER}"
    )
    # the holder count changed with it: BOB holds nothing now
    _one(found, "distinct_users=3, its coupons 2")


@pytest.mark.rule("CPN-2")
async def test_a_claim_when_the_user_held_the_limit_is_caught(
    shop: MemoryShop, scene: CouponScene
) -> None:
    """ANN's second claim made later than a third coupon she got: she held two when she
    claimed, one of them issued (which counts in her holdings)."""
    _, second = scene.anns_claims
    await _write(shop, update(coupons).where(coupons.c.id == scene.expired).values(user_id=ANN))
    async with shop.engine.connect() as connection:
        at = (
            await connection.execute(select(coupons.c.acquired_at).where(coupons.c.id == second))
        ).scalar_one()
    later = update(coupons).where(coupons.c.id == second)
    await _write(shop, later.values(acquired_at=at + dt.timedelta(days=1)))
    found = await _breaches(shop)
    assert _one(found, second, "held") == (
        f"template {scene.template_id}: coupon {second} was claimed by user {ANN} who held 2 "
        f"already (per-user limit {PER_USER})"
    )


@pytest.mark.rule("CPN-2")
async def test_claims_past_the_daily_limit_are_caught(shop: MemoryShop, scene: CouponScene) -> None:
    first, second = scene.anns_claims
    async with shop.engine.connect() as connection:
        first_date = (
            await connection.execute(select(coupons.c.acquired_on).where(coupons.c.id == first))
        ).scalar_one()
    await _write(shop, update(coupons).where(coupons.c.id == second).values(acquired_on=first_date))
    found = await _breaches(shop)
    assert _one(found, ANN, "daily limit of") == (
        f"template {scene.template_id}: user {ANN} claimed 2 coupons on {first_date}, "
        f"over the daily limit of {PER_DAY}"
    )


@pytest.mark.rule("CPN-5")
async def test_a_used_coupon_without_an_order_is_caught(
    shop: MemoryShop, scene: CouponScene
) -> None:
    await _write(
        shop,
        update(coupons).where(coupons.c.id == scene.available).values(state=CouponState.USED),
    )
    found = await _breaches(shop)
    where = f"coupon {scene.available} (template {scene.template_id})"
    for missing in ("order_id", "locked_at", "used_at", "discount", "order_amount"):
        assert f"{where} is used but has no {missing}" in found
    _one(found, "statistics say used=1, its coupons 2")
    _one(found, "statistics say available=1, its coupons 0")


@pytest.mark.rule("CPN-5")
async def test_a_locked_coupon_that_lost_its_order_is_caught(
    shop: MemoryShop, scene: CouponScene
) -> None:
    await _write(shop, update(coupons).where(coupons.c.id == scene.locked).values(order_id=None))
    found = await _breaches(shop)
    assert found == (
        f"coupon {scene.locked} (template {scene.template_id}) is locked but has no order_id",
    )


@pytest.mark.rule("CPN-12")
async def test_a_coupon_expired_inside_its_validity_is_caught(
    shop: MemoryShop, scene: CouponScene
) -> None:
    c = coupons.c
    closed = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    await _write(shop, update(coupons).where(c.id == scene.expired).values(closed_at=closed))
    found = await _breaches(shop)
    assert _one(found, scene.expired).startswith(
        f"coupon {scene.expired} (template {scene.template_id}) expired at {closed}, "
        "before its validity ended at"
    )


@pytest.mark.rule("CPN-10")
async def test_a_coupon_returnable_against_its_templates_policy_is_caught(
    shop: MemoryShop, scene: CouponScene
) -> None:
    await _write(shop, update(coupons).where(coupons.c.id == scene.used).values(returnable=False))
    found = await _breaches(shop)
    assert found == (
        f"coupon {scene.used} (template {scene.template_id}) says returnable=False, "
        "its template's policy True",
    )


async def test_every_breach_is_listed_not_only_the_first(
    shop: MemoryShop, scene: CouponScene
) -> None:
    await _write(shop, update(coupons).where(coupons.c.id == scene.locked).values(order_id=None))
    await _write(shop, update(coupons).where(coupons.c.id == scene.voided).values(note=" "))
    t = coupon_templates.c
    await _write(shop, update(coupon_templates).values(issued=t.issued - 1))
    found = await _breaches(shop)
    assert len(found) == 3, found
    _one(found, scene.locked, "no order_id")
    _one(found, scene.voided, "without a reason")
    _one(found, "issued count 4 but 5")
