"""Runtimes with the pricing plug-in as the lead wires it (ADR 0034): its live promotions and
customer facts plugged in through :mod:`shop_adapters.plugins.pricing_live`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import attrs
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.bootstrap import build_container, runtime_of
from shop_adapters.contexts import CONTEXTS
from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.plugins import pricing
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.plugins.pricing_live import (
    LIVE_SERVICES,
    LIVE_TABLES,
    LiveSettings,
    live_promotion_starters,
    wire_live_promotions,
)
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.pricing.live_tables import first_row_statement
from shop_app.shared.messagebus import UnitOfWorkFactory
from shop_domain.pricing.kinds.item_prices import DirectReduction
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Promotion, PromotionDefinition
from shop_domain.pricing.terms import TargetKind, Targets, Window
from shop_domain.shared.money import Money

START = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
INSIDE = START + dt.timedelta(days=1)
SHOP = uuid.UUID(int=0x5)


def _wire(original: Any) -> Any:
    def wire(wiring: Wiring) -> None:
        original(wiring)
        wire_live_promotions(wiring)

    return wire


PRICING = attrs.evolve(
    pricing.PLUGIN,
    tables=(*pricing.PLUGIN.tables, *LIVE_TABLES),
    wire=_wire(pricing.PLUGIN.wire),
    starters=live_promotion_starters,
    services=(*pricing.PLUGIN.services, *LIVE_SERVICES),
)
LIVE_CONTEXTS: tuple[ContextPlugin, ...] = tuple(
    PRICING if context.name == "pricing" else context for context in CONTEXTS
)


@attrs.define(eq=False)
class Shop:
    """A runtime and what its tests reach into: its unit of work and its engine."""

    runtime: Runtime
    uow: UnitOfWorkFactory
    engine: AsyncEngine
    clock: FixedClock


def build_shop(url: str, keys: Any, export_dir: str, *, max_lag_ms: int = 0) -> Shop:
    clock = FixedClock(START - dt.timedelta(days=1))
    settings = Settings(
        database_url=url,
        sms="memory",
        sections=[
            GiftCardSettings(keys=keys, export_dir=export_dir),
            LiveSettings(max_lag_ms=max_lag_ms),
        ],
    )
    container = build_container(settings, clock=clock, contexts=LIVE_CONTEXTS)
    return Shop(
        runtime_of(container),
        container.resolve(UnitOfWorkFactory),
        container.resolve(AsyncEngine),
        clock,
    )


def item(n: int) -> ItemFacts:
    return ItemFacts(sku_id=uuid.UUID(int=0x100 + n), spu_id=uuid.UUID(int=0x200 + n), shop_id=SHOP)


def on_skus(*numbers: int, **fields: Mapping[str, Any]) -> PromotionDefinition:
    values: dict[str, Any] = {
        "name": "直降",
        "kind": DirectReduction(Money(100, "CNY")),
        "window": Window(START, START + dt.timedelta(days=30)),
        "targets": Targets(TargetKind.SKU, frozenset(item(n).sku_id for n in numbers)),
    }
    values.update(fields)
    return PromotionDefinition(**values)


async def create(shop: Shop, definition: PromotionDefinition, *, schedule: bool) -> uuid.UUID:
    async with shop.uow() as uow:
        promotion = Promotion.create(
            id=uow.ids.new_id(), definition=definition, created_by="ops", now=shop.clock.now()
        )
        if schedule:
            promotion.schedule(shop.clock.now(), clashes=[])
        uow.promotions.add(promotion)
        await uow.commit()
    return promotion.id


async def change(shop: Shop, promotion_id: uuid.UUID, what: str, at: dt.datetime) -> None:
    """``schedule``, ``pause``, ``resume`` or ``end`` the promotion, at ``at``."""
    async with shop.uow() as uow:
        promotion = await uow.promotions.get_for_update(promotion_id)
        if what == "schedule":
            promotion.schedule(at, clashes=[])
        elif what == "end":
            promotion.end(at, ended_by="ops")
        else:
            getattr(promotion, what)(at)
        await uow.commit()


async def start(shop: Shop) -> None:
    """Start ``shop`` on a database whose feed has its row, as migrated (the PostgreSQL fixture
    empties every table between tests)."""
    async with shop.engine.begin() as conn:
        await conn.exec_driver_sql(first_row_statement(shop.engine.dialect.name))
    await shop.runtime.start()
