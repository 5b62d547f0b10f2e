"""Threshold gifts (PRO-1 f): tiered 满赠 with a choose-N-of-M pool and per-gift caps, the
customer's pick and the default choice, and the add-price gift 满X加Y元得Z; what a cart below
them misses (PRO-8), their tags and the parameters they refuse."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.pricing.threshold_builders import CNY, JPY, cny, jpy, line, sku

from shop_domain.pricing.errors import InvalidGiftPick, InvalidPromotion
from shop_domain.pricing.kinds.base import (
    BELOW_THRESHOLD,
    OTHER_CURRENCY,
    Applied,
    Context,
    Gift,
    GiftGrant,
    Missed,
    Stage,
    kind_named,
)
from shop_domain.pricing.kinds.gifts import (
    AddPriceGift,
    GiftPool,
    GiftTier,
    PoolGift,
    ThresholdGift,
)
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import currencies
from shop_testing.strategies.pricing_items import cart_lines
from shop_testing.strategies.pricing_thresholds import (
    add_price_gifts,
    gift_picks,
    threshold_gifts,
)

FAST = settings(max_examples=60, deadline=None)

STICK, BANK, FAN, CUP = sku(), sku(), sku(), sku()
SELFIE_OR_BANK = ThresholdGift(
    [
        GiftTier(cny("300"), GiftPool([PoolGift(STICK, cny("39"))])),
        GiftTier(cny("500"), GiftPool([PoolGift(BANK, cny("99"))])),
    ]
)
TWO_OF_THREE = GiftPool(
    [PoolGift(STICK, cny("39")), PoolGift(FAN, cny("29")), PoolGift(CUP, cny("19"))], choose=2
)


def grant_of(outcome: Any) -> GiftGrant:
    assert isinstance(outcome, Applied), outcome
    (effect,) = outcome.effects
    assert isinstance(effect, GiftGrant), effect
    return effect


def test_the_gift_kinds_are_registered_at_the_threshold_stage() -> None:
    for kind in (ThresholdGift, AddPriceGift):
        assert kind_named(kind.name) is kind
        assert kind.stage is Stage.THRESHOLD


# --- tiered 满赠 ----------------------------------------------------------------------------------


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-9")
@pytest.mark.parametrize(("total", "gift"), [("300", STICK), ("499.99", STICK), ("500", BANK)])
def test_the_highest_tier_reached_gives_its_gift(total: str, gift: Any) -> None:
    grant = grant_of(
        SELFIE_OR_BANK.evaluate([line(cny(total), 1, "a"), line(cny("0"), 1, "b")], CNY)
    )
    value = cny("39") if gift == STICK else cny("99")
    assert grant.gifts == (Gift(gift, 1, value),)
    assert grant.line_ids == ("a", "b")
    assert grant.gifts[0].price is None


@pytest.mark.rule("PRO-8")
def test_below_the_lowest_tier_the_miss_says_what_is_missing() -> None:
    assert SELFIE_OR_BANK.evaluate([line(cny("280"))], CNY) == Missed(
        BELOW_THRESHOLD, "add 20.00 more for 满300赠", cny("20")
    )
    missed = SELFIE_OR_BANK.next_tier([line(cny("300"))], CNY)
    assert missed is not None
    assert (missed.message, missed.missing_amount) == ("add 200.00 more for 满500赠", cny("200"))
    assert SELFIE_OR_BANK.next_tier([line(cny("500"))], CNY) is None


@pytest.mark.rule("PRO-1")
def test_without_a_pick_the_first_gifts_of_the_pool_are_given() -> None:
    kind = ThresholdGift([GiftTier(cny("300"), TWO_OF_THREE)])
    grant = grant_of(kind.evaluate([line(cny("300"))], CNY))
    assert grant.gifts == (Gift(STICK, 1, cny("39")), Gift(FAN, 1, cny("29")))


@pytest.mark.rule("PRO-1")
def test_the_default_choice_goes_around_the_pool_within_each_cap() -> None:
    pool = GiftPool([PoolGift(STICK, cny("39"), 2), PoolGift(FAN, cny("29"), 1)], choose=3)
    assert pool.default_choice() == {STICK: 2, FAN: 1}
    pool = GiftPool([PoolGift(STICK, cny("39"), 3), PoolGift(FAN, cny("29"), 3)], choose=3)
    assert pool.default_choice() == {STICK: 2, FAN: 1}
    assert pool.most() == 6


@pytest.mark.rule("PRO-5")
def test_the_customers_pick_is_given() -> None:
    kind = ThresholdGift([GiftTier(cny("300"), TWO_OF_THREE)])
    picked = kind.evaluate([line(cny("300"))], CNY, picks={CUP: 1, FAN: 1})
    assert grant_of(picked).gifts == (Gift(FAN, 1, cny("29")), Gift(CUP, 1, cny("19")))
    fewer = kind.evaluate([line(cny("300"))], CNY, picks={CUP: 1, STICK: 0})
    assert grant_of(fewer).gifts == (Gift(CUP, 1, cny("19")),)


@pytest.mark.rule("PRO-5")
@pytest.mark.parametrize(
    "picks",
    [{sku(): 1}, {STICK: 2}, {STICK: 1, FAN: 1, CUP: 1}, {STICK: -1}, {STICK: True}, {BANK: 1}],
    ids=["not in the pool", "over a gift's cap", "more than N", "negative", "a bool", "other tier"],
)
def test_a_pick_that_does_not_fit_the_tier_reached_is_refused(picks: Any) -> None:
    kind = ThresholdGift(
        [
            GiftTier(cny("300"), TWO_OF_THREE),
            GiftTier(cny("500"), GiftPool([PoolGift(BANK, cny("99"))])),
        ]
    )
    with pytest.raises(InvalidGiftPick) as caught:
        kind.evaluate([line(cny("300"))], CNY, picks=picks)
    assert caught.value.code == "promotion.invalid_gift_pick"


def test_the_tier_reached_names_the_pool_to_offer() -> None:
    assert SELFIE_OR_BANK.tier_reached([line(cny("299"))], CNY) is None
    assert SELFIE_OR_BANK.tier_reached([line(cny("350"))], CNY) == SELFIE_OR_BANK.tiers[0]
    assert SELFIE_OR_BANK.tier_reached([line(jpy("350"))], JPY) is None


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-8")
def test_a_gift_by_item_count_and_in_yen() -> None:
    kind = ThresholdGift([GiftTier(3, GiftPool([PoolGift(CUP, jpy("500"))]))])
    assert kind.tag() == "满3件赠"
    assert kind.evaluate([line(jpy("100"), 2)], JPY) == Missed(
        BELOW_THRESHOLD, "add 1 more item for 满3件赠", missing_count=1
    )
    assert grant_of(kind.evaluate([line(jpy("100"), 3)], JPY)).gifts == (Gift(CUP, 1, jpy("500")),)
    other = kind.evaluate([line(cny("100"), 3)], CNY)
    assert isinstance(other, Missed)
    assert other.reason == OTHER_CURRENCY


# --- add-price gift 满X加Y元得Z ------------------------------------------------------------------

FOR_990 = AddPriceGift(cny("300"), FAN, price=cny("9.90"), value=cny("59"))


@pytest.mark.rule("PRO-1")
def test_an_add_price_gift_is_given_at_its_price() -> None:
    grant = grant_of(FOR_990.evaluate([line(cny("150"), 2, "a")], CNY))
    assert grant == GiftGrant((Gift(FAN, 1, cny("59"), cny("9.90")),), ("a",))
    assert FOR_990.evaluate([line(cny("299.99"))], CNY) == Missed(
        BELOW_THRESHOLD, "add 0.01 more for 满300加9.90元得", cny("0.01")
    )
    two = AddPriceGift(2, CUP, price=jpy("100"), value=jpy("800"), quantity=2)
    assert grant_of(two.evaluate([line(jpy("1"), 2)], JPY)).gifts == (
        Gift(CUP, 2, jpy("800"), jpy("100")),
    )


def test_gift_tags_read_as_shops_show_them() -> None:
    assert SELFIE_OR_BANK.tag() == "满300赠，满500赠"
    assert FOR_990.tag() == "满300加9.90元得"
    assert AddPriceGift(2, CUP, price=cny("1"), value=cny("5")).tag() == "满2件加1元得"


# --- refusals -------------------------------------------------------------------------------------


def _pool(*gifts: PoolGift, choose: int = 1) -> GiftPool:
    return GiftPool(gifts, choose)


REFUSED: list[tuple[str, Any]] = [
    ("empty pool", lambda: GiftPool([])),
    ("N > M", lambda: _pool(PoolGift(STICK, cny("1")), PoolGift(FAN, cny("1")), choose=3)),
    ("N > caps", lambda: _pool(PoolGift(STICK, cny("1"), 2), choose=3)),
    ("choose none", lambda: _pool(PoolGift(STICK, cny("1")), choose=0)),
    ("a gift twice", lambda: _pool(PoolGift(STICK, cny("1")), PoolGift(STICK, cny("2")))),
    ("values in two currencies", lambda: _pool(PoolGift(STICK, cny("1")), PoolGift(FAN, jpy("1")))),
    ("not a gift", lambda: GiftPool([STICK])),
    ("negative value", lambda: PoolGift(STICK, cny("-1"))),
    ("a cap of zero", lambda: PoolGift(STICK, cny("1"), 0)),
    ("not a SKU id", lambda: PoolGift("stick", cny("1"))),
    ("no tier", lambda: ThresholdGift([])),
    (
        "tiers not increasing",
        lambda: ThresholdGift(
            [
                GiftTier(5, _pool(PoolGift(STICK, cny("1")))),
                GiftTier(3, _pool(PoolGift(FAN, cny("1")))),
            ]
        ),
    ),
    (
        "threshold and gifts in two currencies",
        lambda: ThresholdGift([GiftTier(jpy("300"), _pool(PoolGift(STICK, cny("1"))))]),
    ),
    ("a tier without a pool", lambda: GiftTier(cny("300"), [PoolGift(STICK, cny("1"))])),
    ("a zero threshold", lambda: GiftTier(cny("0"), _pool(PoolGift(STICK, cny("1"))))),
    ("price = value", lambda: AddPriceGift(cny("300"), FAN, price=cny("59"), value=cny("59"))),
    ("price above value", lambda: AddPriceGift(cny("300"), FAN, price=cny("60"), value=cny("59"))),
    ("free", lambda: AddPriceGift(cny("300"), FAN, price=cny("0"), value=cny("59"))),
    ("no quantity", lambda: AddPriceGift(cny("300"), FAN, cny("1"), cny("59"), 0)),
    ("price in yen", lambda: AddPriceGift(cny("300"), FAN, price=jpy("1"), value=cny("59"))),
    ("add-price no threshold", lambda: AddPriceGift(0, FAN, price=cny("1"), value=cny("59"))),
]


@pytest.mark.rule("PRO-1")
@pytest.mark.parametrize(("why", "build"), REFUSED, ids=[why for why, _ in REFUSED])
def test_bad_parameters_are_refused(why: str, build: Any) -> None:
    with pytest.raises(InvalidPromotion) as caught:
        build()
    assert caught.value.code == "promotion.invalid"


# --- properties -----------------------------------------------------------------------------------


@st.composite
def gifts_and_cart(draw: st.DrawFn) -> tuple[Any, Context, list[Any]]:
    code = draw(currencies(exponents=(0, 2)))
    kind = draw(st.one_of(threshold_gifts(code, max_minor=200_000), add_price_gifts(code)))
    return (
        kind,
        Context(code),
        list(draw(cart_lines(code, min_size=0, max_size=4, max_unit_minor=50_000))),
    )


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-8")
@FAST
@given(gifts_and_cart())
def test_gifts_come_from_the_tier_reached_and_a_miss_is_exactly_what_is_missing(case: Any) -> None:
    kind, context, lines = case
    outcome = kind.evaluate(lines, context)
    if isinstance(outcome, Applied):
        grant = grant_of(outcome)
        assert grant.line_ids == tuple(one.line_id for one in lines)
        if isinstance(kind, ThresholdGift):
            tier = kind.tier_reached(lines, context)
            assert tier is not None
            assert sum(gift.quantity for gift in grant.gifts) == tier.pool.choose
            caps = {gift.sku_id: gift.max_quantity for gift in tier.pool.gifts}
            assert all(0 < gift.quantity <= caps[gift.sku_id] for gift in grant.gifts)
        return
    assert isinstance(outcome, Missed)
    if outcome.missing_amount is not None:
        topped = [*lines, line(outcome.missing_amount)]
    else:
        assert outcome.missing_count is not None
        topped = [*lines, line(Money.zero(context.currency), outcome.missing_count)]
    assert isinstance(kind.evaluate(topped, context), Applied)


@pytest.mark.rule("PRO-5")
@FAST
@given(st.data())
def test_any_valid_pick_is_given_as_picked(data: st.DataObject) -> None:
    kind = data.draw(threshold_gifts("CNY"))
    top = kind.tiers[-1]
    reached = (
        [line(top.threshold)]
        if isinstance(top.threshold, Money)
        else [line(cny("1"), top.threshold)]
    )
    picks = data.draw(gift_picks(top.pool))
    grant = grant_of(kind.evaluate(reached, CNY, picks=picks))
    assert {gift.sku_id: gift.quantity for gift in grant.gifts} == picks
