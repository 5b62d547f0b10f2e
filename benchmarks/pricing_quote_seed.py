"""The seeding of ``pricing_quote_http.py``: a fresh, migrated database filled with the world of
``pricing_quote.py`` for one K.

- The catalog, through the catalog's commands; the world's items are then re-based on the ids
  they made (the categories' ids made to sort as the world's, so that the promotions on the
  cart's goods are those ``pricing_quote.py`` makes for that K).
- The K promotions, through the promotions' repository, as scheduled: the scheduling command's
  PRO-3 check is bypassed, the world being clash-free by construction.
- One customer per cart, whose wallet holds that cart's 30 coupons, through the coupons'
  commands; the wallets as the service reads them are checked against the world's.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import attrs
from pricing_quote import AT, CART_SHOPS, SKUS_PER_SHOP, World
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.bootstrap import build_container, runtime_of
from shop_adapters.settings import Settings
from shop_adapters.sql.pricing.wallet import SqlWalletSource
from shop_app.catalog import commands as cat
from shop_app.coupons import commands as cc
from shop_app.coupons.results import Acquired
from shop_app.shared.messagebus import MessageBus, UnitOfWorkFactory
from shop_domain.coupons import (
    Benefit,
    CouponKind,
    CouponScope,
    CouponTerms,
    Limits,
    ScopeKind,
    TemplateDefinition,
    Validity,
)
from shop_domain.pricing.engine import BenefitKind, CartLine, WalletCoupon
from shop_domain.pricing.engine.wallet import PLATFORM
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Promotion, PromotionStatus
from shop_domain.pricing.terms import Channel, TargetKind, Window
from shop_domain.shared.ids import new_id
from shop_domain.shared.money import Money

SEED = 7
CHUNK = 500
"""Promotions written per unit of work."""


@attrs.frozen
class Seeded:
    """What a run measures: the re-based world's carts, their customers and wallets, and the
    promotions as the service holds them."""

    carts: list[list[CartLine]]
    wallets: list[list[WalletCoupon]]
    customers: list[uuid.UUID]
    promotions: list[Promotion]
    seconds: float


class _AscendingIds:
    """UUIDv7s, each above the one before (two made within a millisecond may not be): the
    categories made in the order of the world's ids then sort as the world's do."""

    def __init__(self) -> None:
        self._last = uuid.UUID(int=0)

    def new_id(self) -> uuid.UUID:
        made = new_id()
        while made <= self._last:
            made = new_id()
        self._last = made
        return made


async def _catalog(bus: MessageBus, uow: Callable[[], Any], world: World) -> None:
    """The cart shops' SKUs as listed products; the world's items re-based on their ids."""
    count = CART_SHOPS * SKUS_PER_SHOP
    categories: dict[uuid.UUID, uuid.UUID] = {}
    for leaf in sorted({item.category_ids[0] for item in world.items[:count]}):
        categories[leaf] = await bus.handle(cat.CreateCategory(f"Category {leaf.int:x}"))
    if sorted(categories.values()) != list(categories.values()):
        raise RuntimeError("the catalog's category ids do not sort as the world's")
    for n in range(count):
        item = world.items[n]
        unit = Money(world.prices.pop(item.sku_id), "CNY")
        product_id: uuid.UUID = await bus.handle(
            cat.CreateProduct(
                shop_id=item.shop_id,
                name=f"Product {n}",
                category_id=categories[item.category_ids[0]],
                currency="CNY",
                skus=(cat.NewSku(code=f"Q-{n}", sale_price=unit, list_price=unit),),
            )
        )
        await bus.handle(cat.ListProduct(product_id))
        async with uow() as work:
            sku_id = (await work.products.get(product_id)).skus[0].id
        world.items[n] = ItemFacts(
            sku_id=sku_id,
            spu_id=product_id,
            shop_id=item.shop_id,
            category_ids=(categories[item.category_ids[0]],),
        )
        world.prices[sku_id] = unit.minor


def _live(world: World, k: int, now: dt.datetime) -> list[Promotion]:
    """The world's K promotions, their windows (and creation times, which rank them) moved
    from the world's moment to ``now``."""
    shift = now - AT
    return [
        Promotion(
            id=p.id,
            definition=attrs.evolve(
                p.definition,
                window=Window(
                    p.definition.window.starts_at + shift, p.definition.window.ends_at + shift
                ),
            ),
            status=PromotionStatus.SCHEDULED,
            created_at=p.created_at + shift,
            created_by=p.created_by,
        )
        for p in world.promotions(k)
    ]


async def _promotions(uow: Callable[[], Any], promotions: Sequence[Promotion]) -> None:
    """Written as scheduled, without the scheduling command's PRO-3 check (clash-free)."""
    for start in range(0, len(promotions), CHUNK):
        async with uow() as work:
            for promotion in promotions[start : start + CHUNK]:
                work.promotions.add(promotion)
            await work.commit()


def _template(coupon: WalletCoupon) -> TemplateDefinition:
    """The coupon template whose coupons pricing reads as ``coupon`` (the world's shapes)."""
    b, goods = coupon.benefit, coupon.goods
    if b.kind is BenefitKind.THRESHOLD:
        benefit = Benefit(CouponKind.THRESHOLD, value=b.value, threshold=b.threshold)
    elif b.kind is BenefitKind.RATE:
        benefit = Benefit(CouponKind.RATE, rate=b.rate, threshold=b.threshold, max_discount=b.cap)
    else:
        raise AssertionError(f"no template for a {b.kind} coupon")
    [key] = goods.included
    assert not goods.excluded, "the world's coupons exclude nothing"
    kind, target = key
    if key == PLATFORM:
        scope = CouponScope(ScopeKind.ALL)
    elif kind is TargetKind.SHOP:
        scope = CouponScope(ScopeKind.SHOP, shop_id=target)
    elif kind is TargetKind.CATEGORY and target is not None:
        scope = CouponScope(ScopeKind.CATEGORIES, category_ids={target})
    else:
        raise AssertionError(f"no template for a coupon on {key}")
    terms = CouponTerms(
        benefit=benefit,
        scope=scope,
        stackable=coupon.stackable,
        combinable_with_promotions=coupon.combinable_with_promotions,
    )
    return TemplateDefinition(
        name=coupon.name,
        terms=terms,
        validity=Validity.relative(30),
        limits=Limits(total_quantity=1),
    )


async def _wallet(bus: MessageBus, user_id: uuid.UUID, wallet: Sequence[WalletCoupon]) -> None:
    """One template per coupon, activated, and its one coupon claimed by ``user_id``, in the
    wallet's order (the service lists a wallet by validity end, then id: the same order)."""
    for coupon in wallet:
        command = cc.CreateTemplate(definition=_template(coupon), created_by="bench")
        template_id: uuid.UUID = await bus.handle(command)
        await bus.handle(cc.ActivateTemplate(template_id=template_id))
        acquired = await bus.handle(cc.ClaimCoupon(template_id=template_id, user_id=user_id))
        if not isinstance(acquired, Acquired):
            raise RuntimeError(f"the claim of {coupon.name!r} was refused: {acquired!r}")


def _terms(coupon: WalletCoupon) -> tuple[Any, ...]:
    return (
        coupon.name,
        coupon.benefit,
        coupon.goods,
        coupon.stackable,
        coupon.combinable_with_promotions,
    )


async def _check_wallets(
    engine: AsyncEngine, seeded: Seeded, now: dt.datetime, channel: Channel
) -> None:
    """The wallets as the service reads them are the world's (ids and validity aside)."""
    source = SqlWalletSource(engine)
    for user_id, wallet in zip(seeded.customers, seeded.wallets, strict=True):
        read = await source.coupons_of(str(user_id), now)
        if [_terms(c) for c in read] != [_terms(c) for c in wallet]:
            raise RuntimeError(f"the wallet of {user_id} read back is not the world's")
        if not all(c.usable_at(now, channel) for c in read):
            raise RuntimeError(f"a coupon of {user_id} is not usable now")


async def seed(env: dict[str, str], k: int, carts: int, channel: Channel) -> Seeded:
    started = time.perf_counter()
    container = build_container(Settings.from_env(env), ids=_AscendingIds())
    runtime = runtime_of(container)
    try:
        bus, uow = runtime.bus, container.resolve(UnitOfWorkFactory)
        world = World(seed=SEED)
        await _catalog(bus, uow, world)
        now = runtime.clock.now()
        promotions = _live(world, k, now)
        await _promotions(uow, promotions)
        made = [world.cart() for _ in range(carts)]
        wallets = [world.wallet(cart) for cart in made]
        customers = [uuid.UUID(int=0xCC_0000 + n) for n in range(carts)]
        for user_id, wallet in zip(customers, wallets, strict=True):
            await _wallet(bus, user_id, wallet)
        seeded = Seeded(made, wallets, customers, promotions, time.perf_counter() - started)
        engine = container.resolve(AsyncEngine)
        await _check_wallets(engine, seeded, runtime.clock.now(), channel)
        return seeded
    finally:
        await runtime.close()
