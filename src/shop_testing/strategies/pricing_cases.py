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
from collections.abc import Collection, Mapping, Sequence
from typing import Final

import attrs
from hypothesis import strategies as st

from shop_domain.pricing.engine import CartLine, CouponBenefit, CouponGoods, WalletCoupon
from shop_domain.pricing.engine.wallet import PLATFORM, BenefitKind
from shop_domain.pricing.kinds.base import Applied, Context, PriceCut, Stage
from shop_domain.pricing.lines import ItemFacts, Line
from shop_domain.pricing.promotion import Promotion, PromotionDefinition, PromotionStatus
from shop_domain.pricing.terms import Channel, CustomerFacts, TargetKind, Targets, Window
from shop_domain.shared.money import Money
from shop_testing.strategies.common import sampled_in_order
from shop_testing.strategies.pricing_items import (
    direct_reductions,
    flash_prices,
    item_kinds,
    percent_offs,
    special_prices,
)
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


SCOPES: Final = ("all", "sku", "shop", "category")
"""The scopes :func:`wallet_coupons` draws, widest first: everything, one SKU, a shop, a
category."""


@attrs.frozen
class Edge:
    """Where the goods a coupon meets may land: ``lowest`` is what they cost with the deepest
    item cut on each line, ``cuts`` what each of those cuts takes off (its line's list amount
    less its lowest; zero when nothing cuts it)."""

    lowest: int
    cuts: tuple[int, ...]


def _money(draw: st.DrawFn, low: int, high: int) -> Money:
    return Money(draw(st.integers(min_value=low, max_value=high)), CURRENCY)


@st.composite
def coupon_benefits(
    draw: st.DrawFn,
    *,
    max_minor: int = 50_000,
    kinds: Collection[BenefitKind] | None = None,
    edge: Edge | None = None,
) -> CouponBenefit:
    """A cash, threshold (满X减Y) or rate coupon's benefit in CNY (one of ``kinds``, every
    kind when None), amounts up to ``max_minor``. A rate coupon has a floor, a cap or both;
    its cap is drawn up to a fifth of ``max_minor`` or up to all of it (then it seldom binds).

    Given the ``edge`` of its goods, half the time its amounts are drawn at one of the cuts
    ``c`` there: a threshold or floor of ``lowest + 1..c`` (reached only when that cut, or
    another, is left out), a face value or cap of 75..100% of ``c`` (about what leaving it out
    costs). Otherwise — and always when nothing is cut — across ``1..max_minor``."""
    kind = draw(sampled_in_order(kinds, list(BenefitKind)))
    cuts: list[int] = [] if edge is None else [c for c in edge.cuts if c > 0]
    at_a_cut: bool = bool(cuts) and draw(st.booleans())
    if edge is not None and at_a_cut:
        cut = draw(st.sampled_from(cuts))
        threshold = Money(edge.lowest + draw(st.integers(1, cut)), CURRENCY)
        share = Money(max(1, cut * draw(st.integers(75, 100)) // 100), CURRENCY)
        if kind is BenefitKind.CASH:
            return CouponBenefit(kind, value=share)
        if kind is BenefitKind.THRESHOLD:
            return CouponBenefit(kind, value=min(share, threshold), threshold=threshold)
        floor, cap = _floor_and_cap(draw, threshold, share)
        return CouponBenefit(kind, rate=_rate(draw), threshold=floor, cap=cap)
    if kind is BenefitKind.CASH:
        return CouponBenefit(kind, value=_money(draw, 1, max_minor // 10 or 1))
    if kind is BenefitKind.THRESHOLD:
        threshold = _money(draw, 2, max_minor)
        return CouponBenefit(kind, value=_money(draw, 1, threshold.minor), threshold=threshold)
    top = max_minor if draw(st.booleans()) else max_minor // 5 or 1
    floor, cap = _floor_and_cap(draw, _money(draw, 1, max_minor), _money(draw, 1, top))
    return CouponBenefit(kind, rate=_rate(draw), threshold=floor, cap=cap)


def _rate(draw: st.DrawFn) -> decimal.Decimal:
    return decimal.Decimal(draw(st.integers(min_value=50, max_value=99))) / 100


def _floor_and_cap(draw: st.DrawFn, floor: Money, cap: Money) -> tuple[Money | None, Money | None]:
    """A rate coupon's floor and cap: a floor or not, and a cap or not — always one when there
    is no floor (a coupon states its currency through an amount)."""
    kept_floor = draw(st.booleans())
    kept_cap = draw(st.booleans()) or not kept_floor
    return (floor if kept_floor else None), (cap if kept_cap else None)


def lowest_amounts(lines: Sequence[CartLine], promotions: Sequence[Promotion]) -> dict[str, int]:
    """The least each of ``lines`` costs after one of the item promotions of ``promotions``
    that target it, alone (its list amount when none lowers it): by line id."""
    context = Context(CURRENCY)
    lowest = {}
    for line in lines:
        least = line.unit_price.minor * line.quantity
        alone = [Line(line.line_id, line.item, line.quantity, line.unit_price)]
        for promotion in promotions:
            kind = promotion.definition.kind
            if kind.stage is not Stage.ITEM or not promotion.definition.targets.covers(line.item):
                continue
            outcome = kind.evaluate(alone, context)
            for effect in outcome.effects if isinstance(outcome, Applied) else ():
                if isinstance(effect, PriceCut) and line.line_id in effect.unit_prices:
                    least = min(least, effect.unit_prices[line.line_id].minor * line.quantity)
        lowest[line.line_id] = least
    return lowest


@st.composite
def wallet_coupons(
    draw: st.DrawFn,
    *,
    items: Sequence[ItemFacts] = (),
    coupon_ids: st.SearchStrategy[uuid.UUID] | None = None,
    max_minor: int = 50_000,
    lines: Sequence[CartLine] = (),
    lowest: Mapping[str, int] | None = None,
    kinds: Collection[BenefitKind] | None = None,
    scopes: Collection[str] | None = None,
    stackable: bool | None = None,
    combinable_with_promotions: bool | None = None,
) -> WalletCoupon:
    """A usable coupon of a wallet: on everything, or on one of ``items``' SKUs, shops or
    categories (``lines``' items when no ``items`` are given) — one of ``scopes`` (of
    :data:`SCOPES`; all of them when None); a benefit of one of ``kinds``; stacking or not,
    combinable with promotions or not (drawn, unless ``stackable`` or
    ``combinable_with_promotions`` says which).

    ``lines`` is the cart the coupon is for, and ``lowest`` the least each line may cost after
    an item promotion (by line id, as :func:`lowest_amounts` finds it; its list amount when
    missing): the :class:`Edge` of the lines in the coupon's scope, which
    :func:`coupon_benefits` draws its amounts at."""
    items = items or tuple(line.item for line in lines)
    scope = draw(sampled_in_order(scopes, SCOPES)) if items else "all"
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
    amounts = [
        (line.unit_price.minor * line.quantity, (lowest or {}).get(line.line_id))
        for line in lines
        if goods.covers(line.item)
    ]
    edge = Edge(
        sum(low if low is not None else amount for amount, low in amounts),
        tuple(amount - low if low is not None else 0 for amount, low in amounts),
    )
    return WalletCoupon(
        coupon_id=draw(
            st.integers(1, 2**64).map(lambda n: uuid.UUID(int=n))
            if coupon_ids is None
            else coupon_ids
        ),
        name="coupon",
        benefit=draw(
            coupon_benefits(max_minor=max_minor, kinds=kinds, edge=edge if amounts else None)
        ),
        goods=goods,
        stackable=draw(st.booleans()) if stackable is None else stackable,
        combinable_with_promotions=(
            draw(st.booleans())
            if combinable_with_promotions is None
            else combinable_with_promotions
        ),
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
def _wallets(
    draw: st.DrawFn,
    cart: Sequence[CartLine],
    lowest: Mapping[str, int],
    max_coupons: int,
    max_minor: int,
    stacked: bool,
) -> tuple[WalletCoupon, ...]:
    """Up to ``max_coupons`` coupons, each its own way; or (half the time, when two fit) a
    stacked wallet: a threshold coupon on a wide scope and 1.. narrower coupons of any kind,
    every one stacking and combining with promotions."""
    count = draw(st.integers(min_value=2 if stacked else 0, max_value=max_coupons))
    items: tuple[ItemFacts, ...] = ()
    if stacked:
        cut = [
            line for line in cart if lowest[line.line_id] < line.unit_price.minor * line.quantity
        ]
        items = (draw(st.sampled_from(cut or list(cart))).item,)
    coupons = []
    for n in range(count):
        wide = stacked and n == 0
        coupons.append(
            draw(
                wallet_coupons(
                    items=items,
                    lines=cart,
                    lowest=lowest,
                    coupon_ids=st.just(uuid.UUID(int=0xC000 + n)),
                    max_minor=max_minor,
                    kinds=[BenefitKind.THRESHOLD]
                    if wide
                    else ([BenefitKind.RATE] if stacked else None),
                    scopes=("all", "shop", "category") if wide else None,
                    stackable=True if stacked else None,
                    combinable_with_promotions=True if stacked else None,
                )
            )
        )
    return tuple(coupons)


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
    stacked = max_coupons >= 2 and draw(st.booleans())
    if stacked:
        kinds = st.one_of(
            flash_prices(CURRENCY, max_minor=max_unit_minor),
            direct_reductions(CURRENCY, max_minor=max_unit_minor),
            percent_offs(),
            special_prices(CURRENCY, max_minor=max_unit_minor),
        )
    else:
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
    coupons = draw(
        _wallets(cart, lowest_amounts(cart, promotions), max_coupons, max(total, 100), stacked)
    )
    return PricingCase(cart, tuple(promotions), coupons)


__all__ = [
    "CATEGORIES",
    "NOW",
    "SCOPES",
    "SHOPS",
    "Edge",
    "PricingCase",
    "coupon_benefits",
    "lowest_amounts",
    "pricing_cases",
    "wallet_coupons",
]
