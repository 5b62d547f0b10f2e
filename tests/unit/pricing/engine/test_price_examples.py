"""Worked examples of the engine: the best combination, not the greedy one (PRO-4..6)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.unit.pricing.engine.engine_builders import (
    ANYONE,
    APP,
    AT,
    CATEGORY,
    SHOP_B,
    cny,
    coupon,
    goods,
    line,
    on_shop,
    on_skus,
    promo,
)

from shop_domain.pricing.engine import Choices, CouponGoods, InvalidChoice, price
from shop_domain.pricing.engine.wallet import BenefitKind
from shop_domain.pricing.kinds import (
    AddPriceGift,
    DirectReduction,
    FlashPrice,
    PerEachReduction,
    ReductionTier,
    TieredReduction,
)
from shop_domain.pricing.promotion import Level
from shop_domain.pricing.terms import TargetKind
from shop_testing.invariants.quotes import check_quote


@pytest.mark.rule("PRO-4")
def test_an_item_cut_that_would_lose_a_shop_threshold_is_left_out() -> None:
    cart = [line(1, "310")]
    cut = promo(1, DirectReduction(cny("20")), on_skus(1))
    tiers = promo(
        2,
        TieredReduction(
            (ReductionTier(cny("100"), cny("10")), ReductionTier(cny("300"), cny("50")))
        ),
        on_shop(),
    )
    quote = price(cart, ANYONE, AT, APP, [cut, tiers])
    # greedy: 310 - 20 = 290, 满100减10 → 280. Best: skip the cut, 满300减50 → 260
    assert quote.totals.payable == cny("260")
    assert quote.proven_best
    assert [a.source_id for a in quote.lines[0].adjustments] == [tiers.id]
    reasons = {n.promotion_id: n.reason for n in quote.not_applied}
    assert reasons[cut.id] == "pricing.not_chosen"


@pytest.mark.rule("CPN-8")
def test_a_cut_left_out_for_a_coupon_threshold_even_when_a_rate_coupon_gives_some_back() -> None:
    """Without its cut, line 2 costs 1000 more; the 9折 coupon on it gives 100 of that back, and
    the shop's 满4500减950 is reached: 950 for a raise of 900 net. A bound that counted the
    raise in full against the coupons' jumps (950 < 1000) cut this plan and claimed proof."""
    cart = [line(1, "3"), line(2, "50"), line(3, "1")]
    small = promo(1, DirectReduction(cny("0.50")), on_skus(1))
    cut = promo(2, DirectReduction(cny("10")), on_skus(2))
    shop = coupon(1, value="9.50", threshold="45", stackable=True, goods_keys=_shop_goods())
    rate = coupon(
        2,
        BenefitKind.RATE,
        rate="0.9",
        cap="1000",
        stackable=True,
        goods_keys=CouponGoods(frozenset({(TargetKind.SKU, cart[1].item.sku_id)}), narrowness=0),
    )
    quote = price(cart, ANYONE, AT, APP, [small, cut], [shop, rate])
    # with the cut: 2.50 + 40 - 4 (9折) + 1 = 39.50; without: 2.50 + 50 - 5 + 1 = 48.50 ≥ 45,
    # so 满45减9.50 → 39.00
    assert quote.totals.payable == cny("39.00")
    assert quote.proven_best
    assert set(quote.chosen_coupons) == {shop.coupon_id, rate.coupon_id}
    check_quote(quote)


@pytest.mark.rule("CPN-8")
def test_a_coupon_that_adds_nothing_to_one_set_may_still_complete_a_better_one() -> None:
    """After a flash price the cart costs 0.05. The 满0.01 5折 coupon alone takes 0.03 (2.5
    rounds up); with 满0.02减0.01 before it, still 0.03 in all (4 → 2), so a search that drops
    a coupon adding nothing there never tries all three: 5 → 4 → 3 (5折, cap 0.01) → 1."""
    cart = [line(1, "0.01"), line(2, "0.01"), line(3, "0.01"), line(4, "0.02", 2)]
    flash = promo(1, FlashPrice(cny("0.01")), on_shop())
    wallet = [
        coupon(0, value="0.01", threshold="0.02", stackable=True),
        coupon(1, BenefitKind.RATE, rate="0.5", cap="0.01", stackable=True),
        coupon(2, BenefitKind.RATE, rate="0.5", threshold="0.01", stackable=True),
    ]
    quote = price(cart, ANYONE, AT, APP, [flash], wallet)
    assert quote.totals.payable == cny("0.01")
    assert quote.proven_best
    assert quote.chosen_coupons == tuple(c.coupon_id for c in wallet)
    check_quote(quote)


@pytest.mark.rule("CPN-8")
@pytest.mark.rule("MON-3")
def test_a_later_coupon_reads_how_an_earlier_one_was_split_over_its_lines() -> None:
    """The category's 满200减30 covers both shops' lines and takes 15 off each; shop A's
    满85减20 is then measured on line 1's 85 and still applies. (The search splits a coupon
    over its lines only where a later coupon reads the split; here one does.)"""
    cart = [line(1, "100"), line(2, "100", shop=SHOP_B)]
    category = CouponGoods(frozenset({(TargetKind.CATEGORY, CATEGORY)}), narrowness=1)
    wallet = [
        coupon(1, value="30", threshold="200", goods_keys=category, stackable=True),
        coupon(2, value="20", threshold="85", goods_keys=_shop_goods(), stackable=True),
    ]
    quote = price(cart, ANYONE, AT, APP, [], wallet)
    assert quote.totals.payable == cny("150")
    assert quote.proven_best
    assert quote.chosen_coupons == tuple(c.coupon_id for c in wallet)
    assert [a.amount for a in quote.lines[0].adjustments] == [cny("15"), cny("20")]
    check_quote(quote)


def _shop_goods() -> CouponGoods:
    return CouponGoods(frozenset({(TargetKind.SHOP, line(1, "1").item.shop_id)}), narrowness=2)


@pytest.mark.rule("PRO-6")
def test_a_line_may_stay_out_of_every_promotion_for_a_coupon_that_does_not_combine() -> None:
    """Two order thresholds on everything; the line of 2 units parks in the one that needs 3
    items (which then does not apply), so it took no promotion and the coupon that does not
    combine with promotions is measured on it; the other lines take 0.01 off."""
    cart = [line(1, "0.01"), line(2, "0.01"), line(3, "0.01"), line(4, "72.97", 2)]
    by_count = promo(1, TieredReduction((ReductionTier(3, cny("0.01")),)))
    by_amount = promo(2, TieredReduction((ReductionTier(cny("0.02"), cny("0.01")),)))
    alone = coupon(
        1, value="26.26", threshold="26.26", combinable_with_promotions=False, stackable=False
    )
    quote = price(cart, ANYONE, AT, APP, [by_count, by_amount], [alone])
    assert quote.proven_best
    assert quote.totals.list_total - quote.totals.payable == cny("26.27")
    assert quote.chosen_coupons == (alone.coupon_id,)
    check_quote(quote)


@pytest.mark.rule("PRO-5")
def test_a_pick_of_gifts_from_a_promotion_without_a_pool_is_refused() -> None:
    cut = promo(1, DirectReduction(cny("20")), on_skus(1))
    with pytest.raises(InvalidChoice) as refused:
        price([line(1, "100")], ANYONE, AT, APP, [cut], choices=Choices(gifts={cut.id: {}}))
    assert refused.value.code == "pricing.invalid_choice"


@pytest.mark.rule("PRO-5")
def test_a_pick_of_a_promotion_that_does_not_fit_the_line_is_refused() -> None:
    cut = promo(1, DirectReduction(cny("20")), on_skus(1))
    picks = Choices(promotions={("l2", Level.ITEM): cut.id})
    with pytest.raises(InvalidChoice):
        price([line(1, "100"), line(2, "100")], ANYONE, AT, APP, [cut], choices=picks)


@pytest.mark.rule("PRO-5")
def test_the_customers_pick_binds_the_search() -> None:
    cart = [line(1, "310")]
    cut = promo(1, DirectReduction(cny("20")), on_skus(1))
    tiers = promo(2, TieredReduction((ReductionTier(cny("300"), cny("50")),)), on_shop())
    picked = Choices(promotions={("l1", Level.ITEM): cut.id})
    quote = price(cart, ANYONE, AT, APP, [cut, tiers], choices=picked)
    assert quote.totals.payable == cny("290")  # the cut, and 290 misses 满300减50
    assert {n.promotion_id: n.missing_amount for n in quote.not_applied}[tiers.id] == cny("10")


@pytest.mark.rule("PRO-5")
@pytest.mark.rule("CPN-8")
def test_a_reduction_whose_line_another_promotion_may_take_never_lowers_that_lines_coupon() -> None:
    """Found by the exhaustive comparison. At the order level line 2 may take the add-price
    gift instead of 每满0.02减0.01, so the reduction lands on line 1 alone and the 0.24 coupon on
    line 2 keeps all of it: 62 saved with 0.06 of gifts. A bound that took the reduction to
    share line 2 (a kind that takes every line it is given — but it is not given line 2) read
    61 at most and cut that plan, keeping one with fewer gifts."""
    cart = [line(0, "0.05", 2), line(1, "0.56")]
    gift = AddPriceGift(
        threshold=cny("0.01"),
        sku_id=goods(9).sku_id,
        price=cny("0.01"),
        value=cny("0.02"),
        quantity=1,
    )
    promotions = [
        promo(0, gift, on_skus(0)),
        promo(1, FlashPrice(cny("0.24")), on_shop()),
        promo(2, DirectReduction(cny("0.01")), on_skus(0)),
        promo(3, FlashPrice(cny("0.01")), on_shop(SHOP_B)),
        promo(4, PerEachReduction(cny("0.02"), cny("0.01"), cap=cny("0.04"))),
        promo(5, gift),
        promo(6, gift, on_shop()),
    ]
    for n, promotion in enumerate(promotions):  # the later the number, the older
        promotion.created_at = AT - dt.timedelta(days=2, minutes=n)
    only_line_2 = CouponGoods(frozenset({(TargetKind.SKU, cart[1].item.sku_id)}), narrowness=0)
    wallet = [coupon(1, BenefitKind.CASH, value="0.24", goods_keys=only_line_2)]
    quote = price(cart, ANYONE, AT, APP, promotions, wallet)
    assert quote.totals.list_total.minor - quote.totals.payable.minor == 62
    assert quote.totals.gift_value == cny("0.06")
    assert quote.proven_best
    check_quote(quote)
