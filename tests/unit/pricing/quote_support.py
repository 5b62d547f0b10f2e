"""Support of the quote tests: a small listed catalog built through the catalog's commands,
promotions scheduled and coupons claimed through their contexts' commands, on one runtime.

The worked example (April 2nd 2026, every amount in CNY):

- a phone of ``SHOP`` at 120.00 (phones, brand Acme), a laptop of ``SHOP`` at 200.00 (laptops,
  Acme), a phone case of ``OTHER_SHOP`` at 80.00 (phones), and a tablet of ``SHOP`` at 50.00
  that is not listed;
- a cart of two phones and a laptop is 440.00 at list price.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import attrs

from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.plugins.pricing_live import LiveSettings
from shop_adapters.settings import Settings
from shop_adapters.shared.crypto import new_key_spec
from shop_app.catalog import commands as cat
from shop_app.coupons import commands as cc
from shop_app.coupons.results import Acquired
from shop_app.pricing import commands as pc
from shop_app.shared.auth import Principal
from shop_app.shared.messagebus import MessageBus
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
from shop_domain.pricing.kinds import DirectReduction, ReductionTier, TieredReduction
from shop_domain.pricing.promotion import PromotionDefinition
from shop_domain.pricing.terms import TargetKind, Targets, Window
from shop_domain.shared.money import Money

APRIL = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
APRIL_2 = dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC)
MAY = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
SHOP = uuid.UUID("00000000-0000-7000-8000-0000000000a1")
OTHER_SHOP = uuid.UUID("00000000-0000-7000-8000-0000000000a2")
USER = uuid.UUID("00000000-0000-7000-8000-0000000000f1")
OTHER_USER = uuid.UUID("00000000-0000-7000-8000-0000000000f2")
OPERATOR = Principal("op-quotes", "operator", frozenset({"*"}))


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def quote_settings(**fields: Any) -> Settings:
    """``memory://`` settings whose live index checks the feed before every quote."""
    return Settings(
        database_url="memory://", sms="memory", sections=[LiveSettings(max_lag_ms=0)], **fields
    )


def backend_settings(url: str, export_dir: Path) -> Settings:
    """Settings on the database at ``url`` whose live index checks the feed before every
    quote (gift cards configured: their plug-in needs keys and a folder)."""
    return Settings(
        database_url=url,
        sms="memory",
        sections=[
            GiftCardSettings(keys=new_key_spec(), export_dir=str(export_dir)),
            LiveSettings(max_lag_ms=0),
        ],
    )


@attrs.frozen
class Catalog:
    phones: uuid.UUID
    laptops: uuid.UUID
    brand: uuid.UUID
    phone: uuid.UUID
    """The phone's SPU."""
    phone_sku: uuid.UUID
    laptop_sku: uuid.UUID
    case_sku: uuid.UUID
    tablet: uuid.UUID
    tablet_sku: uuid.UUID


async def _product(
    bus: MessageBus,
    shop: Any,
    *,
    leaf: uuid.UUID,
    shop_id: uuid.UUID,
    code: str,
    price: str,
    listed: bool = True,
    **fields: Any,
) -> tuple[uuid.UUID, uuid.UUID]:
    product_id: uuid.UUID = await bus.handle(
        cat.CreateProduct(
            shop_id=shop_id,
            name=f"Product {code}",
            category_id=leaf,
            currency="CNY",
            skus=(cat.NewSku(code=code, sale_price=cny(price), list_price=cny("999")),),
            **fields,
        )
    )
    if listed:
        await bus.handle(cat.ListProduct(product_id))
    async with shop.uow() as uow:
        product = await uow.products.get(product_id)
        return product_id, product.skus[0].id


async def build_catalog(bus: MessageBus, shop: Any) -> Catalog:
    electronics = await bus.handle(cat.CreateCategory("Electronics"))
    phones = await bus.handle(cat.CreateCategory("Phones", parent_id=electronics))
    laptops = await bus.handle(cat.CreateCategory("Laptops", parent_id=electronics))
    brand = await bus.handle(cat.CreateBrand("Acme"))
    phone, phone_sku = await _product(
        bus, shop, leaf=phones, shop_id=SHOP, code="P-1", price="120", brand_id=brand
    )
    _, laptop_sku = await _product(
        bus, shop, leaf=laptops, shop_id=SHOP, code="L-1", price="200", brand_id=brand
    )
    _, case_sku = await _product(bus, shop, leaf=phones, shop_id=OTHER_SHOP, code="C-1", price="80")
    tablet, tablet_sku = await _product(
        bus, shop, leaf=laptops, shop_id=SHOP, code="T-1", price="50", listed=False
    )
    return Catalog(
        phones, laptops, brand, phone, phone_sku, laptop_sku, case_sku, tablet, tablet_sku
    )


# --- promotions -------------------------------------------------------------------------------


def direct(sku_id: uuid.UUID, off: str = "10", **fields: Any) -> PromotionDefinition:
    """直降 ``off`` on one SKU, in April."""
    return PromotionDefinition(
        name=f"直降 {off}",
        kind=DirectReduction(cny(off)),
        window=Window(APRIL, MAY),
        targets=Targets(TargetKind.SKU, frozenset({sku_id})),
        **fields,
    )


def shop_threshold(shop_id: uuid.UUID = SHOP, **fields: Any) -> PromotionDefinition:
    """满300减50 on a shop's goods (shop level), in April."""
    return PromotionDefinition(
        name="满300减50",
        kind=TieredReduction((ReductionTier(cny("300"), cny("50")),)),
        window=Window(APRIL, MAY),
        targets=Targets(TargetKind.SHOP, frozenset({shop_id})),
        **fields,
    )


async def scheduled(bus: MessageBus, definition: PromotionDefinition) -> uuid.UUID:
    command = pc.CreatePromotion(definition=definition, created_by=OPERATOR.subject)
    promotion_id: uuid.UUID = await bus.handle(command, actor=OPERATOR)
    await bus.handle(pc.SchedulePromotion(promotion_id=promotion_id), actor=OPERATOR)
    return promotion_id


# --- coupons ----------------------------------------------------------------------------------


def threshold_coupon(
    value: str = "20", threshold: str = "100", *, name: str = "满100减20", **terms: Any
) -> TemplateDefinition:
    benefit = Benefit(CouponKind.THRESHOLD, value=cny(value), threshold=cny(threshold))
    return coupon_definition(name, CouponTerms(benefit=benefit, **terms))


def cash_coupon(value: str = "5", *, name: str = "5元券", **terms: Any) -> TemplateDefinition:
    return coupon_definition(
        name, CouponTerms(benefit=Benefit(CouponKind.CASH, cny(value)), **terms)
    )


def coupon_definition(name: str, terms: CouponTerms) -> TemplateDefinition:
    return TemplateDefinition(
        name=name,
        terms=terms,
        validity=Validity.relative(30),
        limits=Limits(total_quantity=100, per_user=None, per_user_per_day=None),
    )


async def claimed(
    bus: MessageBus, definition: TemplateDefinition, user_id: uuid.UUID = USER
) -> uuid.UUID:
    """A coupon of a new active template, claimed by ``user_id``."""
    template_id: uuid.UUID = await bus.handle(
        cc.CreateTemplate(definition=definition, created_by=OPERATOR.subject), actor=OPERATOR
    )
    await bus.handle(cc.ActivateTemplate(template_id=template_id), actor=OPERATOR)
    acquired = await bus.handle(cc.ClaimCoupon(template_id=template_id, user_id=user_id))
    assert isinstance(acquired, Acquired)
    return acquired.coupon_id


def on_shop(shop_id: uuid.UUID = SHOP) -> CouponScope:
    return CouponScope(ScopeKind.SHOP, shop_id=shop_id)
