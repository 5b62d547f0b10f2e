"""Strategies for the pricing engine: wallet coupons, and whole cases to price — a cart, the
promotions live for it, a wallet — drawn over a small world of goods so that promotions and
coupons meet the lines, compete for them and cross each other's thresholds.

Everything is built through the domain's constructors; nothing is filtered. A case shrinks to
one line of one unit, one item-price promotion and no coupon.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Sequence
from typing import Final

import attrs
from hypothesis import strategies as st

from shop_domain.pricing.engine import CartLine, CouponBenefit, CouponGoods, WalletCoupon
from shop_domain.pricing.engine.wallet import PLATFORM, BenefitKind
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Promotion, PromotionDefinition, PromotionStatus
from shop_domain.pricing.terms import Channel, CustomerFacts, TargetKind, Targets, Window
from shop_domain.shared.money import Money
from shop_testing.strategies.pricing_items import item_kinds
from shop_testing.strategies.pricing_thresholds import threshold_kinds

NOW: Final = dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC)
CURRENCY: Final = "CNY"
SHOPS: Final = (uuid.UUID(int=0x5A), uuid.UUID(int=0x5B))
CATEGORIES: Final = (uuid.UUID(int=0xCA), uuid.UUID(int=0xCB))


@attrs.frozen
class PricingCase:
    """Everything ``price`` takes but the customer's choices."""

    cart: tuple[CartLine, ...]
    promotions: tuple[Promotion, ...]
    coupons: tuple[WalletCoupon, ...]
    customer: CustomerFacts = attrs.field(factory=CustomerFacts)
    at: dt.datetime = NOW
    channel: Channel = Channel.APP


def _money(draw: st.DrawFn, low: int, high: int) -> Money:
    return Money(draw(st.integers(min_value=low, max_value=high)), CURRENCY)


@st.composite
def coupon_benefits(draw: st.DrawFn, *, max_minor: int = 50_000) -> CouponBenefit:
    """A cash, threshold (满X减Y) or rate coupon's benefit in CNY, amounts up to
    ``max_minor``."""
    kind = draw(st.sampled_from(BenefitKind))
    if kind is BenefitKind.CASH:
        return CouponBenefit(kind, value=_money(draw, 1, max_minor // 10 or 1))
    if kind is BenefitKind.THRESHOLD:
        threshold = _money(draw, 2, max_minor)
        return CouponBenefit(kind, value=_money(draw, 1, threshold.minor), threshold=threshold)
    rate = decimal.Decimal(draw(st.integers(min_value=50, max_value=99))) / 100
    floor = _money(draw, 1, max_minor) if draw(st.booleans()) else None
    cap = _money(draw, 1, max_minor // 5 or 1) if draw(st.booleans()) or floor is None else None
    return CouponBenefit(kind, rate=rate, threshold=floor, cap=cap)


@st.composite
def wallet_coupons(
    draw: st.DrawFn,
    *,
    items: Sequence[ItemFacts] = (),
    coupon_ids: st.SearchStrategy[uuid.UUID] | None = None,
    max_minor: int = 50_000,
) -> WalletCoupon:
    """A usable coupon of a wallet: on everything, or on one of ``items``' SKUs, shops or
    categories; stacking or not, combinable with promotions or not."""
    scope = draw(st.sampled_from(["all", "sku", "shop", "category"])) if items else "all"
    if scope == "all":
        goods = CouponGoods(frozenset({PLATFORM}), narrowness=3)
    else:
        item = draw(st.sampled_from(list(items)))
        key, narrowness = {
            "sku": ((TargetKind.SKU, item.sku_id), 0),
            "shop": ((TargetKind.SHOP, item.shop_id), 2),
            "category": ((TargetKind.CATEGORY, item.category_ids[-1]), 1),
        }[scope]
        goods = CouponGoods(frozenset({key}), narrowness=narrowness)
    return WalletCoupon(
        coupon_id=draw(
            st.integers(1, 2**64).map(lambda n: uuid.UUID(int=n))
            if coupon_ids is None
            else coupon_ids
        ),
        name="coupon",
        benefit=draw(coupon_benefits(max_minor=max_minor)),
        goods=goods,
        stackable=draw(st.booleans()),
        combinable_with_promotions=draw(st.booleans()),
    )


def _targets(draw: st.DrawFn, items: Sequence[ItemFacts], stage_item: bool) -> Targets:
    choice = draw(st.sampled_from(["sku", "shop", "category", "platform"]))
    if choice == "sku" or (stage_item and choice == "platform" and draw(st.booleans())):
        skus = draw(st.lists(st.sampled_from([i.sku_id for i in items]), min_size=1, max_size=2))
        return Targets(TargetKind.SKU, frozenset(skus))
    if choice == "shop":
        return Targets(TargetKind.SHOP, frozenset({draw(st.sampled_from(SHOPS))}))
    if choice == "category":
        return Targets(TargetKind.CATEGORY, frozenset({draw(st.sampled_from(CATEGORIES))}))
    return Targets()


@st.composite
def pricing_cases(
    draw: st.DrawFn,
    *,
    max_lines: int = 6,
    max_promotions: int = 8,
    max_coupons: int = 4,
    max_unit_minor: int = 20_000,
    max_quantity: int = 3,
) -> PricingCase:
    """A cart of 1..``max_lines`` lines (distinct SKUs over two shops and two categories), up
    to ``max_promotions`` promotions active at :data:`NOW` — item prices, bundles, multi-buys,
    purchase gifts and every threshold kind, on SKUs, a shop, a category or the platform, with
    priorities that tie — and up to ``max_coupons`` usable coupons."""
    count = draw(st.integers(min_value=1, max_value=max_lines))
    items = [
        ItemFacts(
            sku_id=uuid.UUID(int=0x1000 + n),
            spu_id=uuid.UUID(int=0x2000 + n),
            shop_id=draw(st.sampled_from(SHOPS)),
            category_ids=(draw(st.sampled_from(CATEGORIES)),),
        )
        for n in range(count)
    ]
    cart = tuple(
        CartLine(
            line_id=f"line-{n + 1}",
            item=item,
            quantity=draw(st.integers(min_value=1, max_value=max_quantity)),
            unit_price=_money(draw, 1, max_unit_minor),
        )
        for n, item in enumerate(items)
    )
    total = sum(line.unit_price.minor * line.quantity for line in cart)
    skus = [item.sku_id for item in items]
    kinds = st.one_of(
        item_kinds(CURRENCY, sku_ids=skus, max_minor=max_unit_minor),
        threshold_kinds(CURRENCY, max_minor=max(total, 100)),
    )
    window = Window(NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1))
    promotions = []
    for n in range(draw(st.integers(min_value=0, max_value=max_promotions))):
        kind = draw(kinds)
        definition = PromotionDefinition(
            name=f"promotion {n + 1}",
            kind=kind,
            window=window,
            targets=_targets(draw, items, stage_item=kind.stage == 1),
            priority=draw(st.integers(min_value=0, max_value=2)),
        )
        promotions.append(
            Promotion(
                id=uuid.UUID(int=0xF000 + n),
                definition=definition,
                status=PromotionStatus.SCHEDULED,
                created_at=NOW - dt.timedelta(days=2, minutes=n),
                created_by="kit",
            )
        )
    coupons = tuple(
        draw(
            wallet_coupons(
                items=items,
                coupon_ids=st.just(uuid.UUID(int=0xC000 + n)),
                max_minor=max(total, 100),
            )
        )
        for n in range(draw(st.integers(min_value=0, max_value=max_coupons)))
    )
    return PricingCase(cart, tuple(promotions), coupons)


__all__ = [
    "CATEGORIES",
    "NOW",
    "SHOPS",
    "PricingCase",
    "coupon_benefits",
    "pricing_cases",
    "wallet_coupons",
]
