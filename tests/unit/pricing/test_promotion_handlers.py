"""The promotions' commands through the runtime's bus on ``memory://`` (PRO-2, PRO-3): the
lifecycle, scheduling against clashes found in the catalog's goods, the dry run, audit (SEC-2)
and retries (SEC-5)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from tests.unit.pricing.promotion_app_support import (
    APRIL,
    JUNE,
    MAY,
    NOW,
    OPERATOR,
    SHOP,
    Goods,
    build_goods,
    item_price,
    on,
    threshold,
)

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.kernel_tables import audit_log
from shop_adapters.sql.pricing.tables import promotions
from shop_app.pricing import commands as c
from shop_app.pricing.services import PricingServices
from shop_app.shared.audit import DONE, ERROR_KEY, REFUSED
from shop_app.shared.messagebus import MessageBus
from shop_domain.pricing.promotion import Level, PromotionDefinition, PromotionStatus
from shop_domain.pricing.terms import TargetKind, Window
from shop_domain.shared.errors import DomainError
from shop_testing.harness import MemoryShop, memory_shop


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    shop = memory_shop(clock=FixedClock(NOW))
    yield shop
    await shop.close()


@pytest.fixture
def bus(shop: MemoryShop) -> MessageBus:
    return shop.runtime.bus


@pytest.fixture
async def goods(shop: MemoryShop, bus: MessageBus) -> Goods:
    return await build_goods(bus, shop)


async def create(bus: MessageBus, definition: PromotionDefinition, **options: Any) -> uuid.UUID:
    command = c.CreatePromotion(definition=definition, created_by=OPERATOR.subject)
    promotion_id: uuid.UUID = await bus.handle(command, actor=OPERATOR, **options)
    return promotion_id


async def scheduled(bus: MessageBus, definition: PromotionDefinition) -> uuid.UUID:
    promotion_id = await create(bus, definition)
    await bus.handle(c.SchedulePromotion(promotion_id=promotion_id), actor=OPERATOR)
    return promotion_id


async def refusal(bus: MessageBus, command: object) -> DomainError:
    with pytest.raises(DomainError) as refused:
        await bus.handle(command, actor=OPERATOR)
    return refused.value


async def status(shop: MemoryShop, promotion_id: uuid.UUID) -> PromotionStatus:
    async with shop.uow() as uow:
        promotion = await uow.promotions.get(promotion_id)
        return promotion.status_at(shop.clock.now())  # type: ignore[no-any-return]


async def audited(shop: MemoryShop, action: str) -> list[tuple[str, str, str]]:
    statement = select(audit_log.c.outcome, audit_log.c.target, audit_log.c.detail).where(
        audit_log.c.action == action
    )
    async with shop.engine.connect() as conn:
        rows = (await conn.execute(statement.order_by(audit_log.c.at))).all()
    return [(row.outcome, row.target, str(row.detail.get(ERROR_KEY, ""))) for row in rows]


# --- the lifecycle (PRO-2) ----------------------------------------------------------------------


@pytest.mark.rule("PRO-2")
async def test_a_promotion_goes_from_draft_to_ended_and_every_step_is_audited(
    shop: MemoryShop, bus: MessageBus, goods: Goods
) -> None:
    promotion_id = await create(bus, threshold(on(TargetKind.SHOP, SHOP)))
    assert await status(shop, promotion_id) is PromotionStatus.DRAFT
    edited = threshold(on(TargetKind.SHOP, SHOP), name="满300减60")
    await bus.handle(c.EditPromotion(promotion_id=promotion_id, definition=edited), actor=OPERATOR)
    await bus.handle(c.SchedulePromotion(promotion_id=promotion_id), actor=OPERATOR)
    assert await status(shop, promotion_id) is PromotionStatus.SCHEDULED
    shop.clock.current = APRIL + dt.timedelta(days=1)
    assert await status(shop, promotion_id) is PromotionStatus.ACTIVE
    await bus.handle(c.PausePromotion(promotion_id=promotion_id), actor=OPERATOR)
    assert await status(shop, promotion_id) is PromotionStatus.PAUSED
    await bus.handle(c.ResumePromotion(promotion_id=promotion_id), actor=OPERATOR)
    assert await status(shop, promotion_id) is PromotionStatus.ACTIVE
    await bus.handle(c.EndPromotion(promotion_id=promotion_id, ended_by="op"), actor=OPERATOR)
    assert await status(shop, promotion_id) is PromotionStatus.ENDED

    target = str(promotion_id)
    for action in ("edit_promotion", "schedule_promotion", "pause_promotion", "end_promotion"):
        assert await audited(shop, action) == [(DONE, target, "")], action
    [(outcome, _, _)] = await audited(shop, "create_promotion")
    assert outcome == DONE
    types = [message.type for message in await shop.outbox()]
    for event in ("created", "edited", "scheduled", "paused", "resumed", "ended"):
        assert f"pricing.promotion_{event}" in types


@pytest.mark.rule("PRO-2")
async def test_only_a_draft_is_edited_and_a_refusal_changes_nothing(
    shop: MemoryShop, bus: MessageBus, goods: Goods
) -> None:
    promotion_id = await scheduled(bus, threshold(on(TargetKind.SHOP, SHOP)))
    edit = c.EditPromotion(promotion_id=promotion_id, definition=threshold(name="Other"))
    assert (await refusal(bus, edit)).code == "promotion.state_conflict"
    async with shop.uow() as uow:
        assert (await uow.promotions.get(promotion_id)).definition.name == "满300减50"
    assert await audited(shop, "edit_promotion") == [
        (REFUSED, str(promotion_id), "promotion.state_conflict")
    ]
    pause_early = c.PausePromotion(promotion_id=promotion_id)  # not active before April
    assert (await refusal(bus, pause_early)).code == "promotion.state_conflict"
    unknown = c.SchedulePromotion(promotion_id=uuid.uuid4())
    assert (await refusal(bus, unknown)).code == "promotion.not_found"


@pytest.mark.rule("PRO-2")
async def test_a_retried_create_with_its_key_makes_one_draft(
    shop: MemoryShop, bus: MessageBus
) -> None:
    first = await create(bus, threshold(), idempotency_key="k1", idempotency_owner="op")
    again = await create(bus, threshold(), idempotency_key="k1", idempotency_owner="op")
    assert first == again
    assert await shop.count(promotions) == 1
    other = item_price(name="满300减50")  # another kind under the same key
    reused = c.CreatePromotion(definition=other, created_by=OPERATOR.subject)
    with pytest.raises(DomainError) as refused:
        await bus.handle(reused, actor=OPERATOR, idempotency_key="k1", idempotency_owner="op")
    assert refused.value.code == "idempotency.key_reused"


# --- PRO-3 --------------------------------------------------------------------------------------


@pytest.mark.rule("PRO-3")
async def test_scheduling_over_a_clash_names_the_promotion_and_the_skus(
    shop: MemoryShop, bus: MessageBus, goods: Goods
) -> None:
    first = await scheduled(bus, threshold(on(TargetKind.CATEGORY, goods.phones), name="满400减20"))
    second = await create(bus, threshold(on(TargetKind.BRAND, goods.brand), name="满400减50"))
    refused = await refusal(bus, c.SchedulePromotion(promotion_id=second))
    assert refused.code == "promotion.conflict"
    assert refused.details == {
        "clashes": [
            {"promotion_id": str(first), "name": "满400减20", "sku_ids": [str(goods.phone_sku)]}
        ]
    }
    assert await status(shop, second) is PromotionStatus.DRAFT
    assert await audited(shop, "schedule_promotion") == [
        (DONE, str(first), ""),
        (REFUSED, str(second), "promotion.conflict"),
    ]


@pytest.mark.rule("PRO-3")
async def test_no_clash_across_windows_levels_exclusions_or_goods(
    shop: MemoryShop, bus: MessageBus, goods: Goods
) -> None:
    await scheduled(bus, threshold(on(TargetKind.CATEGORY, goods.phones)))
    may = Window(MAY, JUNE)  # touches April's end, does not overlap it
    await scheduled(bus, threshold(on(TargetKind.CATEGORY, goods.electronics), window=may))
    await scheduled(bus, item_price(on(TargetKind.CATEGORY, goods.electronics)))  # item level
    await scheduled(bus, threshold(on(TargetKind.CATEGORY, goods.laptops)))  # other goods
    without_phone = on(TargetKind.SPU, goods.phone, excluded_skus=frozenset({goods.phone_sku}))
    await scheduled(bus, threshold(without_phone))  # its one SKU excluded
    nothing = await scheduled(bus, threshold(on(TargetKind.SKU, uuid.uuid4())))  # no SKU found
    assert await status(shop, nothing) is PromotionStatus.SCHEDULED
    clash = await create(bus, threshold(on(TargetKind.SKU, goods.other_phone_sku)))
    assert (await refusal(bus, c.SchedulePromotion(promotion_id=clash))).code == (
        "promotion.conflict"
    )


@pytest.mark.rule("PRO-3")
async def test_a_platform_wide_promotion_meets_the_goods_of_narrower_ones(
    shop: MemoryShop, bus: MessageBus, goods: Goods
) -> None:
    narrow = await scheduled(bus, item_price(on(TargetKind.SHOP, SHOP), name="Shop cut"))
    platform = await create(bus, item_price(name="Everything"))
    refused = await refusal(bus, c.SchedulePromotion(promotion_id=platform))
    assert refused.details["clashes"] == [
        {
            "promotion_id": str(narrow),
            "name": "Shop cut",
            "sku_ids": sorted([str(goods.phone_sku), str(goods.laptop_sku)]),
        }
    ]
    # two platform-wide ones share every SKU
    order_level = await scheduled(bus, threshold(name="Order 满减"))
    again = await create(bus, threshold(name="Order 满减 2"))
    clashes = (await refusal(bus, c.SchedulePromotion(promotion_id=again))).details["clashes"]
    assert clashes == [
        {
            "promotion_id": str(order_level),
            "name": "Order 满减",
            "sku_ids": [str(sku) for sku in goods.skus],
        }
    ]


@pytest.mark.rule("PRO-3")
async def test_an_ended_promotion_frees_its_goods(
    shop: MemoryShop, bus: MessageBus, goods: Goods
) -> None:
    first = await scheduled(bus, threshold(on(TargetKind.SHOP, SHOP)))
    second = await create(bus, threshold(on(TargetKind.SKU, goods.laptop_sku)))
    assert (await refusal(bus, c.SchedulePromotion(promotion_id=second))).code == (
        "promotion.conflict"
    )
    await bus.handle(c.EndPromotion(promotion_id=first, ended_by="op"), actor=OPERATOR)
    await bus.handle(c.SchedulePromotion(promotion_id=second), actor=OPERATOR)
    assert await status(shop, second) is PromotionStatus.SCHEDULED


@pytest.mark.rule("PRO-3")
async def test_the_dry_run_finds_the_same_clashes_and_writes_nothing(
    shop: MemoryShop, bus: MessageBus, goods: Goods
) -> None:
    first = await scheduled(bus, threshold(on(TargetKind.SHOP, SHOP), name="Shop 满减"))
    check = shop.runtime.get(PricingServices).conflicts
    definition = threshold(on(TargetKind.CATEGORY, goods.electronics))
    before = (await shop.count(promotions), len(await shop.outbox()))
    report = await check.of_definition(definition, "op")
    assert report.level is Level.SHOP
    assert [(clash.promotion_id, set(clash.sku_ids)) for clash in report.clashes] == [
        (first, {goods.phone_sku, goods.laptop_sku})
    ]
    draft = await create(bus, definition)
    assert (await check.of_promotion(draft)).clashes == report.clashes
    assert (await check.of_promotion(first)).clashes == ()
    assert (
        await check.of_definition(threshold(on(TargetKind.SHOP, uuid.uuid4())), "op")
    ).clashes == ()
    assert (await shop.count(promotions), len(await shop.outbox())) == (
        before[0] + 1,
        before[1] + 1,
    )
