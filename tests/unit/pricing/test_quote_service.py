"""QuoteService on a ``memory://`` runtime: a real catalog, promotions scheduled and coupons
claimed through their commands, priced by the engine from the catalog's prices, the live index,
the customer's facts and wallet (issue 12, item 8)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from tests.unit.pricing.quote_support import (
    APRIL_2,
    OTHER_USER,
    USER,
    Catalog,
    build_catalog,
    cash_coupon,
    claimed,
    cny,
    direct,
    on_shop,
    quote_settings,
    scheduled,
    shop_threshold,
    threshold_coupon,
)

from shop_adapters.shared.system import FixedClock
from shop_app.coupons import commands as cc
from shop_app.loyalty.membership import OrderCompleted
from shop_app.pricing.customers import CustomerFactsSource
from shop_app.pricing.quoting import QuoteItem, QuoteRequest, QuoteService
from shop_app.shared.messagebus import MessageBus
from shop_domain.coupons.terms import Channel as CouponChannel
from shop_domain.pricing.engine import Quote, Source
from shop_domain.pricing.promotion import Level
from shop_domain.pricing.terms import Audience, AudienceKind, Channel, CustomerFacts
from shop_domain.shared.errors import DomainError
from shop_testing.harness import MemoryShop, memory_shop


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    shop = memory_shop(quote_settings(), clock=FixedClock(APRIL_2))
    yield shop
    await shop.close()


@pytest.fixture
def bus(shop: MemoryShop) -> MessageBus:
    return shop.runtime.bus


@pytest.fixture
async def goods(shop: MemoryShop, bus: MessageBus) -> Catalog:
    return await build_catalog(bus, shop)


@pytest.fixture
def quotes(shop: MemoryShop) -> QuoteService:
    return shop.runtime.get(QuoteService)  # type: ignore[no-any-return]


def cart(goods: Catalog, **options: object) -> QuoteRequest:
    """Two phones (240.00) and a laptop (200.00) of ``SHOP``."""
    items = (QuoteItem(goods.phone_sku, 2, line_id="phones"), QuoteItem(goods.laptop_sku, 1))
    return QuoteRequest(items=items, **options)  # type: ignore[arg-type]


async def quote(
    quotes: QuoteService, request: QuoteRequest, user: uuid.UUID | None = USER
) -> Quote:
    return await quotes.quote(request, None if user is None else str(user), Channel.APP, APRIL_2)


async def refusal(
    quotes: QuoteService, request: QuoteRequest, user: uuid.UUID | None = USER
) -> DomainError:
    with pytest.raises(DomainError) as refused:
        await quote(quotes, request, user)
    return refused.value


def offs(result: Quote, line_id: str) -> list[tuple[str, str, str]]:
    [line] = [line for line in result.lines if line.line_id == line_id]
    return [(a.source.value, a.level, str(a.amount.amount)) for a in line.adjustments]


# --- the worked example (PRO-8, CPN-7) ---------------------------------------------------------


@pytest.mark.rule("PRO-8")
@pytest.mark.rule("CPN-7")
async def test_a_cart_is_priced_from_the_catalog_the_live_promotions_and_the_wallet(
    bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    cut = await scheduled(bus, direct(goods.phone_sku))
    reduction = await scheduled(bus, shop_threshold())
    coupon = await claimed(bus, threshold_coupon())
    result = await quote(quotes, cart(goods))
    # 440.00 − 2 × 10.00 (直降) − 50.00 (满300减50 on 420.00) − 20.00 (满100减20) = 350.00
    assert result.totals.list_total == cny("440")
    assert result.totals.promotion_discount == cny("70")
    assert result.totals.coupon_discount == cny("20")
    assert result.totals.payable == cny("350")
    [phones, laptop] = result.lines
    assert (phones.line_id, phones.list_unit_price, phones.list_amount) == (
        "phones",
        cny("120"),
        cny("240"),
    )
    assert laptop.line_id == "line-2"
    assert [(a.source, a.source_id) for a in phones.adjustments] == [
        (Source.PROMOTION, cut),
        (Source.PROMOTION, reduction),
        (Source.COUPON, coupon),
    ]
    # the order-level amounts are split by MON-3: 50.00 over 220.00 and 200.00
    assert offs(result, "phones") == [
        ("promotion", "item", "20.00"),
        ("promotion", "shop", "26.19"),
        ("coupon", "coupon", "10.48"),
    ]
    assert offs(result, "line-2") == [("promotion", "shop", "23.81"), ("coupon", "coupon", "9.52")]
    assert sum(line.final_amount.minor for line in result.lines) == 35000
    [verdict] = result.coupons
    assert (verdict.coupon_id, verdict.usable, verdict.chosen) == (coupon, True, True)
    assert result.chosen_coupons == (coupon,)
    assert result.recommended
    assert result.proven_best


@pytest.mark.rule("PRO-8")
async def test_a_guest_gets_the_promotions_and_no_wallet(
    bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    await scheduled(bus, shop_threshold())
    await claimed(bus, threshold_coupon())
    result = await quote(quotes, cart(goods), user=None)
    assert result.totals.payable == cny("390")
    assert result.coupons == ()
    assert result.chosen_coupons == ()


@pytest.mark.rule("PRO-8")
async def test_an_offer_out_of_reach_says_what_is_missing(
    bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    promotion = await scheduled(bus, shop_threshold())
    small = QuoteRequest(items=(QuoteItem(goods.phone_sku, 2),))
    [missed] = (await quote(quotes, small)).not_applied
    assert missed.promotion_id == promotion
    assert missed.missing_amount == cny("60")  # 240.00 of 300.00


# --- the wallet (CPN-6, CPN-8, PRO-6) ----------------------------------------------------------


@pytest.mark.rule("CPN-6")
async def test_another_users_coupon_is_refused_and_nothing_is_priced(
    bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    theirs = await claimed(bus, threshold_coupon(), user_id=OTHER_USER)
    mine = await claimed(bus, threshold_coupon(name="mine"))
    error = await refusal(quotes, cart(goods, coupons=frozenset({theirs})))
    assert error.code == "pricing.coupon_not_usable"
    assert error.details == {"coupon_id": str(theirs)}
    assert (await refusal(quotes, cart(goods, coupons=frozenset({mine})), None)).code == (
        "pricing.coupon_not_usable"
    )
    chosen = await quote(quotes, cart(goods, coupons=frozenset({mine})))
    assert chosen.chosen_coupons == (mine,)
    assert not chosen.recommended


@pytest.mark.rule("CPN-6")
async def test_locked_and_out_of_scope_coupons_are_listed_as_not_usable_with_their_reason(
    bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    locked = await claimed(bus, cash_coupon(name="locked"))
    await bus.handle(cc.LockCoupons(order_id=uuid.uuid4(), user_id=USER, coupon_ids=(locked,)))
    elsewhere = await claimed(bus, cash_coupon(name="other shop", scope=on_shop(uuid.uuid4())))
    web_only = await claimed(bus, cash_coupon(name="web", channels=frozenset({CouponChannel.WEB})))
    far = await claimed(bus, threshold_coupon("50", "1000", name="满1000减50"))
    verdicts = {v.coupon_id: v for v in (await quote(quotes, cart(goods))).coupons}
    assert {k: (v.usable, v.reason) for k, v in verdicts.items()} == {
        locked: (False, "coupon.not_available"),
        elsewhere: (False, "coupon.out_of_scope"),
        web_only: (False, "coupon.wrong_channel"),
        far: (False, "coupon.below_threshold"),
    }
    assert verdicts[far].missing_amount == cny("560")


@pytest.mark.rule("CPN-6")
async def test_an_expired_coupon_is_listed_as_not_available(
    shop: MemoryShop, bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    coupon = await claimed(bus, cash_coupon())
    later = APRIL_2 + dt.timedelta(days=31)
    shop.clock.current = later
    result = await quotes.quote(cart(goods), str(USER), Channel.APP, later)
    [verdict] = result.coupons
    assert (verdict.coupon_id, verdict.usable, verdict.reason) == (
        coupon,
        False,
        "coupon.not_available",
    )


@pytest.mark.rule("CPN-8")
async def test_two_coupons_that_do_not_stack_are_refused_together(
    bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    first = await claimed(bus, cash_coupon(name="first"))
    second = await claimed(bus, cash_coupon(name="second", stackable=True))
    error = await refusal(quotes, cart(goods, coupons=frozenset({first, second})))
    assert error.code == "pricing.coupons_not_stackable"
    third = await claimed(bus, cash_coupon(name="third", stackable=True))
    both = await quote(quotes, cart(goods, coupons=frozenset({second, third})))
    assert both.totals.coupon_discount == cny("10")


@pytest.mark.rule("PRO-6")
async def test_a_coupon_not_combinable_with_promotions_leaves_promoted_lines_out(
    bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    cut = await scheduled(bus, direct(goods.phone_sku))
    coupon = await claimed(
        bus, threshold_coupon("30", "200", name="alone", combinable_with_promotions=False)
    )
    result = await quote(quotes, cart(goods))
    [verdict] = result.coupons
    # its base is the laptop alone (200.00): the phones took 直降
    assert (verdict.coupon_id, verdict.usable, verdict.saving) == (coupon, True, cny("30"))
    assert offs(result, "line-2") == [("coupon", "coupon", "30.00")]
    assert result.totals.payable == cny("390")
    # on the phones alone the best is the coupon without 直降: 240.00 − 30.00 < 240.00 − 20.00
    phones_only = QuoteRequest(items=(QuoteItem(goods.phone_sku, 2),))
    alone = await quote(quotes, phones_only)
    assert alone.totals.payable == cny("210")
    assert alone.chosen_coupons == (coupon,)
    assert [(n.promotion_id, n.reason) for n in alone.not_applied] == [(cut, "pricing.not_chosen")]
    picked = await quote(
        quotes,
        QuoteRequest(items=phones_only.items, promotion_picks={("line-1", Level.ITEM): cut}),
    )
    [refused] = picked.coupons
    assert (refused.usable, refused.reason) == (False, "coupon.not_combinable")
    assert picked.totals.payable == cny("220")


# --- the customer (PRO-2's audiences) ----------------------------------------------------------


@pytest.mark.rule("PRO-8")
async def test_a_members_promotion_applies_to_members_only(
    shop: MemoryShop, bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    members = Audience(AudienceKind.MEMBER_LEVEL, min_level=2)
    await scheduled(bus, direct(goods.laptop_sku, "40", audience=members))
    facts = shop.runtime.get(CustomerFactsSource)
    await facts.put(str(USER), CustomerFacts(member_level=2), APRIL_2)
    assert (await quote(quotes, cart(goods))).totals.payable == cny("400")
    assert (await quote(quotes, cart(goods), OTHER_USER)).totals.payable == cny("440")
    assert (await quote(quotes, cart(goods), None)).totals.payable == cny("440")


@pytest.mark.rule("MEM-1")
async def test_a_member_whose_growth_reached_the_level_gets_the_members_promotion(
    bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    members = Audience(AudienceKind.MEMBER_LEVEL, min_level=2)
    await scheduled(bus, direct(goods.laptop_sku, "40", audience=members))
    assert (await quote(quotes, cart(goods))).totals.payable == cny("440")
    await bus.handle(OrderCompleted(user_id=USER, order_id=uuid.uuid4(), paid=500_000))  # gold
    assert (await quote(quotes, cart(goods))).totals.payable == cny("400")


# --- bad input: a code, nothing priced ---------------------------------------------------------


async def test_an_unknown_or_unlisted_sku_is_refused(goods: Catalog, quotes: QuoteService) -> None:
    stranger = uuid.uuid4()
    unknown = QuoteRequest(items=(QuoteItem(goods.phone_sku, 1), QuoteItem(stranger, 1)))
    error = await refusal(quotes, unknown)
    assert (error.code, error.details) == ("pricing.unknown_sku", {"sku_ids": [str(stranger)]})
    unlisted = QuoteRequest(items=(QuoteItem(goods.tablet_sku, 1),))
    error = await refusal(quotes, unlisted)
    assert (error.code, error.details) == (
        "pricing.unlisted_sku",
        {"sku_ids": [str(goods.tablet_sku)]},
    )


@pytest.mark.parametrize("quantity", [0, -1, 10_000])
async def test_a_bad_quantity_is_an_invalid_cart(
    goods: Catalog, quotes: QuoteService, quantity: int
) -> None:
    request = QuoteRequest(items=(QuoteItem(goods.phone_sku, quantity),))
    assert (await refusal(quotes, request)).code == "pricing.invalid_cart"


async def test_an_empty_cart_and_two_lines_of_one_id_are_invalid(
    goods: Catalog, quotes: QuoteService
) -> None:
    assert (await refusal(quotes, QuoteRequest(items=()))).code == "pricing.invalid_cart"
    twice = (
        QuoteItem(goods.phone_sku, 1, line_id="a"),
        QuoteItem(goods.laptop_sku, 1, line_id="a"),
    )
    assert (await refusal(quotes, QuoteRequest(items=twice))).code == "pricing.invalid_cart"


@pytest.mark.rule("PRO-5")
async def test_a_pick_of_a_promotion_that_does_not_fit_is_refused(
    bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    cut = await scheduled(bus, direct(goods.phone_sku))
    wrong = {("line-2", Level.ITEM): cut}
    assert (await refusal(quotes, cart(goods, promotion_picks=wrong))).code == (
        "pricing.invalid_choice"
    )
    nowhere = {("nowhere", Level.ITEM): None}
    assert (await refusal(quotes, cart(goods, promotion_picks=nowhere))).code == (
        "pricing.invalid_choice"
    )
    declined = await quote(quotes, cart(goods, promotion_picks={("phones", Level.ITEM): None}))
    assert declined.totals.payable == cny("440")


async def test_points_cannot_pay_yet(goods: Catalog, quotes: QuoteService) -> None:
    assert (await refusal(quotes, cart(goods, points=100))).code == "pricing.not_enough_points"


# --- tags -------------------------------------------------------------------------------------


async def test_a_product_page_shows_the_tags_of_its_active_promotions(
    shop: MemoryShop, bus: MessageBus, goods: Catalog, quotes: QuoteService
) -> None:
    cut = await scheduled(bus, direct(goods.phone_sku, "30"))
    reduction = await scheduled(bus, shop_threshold())
    await scheduled(bus, direct(goods.laptop_sku))  # not on the phone
    tags = await quotes.tags(goods.phone, Channel.APP, APRIL_2)
    assert [(t.promotion_id, t.tag, t.level) for t in tags] == [
        (cut, "直降 30.00", Level.ITEM),
        (reduction, "满300减50", Level.SHOP),
    ]
    assert tags[0].sku_ids == (goods.phone_sku,)
    for product in (goods.tablet, uuid.uuid4()):
        with pytest.raises(DomainError) as refused:
            await quotes.tags(product, Channel.APP, APRIL_2)
        assert refused.value.code == "pricing.unknown_product"
