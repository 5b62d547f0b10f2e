"""Worked examples of what a quote says: coupons (CPN-6..8, PRO-6), gifts (PRO-9), what is
missing (PRO-8), ties (PRO-5) and shares (MON-3)."""

from __future__ import annotations

import uuid

import pytest
from tests.unit.pricing.engine.engine_builders import (
    ANYONE,
    APP,
    AT,
    cny,
    coupon,
    goods,
    line,
    on_shop,
    on_skus,
    promo,
)

from shop_domain.pricing.engine import price
from shop_domain.pricing.engine.wallet import BenefitKind, CouponGoods
from shop_domain.pricing.kinds import (
    DirectReduction,
    GiftPool,
    GiftTier,
    PoolGift,
    ReductionTier,
    ThresholdGift,
    TieredReduction,
)
from shop_domain.pricing.terms import TargetKind
from shop_testing.invariants.quotes import check_quote

TIERS = TieredReduction((ReductionTier(cny("300"), cny("50")),))


@pytest.mark.rule("PRO-8")
def test_an_offer_below_its_threshold_says_what_is_missing() -> None:
    quote = price([line(1, "280")], ANYONE, AT, APP, [promo(1, TIERS, on_shop())])
    (missed,) = quote.not_applied
    assert missed.reason == "promotion.below_threshold"
    assert missed.missing_amount == cny("20")
    assert "20.00" in missed.message


@pytest.mark.rule("PRO-5")
def test_of_two_item_prices_that_save_as_much_the_higher_priority_applies() -> None:
    low = promo(1, DirectReduction(cny("10")), on_skus(1), priority=1)
    high = promo(2, DirectReduction(cny("10")), on_skus(1), priority=5)
    quote = price([line(1, "100")], ANYONE, AT, APP, [low, high])
    assert [a.source_id for a in quote.lines[0].adjustments] == [high.id]


@pytest.mark.rule("PRO-4")
@pytest.mark.rule("MON-3")
def test_a_shop_threshold_is_shared_over_its_lines_by_their_amounts() -> None:
    cart = [line(1, "100"), line(2, "200")]
    quote = price(cart, ANYONE, AT, APP, [promo(1, TIERS, on_shop())])
    shares = [line.adjustments[0].amount for line in quote.lines]
    assert shares == [cny("16.67"), cny("33.33")]
    assert quote.totals.payable == cny("250")
    check_quote(quote)


@pytest.mark.rule("PRO-9")
def test_a_gifts_value_is_shared_over_the_lines_that_earned_it() -> None:
    selfie_stick = uuid.UUID(int=0x5E1F)
    pool = GiftPool((PoolGift(selfie_stick, cny("30")),))
    gift = promo(1, ThresholdGift((GiftTier(cny("300"), pool),)), on_shop())
    quote = price([line(1, "100"), line(2, "200")], ANYONE, AT, APP, [gift])
    (given,) = quote.gifts
    assert given.sku_id == selfie_stick
    assert dict(given.shares) == {"l1": cny("10"), "l2": cny("20")}
    assert quote.totals.gift_value == cny("30")
    assert quote.totals.payable == cny("300")


@pytest.mark.rule("PRO-6")
@pytest.mark.rule("CPN-6")
def test_a_coupon_that_does_not_combine_leaves_out_the_lines_that_took_a_promotion() -> None:
    cart = [line(1, "100"), line(2, "100")]
    cut = promo(1, DirectReduction(cny("10")), on_skus(1))
    apart = coupon(1, value="15", threshold="150", combinable_with_promotions=False)
    quote = price(cart, ANYONE, AT, APP, [cut], [apart])
    # with the cut, its base is line 2 alone (100 < 150); without it, 200 reaches 150: 15 > 10
    assert quote.totals.payable == cny("185")
    assert quote.chosen_coupons == (apart.coupon_id,)
    assert {n.promotion_id: n.reason for n in quote.not_applied}[cut.id] == "pricing.not_chosen"


@pytest.mark.rule("CPN-8")
def test_a_coupon_that_does_not_stack_is_used_alone_and_stackable_ones_combine() -> None:
    cart = [line(1, "300")]
    big = coupon(1, value="40", threshold="300", stackable=False)
    small_a = coupon(2, value="25", threshold="100", stackable=True)
    small_b = coupon(3, value="25", threshold="100", stackable=True)
    quote = price(cart, ANYONE, AT, APP, [], [big, small_a, small_b])
    assert set(quote.chosen_coupons) == {small_a.coupon_id, small_b.coupon_id}
    assert quote.totals.coupon_discount == cny("50")
    verdicts = {v.coupon_id: v for v in quote.coupons}
    assert verdicts[big.coupon_id].usable
    assert not verdicts[big.coupon_id].chosen
    assert verdicts[big.coupon_id].reason == "pricing.not_chosen"


@pytest.mark.rule("CPN-7")
def test_of_two_coupons_that_save_as_much_the_narrower_scope_is_recommended() -> None:
    cart = [line(1, "200")]
    everything = coupon(1, value="20", threshold="100")
    product = coupon(
        2,
        value="20",
        threshold="100",
        goods_keys=CouponGoods(frozenset({(TargetKind.SKU, goods(1).sku_id)}), narrowness=0),
    )
    quote = price(cart, ANYONE, AT, APP, [], [everything, product])
    assert quote.chosen_coupons == (product.coupon_id,)
    assert quote.recommended


@pytest.mark.rule("CPN-7")
def test_a_cash_coupon_worth_more_than_it_takes_off_asks_for_confirmation() -> None:
    cash = coupon(1, BenefitKind.CASH, value="50")
    quote = price([line(1, "30")], ANYONE, AT, APP, [], [cash])
    (verdict,) = quote.coupons
    assert verdict.chosen
    assert verdict.saving == cny("30")
    assert verdict.needs_confirmation
    assert quote.totals.payable == cny("0")


@pytest.mark.rule("CPN-6")
def test_every_coupon_of_the_wallet_says_whether_it_is_usable_and_why() -> None:
    other_shop = uuid.UUID(int=0xEEE)
    below = coupon(1, value="10", threshold="500")
    elsewhere = coupon(
        2,
        BenefitKind.CASH,
        value="5",
        goods_keys=CouponGoods(frozenset({(TargetKind.SHOP, other_shop)}), narrowness=2),
    )
    used = coupon(3, BenefitKind.CASH, value="5", available=False)
    quote = price([line(1, "100")], ANYONE, AT, APP, [], [below, elsewhere, used])
    reasons = {v.coupon_id: (v.usable, v.reason) for v in quote.coupons}
    assert reasons[below.coupon_id] == (False, "coupon.below_threshold")
    assert reasons[elsewhere.coupon_id] == (False, "coupon.out_of_scope")
    assert reasons[used.coupon_id] == (False, "coupon.not_available")
    assert {v.coupon_id: v.missing_amount for v in quote.coupons}[below.coupon_id] == cny("400")
