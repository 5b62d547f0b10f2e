"""Support of the promotions' application tests: a small catalog built through the catalog's
own commands (the goods PRO-3 reads), and definitions of real kinds on it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import attrs

from shop_app.catalog import commands as cat
from shop_app.shared.auth import Principal
from shop_app.shared.messagebus import MessageBus
from shop_domain.pricing.kinds import DirectReduction, ReductionTier, TieredReduction
from shop_domain.pricing.promotion import PromotionDefinition
from shop_domain.pricing.terms import TargetKind, Targets, Window
from shop_domain.shared.money import Money

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
APRIL = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
MAY = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
JUNE = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
SHOP = uuid.UUID("00000000-0000-7000-8000-0000000000a1")
OTHER_SHOP = uuid.UUID("00000000-0000-7000-8000-0000000000a2")
OPERATOR = Principal("op-pricing", "operator", frozenset({"*"}))


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@attrs.frozen
class Goods:
    """Electronics → phones and laptops; a phone and a laptop of ``SHOP`` (brand ``brand``), a
    phone of ``OTHER_SHOP``."""

    electronics: uuid.UUID
    phones: uuid.UUID
    laptops: uuid.UUID
    brand: uuid.UUID
    phone: uuid.UUID
    """The SPU of the first phone."""
    phone_sku: uuid.UUID
    other_phone_sku: uuid.UUID
    laptop_sku: uuid.UUID

    @property
    def skus(self) -> list[uuid.UUID]:
        return sorted([self.phone_sku, self.other_phone_sku, self.laptop_sku])


async def _product(
    bus: MessageBus, shop: Any, *, leaf: uuid.UUID, shop_id: uuid.UUID, code: str, **fields: Any
) -> tuple[uuid.UUID, uuid.UUID]:
    product_id: uuid.UUID = await bus.handle(
        cat.CreateProduct(
            shop_id=shop_id,
            name=f"Product {code}",
            category_id=leaf,
            currency="CNY",
            skus=(cat.NewSku(code=code, sale_price=cny("100"), list_price=cny("120")),),
            **fields,
        )
    )
    async with shop.uow() as uow:
        product = await uow.products.get(product_id)
        return product_id, product.skus[0].id


async def build_goods(bus: MessageBus, shop: Any) -> Goods:
    electronics = await bus.handle(cat.CreateCategory("Electronics"))
    phones = await bus.handle(cat.CreateCategory("Phones", parent_id=electronics))
    laptops = await bus.handle(cat.CreateCategory("Laptops", parent_id=electronics))
    brand = await bus.handle(cat.CreateBrand("Acme"))
    phone, phone_sku = await _product(
        bus, shop, leaf=phones, shop_id=SHOP, code="P-1", brand_id=brand
    )
    _, other_phone_sku = await _product(bus, shop, leaf=phones, shop_id=OTHER_SHOP, code="P-2")
    _, laptop_sku = await _product(
        bus, shop, leaf=laptops, shop_id=SHOP, code="L-1", brand_id=brand
    )
    return Goods(electronics, phones, laptops, brand, phone, phone_sku, other_phone_sku, laptop_sku)


def threshold(
    targets: Targets | None = None,
    *,
    name: str = "满300减50",
    window: Window | None = None,
    **fields: Any,
) -> PromotionDefinition:
    """A threshold promotion (shop level unless platform-wide), for April by default."""
    return PromotionDefinition(
        name=name,
        kind=TieredReduction((ReductionTier(cny("300"), cny("50")),)),
        window=window or Window(APRIL, MAY),
        targets=targets or Targets(),
        **fields,
    )


def item_price(
    targets: Targets | None = None, *, name: str = "直降", window: Window | None = None
) -> PromotionDefinition:
    """An item-level price cut, for April by default."""
    return PromotionDefinition(
        name=name,
        kind=DirectReduction(cny("10")),
        window=window or Window(APRIL, MAY),
        targets=targets or Targets(),
    )


def on(kind: TargetKind, *ids: uuid.UUID, **fields: Any) -> Targets:
    return Targets(kind, frozenset(ids), **fields)
