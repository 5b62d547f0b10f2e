"""The kit's pricing checks. PRO-3: promotions that keep to the rule pass; two that hold one SKU
at one level in overlapping windows — scheduled past the index, as a bug would — are named, given
or stored in a runtime. PRO-7: a runtime the bus kept passes the participation books; counters
that drift from the log, a counter kept without a limit, and entries past a limit are named. The
outbox: a promotion's change without its event is named."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import attrs
import pytest
from sqlalchemy import delete, insert, update
from tests.unit.pricing.promotion_app_support import SHOP, Goods, build_goods, on, threshold
from tests.unit.pricing.promotion_builders import DAY_BEFORE, PHONES, OneOff, item, promotion

from shop_adapters.sql.messaging_tables import outbox
from shop_adapters.sql.pricing.participation import promotion_participation_totals as totals
from shop_adapters.sql.pricing.participation import (
    promotion_participation_user_counts as user_counts,
)
from shop_adapters.sql.pricing.participation import promotion_participations as log
from shop_adapters.sql.pricing.tables import promotions
from shop_app.pricing.commands import (
    CreatePromotion,
    EndPromotion,
    PausePromotion,
    SchedulePromotion,
)
from shop_app.pricing.integration import (
    PromotionEndedV1,
    PromotionPausedV1,
    PromotionScheduledV1,
)
from shop_app.pricing.participation import RecordParticipation, ReleaseParticipation
from shop_domain.pricing.terms import PromotionLimits, TargetKind, Targets, Window
from shop_testing.harness import MemoryShop
from shop_testing.invariants.base import InvariantBroken
from shop_testing.invariants.outbox import check_outbox
from shop_testing.invariants.pricing import (
    check_participation_books,
    check_promotion_conflicts,
    check_stored_promotion_conflicts,
    pricing_changes,
)

GOODS = [item(1), item(2)]
ON_PHONES = Targets(TargetKind.CATEGORY, frozenset({PHONES}))


def test_promotions_that_keep_to_pro_3_pass() -> None:
    shop_level = promotion(1, targets=ON_PHONES)
    item_level = promotion(2, targets=ON_PHONES, kind=OneOff())
    draft = promotion(3, targets=ON_PHONES)
    for scheduled in (shop_level, item_level):
        scheduled.schedule(DAY_BEFORE, clashes=[])
    check_promotion_conflicts([shop_level, item_level, draft], GOODS)


@pytest.mark.rule("PRO-3")
def test_two_promotions_holding_one_sku_at_one_level_are_named() -> None:
    first = promotion(1, name="满400减20", targets=ON_PHONES)
    second = promotion(
        2, name="满400减50", targets=Targets(TargetKind.SKU, frozenset({item(2).sku_id}))
    )
    for planted in (first, second):
        planted.schedule(DAY_BEFORE, clashes=[])  # past the index: what the check must catch
    with pytest.raises(InvariantBroken) as broken:
        check_promotion_conflicts([first, second], GOODS)
    [finding] = broken.value.findings
    assert "'满400减20'" in finding
    assert "'满400减50'" in finding
    assert str(item(2).sku_id) in finding
    assert str(item(1).sku_id) not in finding


# --- over a runtime: the participation books (PRO-7), PRO-3 and the outbox --------------------

HOUR = dt.timedelta(hours=1)
ALICE, BOB = uuid.UUID(int=0xA1), uuid.UUID(int=0xB0B)


@attrs.frozen
class Scene:
    goods: Goods
    limited: uuid.UUID
    """Active; at most 1 per user and 3 in all; ALICE's order 1 and BOB's order 2 took it, then
    order 1 was cancelled; paused."""
    per_user: uuid.UUID
    """Active, at most 2 per user; ALICE's order 1 took it (released with it) and order 3."""
    unlimited: uuid.UUID
    """Active, no limit; BOB's order 2; ended early."""


async def _send(shop: MemoryShop, command: Any) -> Any:
    return await shop.runtime.bus.handle(command)


async def _active(shop: MemoryShop, targets: Targets, limits: PromotionLimits, now: Any) -> Any:
    definition = attrs.evolve(
        threshold(targets, window=Window(now - HOUR, now + 24 * HOUR)), limits=limits
    )
    promotion_id = await _send(shop, CreatePromotion(definition=definition, created_by="ops"))
    await _send(shop, SchedulePromotion(promotion_id=promotion_id))
    return promotion_id


@pytest.fixture
async def scene(shop: MemoryShop) -> Scene:
    goods = await build_goods(shop.runtime.bus, shop)
    now = shop.clock.now()
    limited = await _active(
        shop, on(TargetKind.SKU, goods.phone_sku), PromotionLimits(per_user=1, total=3), now
    )
    per_user = await _active(
        shop, on(TargetKind.SKU, goods.laptop_sku), PromotionLimits(per_user=2), now
    )
    unlimited = await _active(
        shop, on(TargetKind.SKU, goods.other_phone_sku), PromotionLimits(), now
    )
    orders = [uuid.UUID(int=0xD000 + n) for n in range(4)]
    for order, user, taken in (
        (orders[1], ALICE, (limited, per_user)),
        (orders[2], BOB, (limited, unlimited)),
        (orders[3], ALICE, (per_user,)),
    ):
        await _send(shop, RecordParticipation(order_id=order, user_id=user, promotion_ids=taken))
    await _send(shop, ReleaseParticipation(order_id=orders[1]))
    await _send(shop, PausePromotion(promotion_id=limited))
    await _send(shop, EndPromotion(promotion_id=unlimited, ended_by="ops"))
    return Scene(goods, limited, per_user, unlimited)


async def _write(shop: MemoryShop, statement: Any) -> None:
    """Change rows behind the unit of work's back."""
    async with shop.engine.begin() as connection:
        await connection.execute(statement)


async def _findings(check: Any, shop: MemoryShop, name: str) -> tuple[str, ...]:
    with pytest.raises(InvariantBroken) as broken:
        await check(shop)
    assert broken.value.check == name
    return broken.value.findings


async def test_a_runtime_the_bus_kept_passes_every_pricing_check(
    shop: MemoryShop, scene: Scene
) -> None:
    await check_participation_books(shop)
    await check_stored_promotion_conflicts(shop)
    await check_outbox(shop)
    changes = {(r.aggregate_id, r.event_type) for r in await pricing_changes(shop)}
    assert (str(scene.limited), PromotionPausedV1.type) in changes
    assert (str(scene.unlimited), PromotionEndedV1.type) in changes
    assert (str(scene.unlimited), PromotionScheduledV1.type) not in changes  # cannot be told


@pytest.mark.rule("PRO-7")
async def test_a_total_counter_that_drifts_from_the_log_is_named(
    shop: MemoryShop, scene: Scene
) -> None:
    await _write(
        shop,
        update(totals)
        .where(totals.c.promotion_id == scene.limited)
        .values(taken=totals.c.taken + 1),
    )
    [finding] = await _findings(check_participation_books, shop, "participation books")
    assert str(scene.limited) in finding
    assert "the total counter says 2 taken, the log counts 1" in finding


@pytest.mark.rule("PRO-7")
async def test_a_user_counter_that_drifts_and_a_counter_without_a_limit_are_named(
    shop: MemoryShop, scene: Scene
) -> None:
    await _write(shop, delete(user_counts).where(user_counts.c.promotion_id == scene.per_user))
    await _write(shop, insert(totals).values(promotion_id=scene.unlimited, taken=1))
    findings = await _findings(check_participation_books, shop, "participation books")
    assert any(
        f"user {ALICE}'s counter says 0 taken, the log counts 1" in f and str(scene.per_user) in f
        for f in findings
    ), findings
    assert any("has no total limit, yet a total counter" in f for f in findings), findings


@pytest.mark.rule("PRO-7")
async def test_participations_past_a_limit_are_named(shop: MemoryShop, scene: Scene) -> None:
    """Entries written past the store — and its counters with them, so only the limits can
    tell — over the per-user limit of 1 and, with three more users, over the total of 3."""
    now = shop.clock.now()
    extra = [
        (uuid.UUID(int=0xE000 + n), BOB if n == 0 else uuid.UUID(int=0xC000 + n)) for n in range(3)
    ]
    for order, user in extra:
        await _write(
            shop,
            insert(log).values(
                order_id=order, promotion_id=scene.limited, user_id=user, recorded_at=now
            ),
        )
    await _write(shop, update(totals).where(totals.c.promotion_id == scene.limited).values(taken=4))
    await _write(
        shop,
        update(user_counts)
        .where(user_counts.c.promotion_id == scene.limited, user_counts.c.user_id == BOB)
        .values(taken=2),
    )
    for n in (1, 2):
        await _write(
            shop,
            insert(user_counts).values(
                promotion_id=scene.limited, user_id=uuid.UUID(int=0xC000 + n), taken=1
            ),
        )
    findings = await _findings(check_participation_books, shop, "participation books")
    assert len(findings) == 2, findings
    assert "4 participations count, over its total of 3" in findings[0]
    assert (
        f"user {BOB} has 2 participations that count, over the per-user limit of 1" in findings[1]
    )


@pytest.mark.rule("PRO-3")
async def test_two_stored_promotions_that_clash_are_named(shop: MemoryShop, scene: Scene) -> None:
    now = shop.clock.now()
    definition = threshold(
        on(TargetKind.SHOP, SHOP), name="满300减60", window=Window(now, now + 2 * HOUR)
    )
    draft = await _send(shop, CreatePromotion(definition=definition, created_by="ops"))
    await check_stored_promotion_conflicts(shop)  # a draft holds no goods
    await _write(
        shop, update(promotions).where(promotions.c.id == draft).values(status="scheduled")
    )
    findings = await _findings(check_stored_promotion_conflicts, shop, "promotion conflicts")
    named = {scene.limited: scene.goods.phone_sku, scene.per_user: scene.goods.laptop_sku}
    assert len(findings) == len(named), findings
    for promotion_id, sku in named.items():
        assert any(str(promotion_id) in f and str(draft) in f and str(sku) in f for f in findings)


async def test_a_promotion_change_without_its_event_is_named(
    shop: MemoryShop, scene: Scene
) -> None:
    await _write(
        shop,
        delete(outbox).where(
            outbox.c.aggregate_id == str(scene.limited), outbox.c.type == PromotionPausedV1.type
        ),
    )
    with pytest.raises(InvariantBroken) as broken:
        await check_outbox(shop)
    [finding] = broken.value.findings
    assert f"no {PromotionPausedV1.type} event in the outbox" in finding
    assert str(scene.limited) in finding
