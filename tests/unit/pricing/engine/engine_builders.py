"""Builders of the engine's tests: carts, promotions of the real kinds, coupons."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from shop_domain.pricing.engine import CartLine, CouponBenefit, CouponGoods, WalletCoupon
from shop_domain.pricing.engine.wallet import PLATFORM, BenefitKind
from shop_domain.pricing.kinds.base import PromotionKind
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Promotion, PromotionDefinition, PromotionStatus
from shop_domain.pricing.terms import (
    Channel,
    CustomerFacts,
    Issuer,
    IssuerKind,
    TargetKind,
    Targets,
    Window,
)
from shop_domain.shared.money import Money

AT = dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC)
WINDOW = Window(dt.datetime(2026, 4, 1, tzinfo=dt.UTC), dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
CREATED = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
SHOP_A = uuid.UUID(int=0xA)
SHOP_B = uuid.UUID(int=0xB)
CATEGORY = uuid.UUID(int=0xC)
ANYONE = CustomerFacts()
APP = Channel.APP


def cny(amount: str | int) -> Money:
    return Money.of(str(amount), "CNY")


def goods(n: int, shop: uuid.UUID = SHOP_A) -> ItemFacts:
    return ItemFacts(
        sku_id=uuid.UUID(int=0x1000 + n),
        spu_id=uuid.UUID(int=0x2000 + n),
        shop_id=shop,
        category_ids=(CATEGORY,),
    )


def line(
    n: int, price: str | int, quantity: int = 1, shop: uuid.UUID = SHOP_A, **kw: Any
) -> CartLine:
    return CartLine(
        line_id=f"l{n}", item=goods(n, shop), quantity=quantity, unit_price=cny(price), **kw
    )


def on_skus(*numbers: int) -> Targets:
    return Targets(TargetKind.SKU, frozenset(goods(n).sku_id for n in numbers))


def on_shop(shop: uuid.UUID = SHOP_A) -> Targets:
    return Targets(TargetKind.SHOP, frozenset({shop}))


def promo(
    n: int, kind: PromotionKind, targets: Targets | None = None, *, priority: int = 0, **fields: Any
) -> Promotion:
    """A scheduled promotion, active at :data:`AT`."""
    targets = targets or Targets()
    issuer = Issuer()
    if targets.kind is TargetKind.SHOP:
        issuer = Issuer(IssuerKind.SHOP, next(iter(targets.ids)))
    definition = PromotionDefinition(
        name=fields.pop("name", f"promotion {n}"),
        kind=kind,
        window=WINDOW,
        targets=targets,
        priority=priority,
        issuer=issuer,
        **fields,
    )
    return Promotion(
        id=uuid.UUID(int=0xF000 + n),
        definition=definition,
        status=PromotionStatus.SCHEDULED,
        created_at=CREATED + dt.timedelta(minutes=n),
        created_by="ops",
    )


def coupon(
    n: int,
    kind: BenefitKind = BenefitKind.THRESHOLD,
    *,
    value: str | None = None,
    threshold: str | None = None,
    rate: str | None = None,
    cap: str | None = None,
    goods_keys: CouponGoods | None = None,
    **fields: Any,
) -> WalletCoupon:
    benefit = CouponBenefit(
        kind,
        value=cny(value) if value else None,
        rate=decimal.Decimal(rate) if rate else None,
        threshold=cny(threshold) if threshold else None,
        cap=cny(cap) if cap else None,
    )
    return WalletCoupon(
        coupon_id=uuid.UUID(int=0xC000 + n),
        name=fields.pop("name", f"coupon {n}"),
        benefit=benefit,
        goods=goods_keys or CouponGoods(frozenset({PLATFORM})),
        **fields,
    )
