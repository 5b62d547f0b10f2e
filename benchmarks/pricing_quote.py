"""How fast is a quote of a 50-line cart with 30 coupons among K live promotions?

A world of goods — 500 shops of 40 SKUs, in 4,000 categories — holds K active promotions
with realistic targeting and no PRO-3 clash: most on one to three SKUs (item prices) or on a
category (multi-buys), one threshold per shop (满减, 每满减, 满折, 满赠, 换购), and one
platform-wide order threshold. The cart takes 10 lines from each of 5 shops, so each line
meets several promotions across the levels (an item price, a multi-buy, its shop's
threshold, the platform's) and the wallet's 30 coupons (shop, category and platform
coupons, most stackable, some not combinable with promotions).

Ours: the live index's candidates for the cart's items, then ``price`` — the proven-best
combination, explained. Baseline (same run, same data): a naive evaluator that tests every
promotion against every line and applies the applicable ones greedily by priority, then the
coupon that saves most. Prints p50/p99 per K, the ratio baseline/ours at the largest K, whether
every quote was proven best, and the live index's memory.

    .venv/bin/python benchmarks/pricing_quote.py [--quotes N] [--ks 10,100,1000,10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import gc
import random
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Sequence

from shop_domain.pricing.engine import CartLine, CouponBenefit, CouponGoods, WalletCoupon, price
from shop_domain.pricing.engine.plan import LEVELS
from shop_domain.pricing.engine.wallet import PLATFORM, BenefitKind
from shop_domain.pricing.kinds import (
    AddOnItem,
    AddOnPurchase,
    DirectReduction,
    DiscountTier,
    FlashPrice,
    MultiBuyPrice,
    MultiBuyRate,
    PercentOff,
    PerEachReduction,
    ReductionTier,
    SpecialPrice,
    ThresholdDiscount,
    TieredReduction,
)
from shop_domain.pricing.kinds.base import Applied, Context, PriceCut, Reduction
from shop_domain.pricing.lines import ItemFacts, Line
from shop_domain.pricing.live import PromotionIndex
from shop_domain.pricing.promotion import Promotion, PromotionDefinition, PromotionStatus
from shop_domain.pricing.terms import Channel, CustomerFacts, TargetKind, Targets, Window
from shop_domain.shared.money import Money

AT = dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC)
WINDOW = Window(AT - dt.timedelta(days=3), AT + dt.timedelta(days=3))
SHOPS, SKUS_PER_SHOP, CATEGORIES = 500, 40, 4000
CART_SHOPS, LINES_PER_SHOP, COUPONS = 5, 10, 30


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def rate(value: str) -> decimal.Decimal:
    return decimal.Decimal(value)


class World:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.shops = [uuid.UUID(int=0x10_0000 + s) for s in range(SHOPS)]
        self.items: list[ItemFacts] = []
        self.prices: dict[uuid.UUID, int] = {}
        for s, shop in enumerate(self.shops):
            for k in range(SKUS_PER_SHOP):
                n = s * SKUS_PER_SHOP + k
                item = ItemFacts(
                    sku_id=uuid.UUID(int=0x20_0000 + n),
                    spu_id=uuid.UUID(int=0x30_0000 + n),
                    shop_id=shop,
                    category_ids=(uuid.UUID(int=0x40_0000 + self.random.randrange(CATEGORIES)),),
                )
                self.items.append(item)
                self.prices[item.sku_id] = self.random.randrange(2_000, 60_000)

    def promotions(self, k: int) -> list[Promotion]:
        """K promotions: one platform order threshold, one threshold per shop (the cart's shops
        first), multi-buys on categories, item prices on SKUs (the cart's among the first)."""
        rnd = random.Random(k)
        made: list[Promotion] = []

        def add(kind: object, targets: Targets, priority: int = 0) -> None:
            n = len(made)
            made.append(
                Promotion(
                    id=uuid.UUID(int=0xF0_0000 + n),
                    definition=PromotionDefinition(
                        name=f"promotion {n}",
                        kind=kind,  # type: ignore[arg-type]
                        window=WINDOW,
                        targets=targets,
                        priority=priority,
                    ),
                    status=PromotionStatus.SCHEDULED,
                    created_at=AT - dt.timedelta(days=5, seconds=n),
                    created_by="bench",
                )
            )

        add(
            TieredReduction(
                (
                    ReductionTier(cny(100_000), cny(8_000)),
                    ReductionTier(cny(300_000), cny(30_000)),
                    ReductionTier(cny(600_000), cny(70_000)),
                )
            ),
            Targets(),
        )
        shops = max(1, min(SHOPS, k // 10))
        for s in range(shops):
            add(self._shop_kind(rnd, s), Targets(TargetKind.SHOP, frozenset({self.shops[s]})))
        categories = sorted({item.category_ids[0] for item in self.items[: CART_SHOPS * 40]})
        multi = min(len(categories) + CATEGORIES, max(0, (k - len(made)) // 5))
        extra = [uuid.UUID(int=0x40_0000 + c) for c in range(CATEGORIES)]
        pool = [*categories[: len(categories) // 2], *[c for c in extra if c not in categories]]
        for category in pool[:multi]:
            kind = (
                MultiBuyRate(count=3, rate=rate("0.85"))
                if rnd.random() < 0.5
                else MultiBuyPrice(count=2, price=cny(rnd.randrange(5_000, 40_000)))
            )
            add(kind, Targets(TargetKind.CATEGORY, frozenset({category})))
        skus = [item.sku_id for item in self.items]
        next_sku = 0
        while len(made) < k and next_sku < len(skus):
            size = rnd.choice((1, 1, 2, 3))
            chosen = frozenset(skus[next_sku : next_sku + size])
            next_sku += size + rnd.choice((0, 0, 1))  # some SKUs have no item price
            base = min(self.prices[s] for s in chosen)
            kind = rnd.choice(
                (
                    DirectReduction(cny(rnd.randrange(100, max(101, base // 5)))),
                    PercentOff(rate(rnd.choice(("0.9", "0.85", "0.8", "0.95")))),
                    FlashPrice(cny(base * rnd.randrange(70, 95) // 100)),
                    SpecialPrice(cny(base * rnd.randrange(75, 98) // 100)),
                )
            )
            add(kind, Targets(TargetKind.SKU, chosen), priority=rnd.randrange(3))
        return made[:k]

    @staticmethod
    def _shop_kind(rnd: random.Random, s: int) -> object:
        choice = s % 5
        if choice == 0:
            return TieredReduction(
                (ReductionTier(cny(30_000), cny(3_000)), ReductionTier(cny(100_000), cny(12_000)))
            )
        if choice == 1:
            return PerEachReduction(step=cny(20_000), reduction=cny(2_000), cap=cny(20_000))
        if choice == 2:
            return ThresholdDiscount((DiscountTier(cny(50_000), rate("0.9")),), cap=cny(15_000))
        if choice == 3:
            return TieredReduction((ReductionTier(cny(80_000), cny(10_000)),))
        return AddOnPurchase(cny(40_000), (AddOnItem(uuid.UUID(int=0xADD), cny(100)),))

    def cart(self) -> list[CartLine]:
        lines = []
        for s in range(CART_SHOPS):
            items = self.items[s * SKUS_PER_SHOP : (s + 1) * SKUS_PER_SHOP]
            for item in self.random.sample(items, LINES_PER_SHOP):
                lines.append(
                    CartLine(
                        line_id=f"l{len(lines) + 1}",
                        item=item,
                        quantity=self.random.choice((1, 1, 1, 2, 3)),
                        unit_price=cny(self.prices[item.sku_id]),
                    )
                )
        return lines

    def wallet(self, cart: Sequence[CartLine]) -> list[WalletCoupon]:
        coupons = []
        for n in range(COUPONS):
            shape = n % 6
            line = cart[(n * 7) % len(cart)]
            if shape in (0, 1, 2):  # a shop's 满减, stacking with the platform's
                goods = CouponGoods(frozenset({(TargetKind.SHOP, line.item.shop_id)}), narrowness=2)
                threshold = self.random.choice((20_000, 50_000, 100_000))
                benefit = CouponBenefit(
                    BenefitKind.THRESHOLD, value=cny(threshold // 10), threshold=cny(threshold)
                )
            elif shape == 3:  # a category's 9折, capped
                goods = CouponGoods(
                    frozenset({(TargetKind.CATEGORY, line.item.category_ids[0])}), narrowness=1
                )
                benefit = CouponBenefit(BenefitKind.RATE, rate=rate("0.9"), cap=cny(5_000))
            else:  # the platform's
                goods = CouponGoods(frozenset({PLATFORM}))
                benefit = CouponBenefit(
                    BenefitKind.THRESHOLD, value=cny(5_000 * (n % 4 + 1)), threshold=cny(200_000)
                )
            coupons.append(
                WalletCoupon(
                    coupon_id=uuid.UUID(int=0xC0_0000 + n),
                    name=f"coupon {n}",
                    benefit=benefit,
                    goods=goods,
                    stackable=shape != 5,
                    combinable_with_promotions=n % 10 != 9,
                )
            )
        return coupons


def naive(
    cart: Sequence[CartLine], promotions: Sequence[Promotion], coupons: Sequence[WalletCoupon]
) -> int:
    """Every promotion against every line, applied greedily by priority; then the best coupon."""
    context = Context("CNY")
    amounts = {line.line_id: line.unit_price.minor * line.quantity for line in cart}
    units = {line.line_id: line.unit_price.minor for line in cart}
    for level in LEVELS:
        taken: set[str] = set()
        ranked = sorted(promotions, key=lambda p: p.rank())
        for promotion in ranked:
            definition = promotion.definition
            if promotion.level is not level or not promotion.is_active(AT):
                continue
            if Channel.APP not in definition.channels or not definition.audience.admits(
                CustomerFacts()
            ):
                continue
            lines = [
                Line(
                    line.line_id,
                    line.item,
                    line.quantity,
                    cny(units[line.line_id]),
                    cny(amounts[line.line_id]),
                )
                for line in cart
                if line.line_id not in taken and definition.targets.covers(line.item)
            ]
            if not lines:
                continue
            outcome = definition.kind.evaluate(lines, context)
            if not isinstance(outcome, Applied):
                continue
            for effect in outcome.effects:
                if isinstance(effect, PriceCut):
                    for line_id, unit in effect.unit_prices.items():
                        units[line_id] = unit.minor
                        amounts[line_id] = unit.minor * next(
                            c.quantity for c in cart if c.line_id == line_id
                        )
                elif isinstance(effect, Reduction):
                    share = effect.amount.minor // len(effect.line_ids)
                    for line_id in effect.line_ids:
                        amounts[line_id] -= min(share, amounts[line_id])
            taken.update(line.line_id for line in lines)
    best = 0
    for coupon in coupons:
        base = sum(amounts[line.line_id] for line in cart if coupon.goods.covers(line.item))
        best = max(best, coupon.benefit.discount_minor(base))
    return sum(amounts.values()) - best


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quotes", type=int, default=200)
    parser.add_argument("--baseline-quotes", type=int, default=10)
    parser.add_argument("--ks", default="10,100,1000,10000")
    args = parser.parse_args()
    world = World(seed=7)
    print(
        f"parameters: {CART_SHOPS * LINES_PER_SHOP} lines over {CART_SHOPS} shops, "
        f"{COUPONS} coupons, quotes {args.quotes}"
    )
    for k in (int(v) for v in args.ks.split(",")):
        promotions = world.promotions(k)
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        index = PromotionIndex(promotions)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        # as the runtime does once started: what lives as long as the process (the index)
        # is kept out of the collector's full passes
        gc.collect()
        gc.freeze()
        memory = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
        carts = [world.cart() for _ in range(20)]
        wallets = [world.wallet(cart) for cart in carts]
        times, proven, explored = [], 0, []
        for n in range(args.quotes + 5):
            cart, wallet = carts[n % len(carts)], wallets[n % len(carts)]
            started = time.perf_counter()
            found = index.candidates([line.item for line in cart], AT, Channel.APP)
            quote = price(cart, CustomerFacts(), AT, Channel.APP, found, wallet)
            elapsed = time.perf_counter() - started
            if n >= 5:
                times.append(elapsed * 1000)
                proven += quote.proven_best
                explored.append(quote.explored)
        base_times = []
        for n in range(args.baseline_quotes):
            cart, wallet = carts[n % len(carts)], wallets[n % len(carts)]
            started = time.perf_counter()
            naive(cart, promotions, wallet)
            base_times.append((time.perf_counter() - started) * 1000)
        p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
        b50 = percentile(base_times, 0.5)
        print(
            f"K={k}: library p50 {p50:.2f} ms, p99 {p99:.2f} ms; proven best {proven}/{len(times)}"
            f" (nodes p50 {statistics.median(explored):.0f}, max {max(explored)});"
            f" naive p50 {b50:.2f} ms; ratio naive/ours {b50 / p50:.1f}x;"
            f" live index {memory / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    main()
