"""ORD-2: for random carts, wallets and promotions (the kit's pricing cases), with points, an
order made from the quote — split by shop, shipping and gift cards allocated — carries exactly
the quote's amounts: goods, each discount by source, the points used, and the payable plus
shipping; every line pays what its quote line pays."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop_app.ordering.checkout import priced_lines
from shop_app.ordering.ports import SkuFacts
from shop_domain.ordering.lines import GoodsKind
from shop_domain.ordering.order import Order
from shop_domain.ordering.split import plan_children
from shop_domain.pricing.engine import Choices, PointsOffer, price
from shop_domain.shared.money import Money
from shop_testing.invariants.orders import check_order_amounts
from shop_testing.strategies.pricing_cases import PricingCase, pricing_cases

HOUSE = uuid.UUID(int=0x4001)


def _facts(case: PricingCase, quote_skus: set[uuid.UUID]) -> dict[uuid.UUID, SkuFacts]:
    shops = {line.item.sku_id: line.item.shop_id for line in case.cart}
    return {
        sku: SkuFacts(
            sku_id=sku,
            spu_id=sku,
            shop_id=shops.get(sku, uuid.UUID(int=0xA1)),
            kind=GoodsKind.PHYSICAL,
            name=str(sku),
            attributes={},
            weight_g=100,
            freight_template_id=None,
        )
        for sku in quote_skus
    }


@pytest.mark.rule("ORD-2")
@pytest.mark.rule("MON-3")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pricing_cases(max_lines=4, max_promotions=4, max_coupons=3), st.data())
def test_an_orders_amounts_are_its_quotes(case: PricingCase, data: st.DataObject) -> None:
    args = (case.cart, case.customer, case.at, case.channel, case.promotions, case.coupons)
    offer = PointsOffer(available=data.draw(st.integers(0, 100_000), label="points held"))
    most = price(*args, offer, budget=10**6).max_points
    points = data.draw(st.integers(0, most), label="points used")
    quote = price(*args, offer, Choices(points=points), budget=10**6)
    skus = {line.sku_id for line in quote.lines} | {gift.sku_id for gift in quote.gifts}
    lines = priced_lines(quote, _facts(case, skus), dict.fromkeys(skus, HOUSE))
    currency = quote.currency
    shops = sorted({line.facts.shop_id for line in lines})
    shipping = {
        shop: Money(data.draw(st.integers(0, 2_000), label="shipping"), currency) for shop in shops
    }
    payable = sum((ln.amounts.payable for ln in lines), Money.zero(currency))
    payable += sum(shipping.values(), Money.zero(currency))
    cards = Money(data.draw(st.integers(0, payable.minor), label="gift cards"), currency)
    plan = plan_children(
        lines, shipping=shipping, gift_card=cards, value_limit=Money(10**9, currency)
    )
    ids = (uuid.UUID(int=n) for n in itertools.count(1000))
    order = Order.submit(
        id=uuid.UUID(int=1),
        number="2604020000000001",
        user_id=uuid.UUID(int=2),
        member_level=None,
        channel="app",
        address={"region": "310104"},
        breakdown=[],
        card_ids=[],
        plan=plan,
        ids=[next(ids) for _ in range(len(plan) + len(lines))],
        now=case.at,
        expires_at=case.at + dt.timedelta(minutes=30),
    )
    totals = quote.totals
    add_price = sum(
        ((g.price or Money.zero(currency)) * g.quantity for g in quote.gifts), Money.zero(currency)
    )
    assert order.goods == totals.list_total + add_price
    assert order.promotion == totals.promotion_discount
    assert order.coupon == totals.coupon_discount
    assert order.points == totals.points_discount
    assert order.points_used == totals.points_used == points
    assert order.shipping == sum(shipping.values(), Money.zero(currency))
    assert order.gift_card == cards
    assert order.payable == totals.payable + add_price + order.shipping
    by_line = {line.line_id: line for line in order.lines}
    for quoted in quote.lines:
        ordered = by_line[quoted.line_id]
        assert ordered.goods - ordered.promotion - ordered.coupon - ordered.points == (
            quoted.final_amount
        )
    check_order_amounts(order)
