"""PRO-3 under concurrency, on PostgreSQL: two clashing promotions scheduled at once by two
"processes" (two engines, two buses) — exactly one is scheduled, the other is refused with
``promotion.conflict`` naming the winner. Without the level's lock both would read no holder
and both would be scheduled.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import select
from tests.concurrency.conftest import jittered, race, refusal_codes
from tests.unit.pricing.promotion_app_support import NOW, build_goods, on, threshold

from shop_adapters.shared.system import FixedClock, UuidV7Generator
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.pricing.tables import promotions
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.catalog.handlers import catalog_command_handlers
from shop_app.pricing import commands as c
from shop_app.pricing.handlers import pricing_command_handlers
from shop_app.shared.messagebus import MessageBus
from shop_domain.catalog.model import CatalogPolicy
from shop_domain.pricing.terms import TargetKind

pytestmark = pytest.mark.postgres

ROUNDS = 12


class _Node:
    def __init__(self, url: str, clock: FixedClock) -> None:
        self.engine = make_engine(url, pool_size=2)
        ids = UuidV7Generator()
        self.uow = lambda: SqlShopUnitOfWork(self.engine, clock, ids)
        handlers = {**catalog_command_handlers(CatalogPolicy()), **pricing_command_handlers()}
        self.bus = MessageBus(self.uow, handlers)


@pytest.mark.rule("PRO-3")
async def test_two_clashing_schedules_at_once_schedule_exactly_one(postgres_url: str) -> None:
    clock = FixedClock(NOW)
    first, second = _Node(postgres_url, clock), _Node(postgres_url, clock)
    try:
        goods = await build_goods(first.bus, first)
        rng = random.Random("pro-3-race")
        outcomes: Counter[str] = Counter()
        for round_ in range(ROUNDS):
            # each round its own pair on the same goods: a category and a brand both hold the
            # phone, in overlapping windows, at the shop level
            drafts = [
                await first.bus.handle(
                    c.CreatePromotion(
                        definition=threshold(targets, name=f"{label} {round_}"),
                        created_by="ops",
                    )
                )
                for label, targets in (
                    ("phones", on(TargetKind.CATEGORY, goods.phones)),
                    ("brand", on(TargetKind.BRAND, goods.brand)),
                )
            ]
            results = await race(
                jittered(node.bus.handle(c.SchedulePromotion(promotion_id=draft)), rng, 0.003)
                for node, draft in zip((first, second), drafts, strict=True)
            )
            codes = refusal_codes(results)
            assert codes == ["promotion.conflict"], (round_, results)
            winner = drafts[results.index(None)]
            [loser] = [r for r in results if r is not None]
            clashes = loser.details["clashes"]  # type: ignore[union-attr]
            assert [clash["promotion_id"] for clash in clashes] == [str(winner)]
            assert clashes[0]["sku_ids"] == [str(goods.phone_sku)]
            outcomes[str(results.index(None))] += 1
            # the winner ends, so the next round starts with the goods free again
            await first.bus.handle(c.EndPromotion(promotion_id=winner, ended_by="ops"))
        async with first.engine.connect() as conn:
            statuses = Counter(
                row.status.value for row in await conn.execute(select(promotions.c.status))
            )
        assert statuses == {"ended": ROUNDS, "draft": ROUNDS}
        assert sum(outcomes.values()) == ROUNDS
    finally:
        await first.engine.dispose()
        await second.engine.dispose()


@pytest.mark.rule("PRO-3")
async def test_schedules_on_other_goods_at_once_both_succeed(postgres_url: str) -> None:
    clock = FixedClock(NOW)
    first, second = _Node(postgres_url, clock), _Node(postgres_url, clock)
    try:
        goods = await build_goods(first.bus, first)
        drafts = [
            await first.bus.handle(c.CreatePromotion(definition=definition, created_by="ops"))
            for definition in (
                threshold(on(TargetKind.SKU, goods.laptop_sku)),
                threshold(on(TargetKind.SKU, goods.other_phone_sku)),
            )
        ]
        results = await race(
            node.bus.handle(c.SchedulePromotion(promotion_id=draft))
            for node, draft in zip((first, second), drafts, strict=True)
        )
        assert refusal_codes(results) == []
        assert results == [None, None]
    finally:
        await first.engine.dispose()
        await second.engine.dispose()
