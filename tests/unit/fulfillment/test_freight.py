"""Freight (SHP-1): worked examples — 10 yuan, free from 69; by piece; by weight (a started kg
counts whole); the most specific region wins; an unserved region is refused; a priority template
is charged even when the shop's threshold is met; sum versus max."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shop_domain.fulfillment.errors import InvalidFreight, NoDelivery
from shop_domain.fulfillment.freight import Combine, FreightTemplate, ShopFreightRule, ShopRate
from shop_domain.fulfillment.freight_kinds import (
    FreeFromAmount,
    FreeFromPieces,
    PieceRate,
    WeightRate,
    rate_kind,
)
from shop_domain.fulfillment.freight_quote import Charged, FreightLine, quote_freight
from shop_domain.shared.money import Money

SHOP = uuid.UUID(int=0x5)
SHANGHAI, PUDONG, PUDONG_DISTRICT = "310000", "310100", "310115"
BEIJING_DISTRICT = "110105"
T1, T2 = uuid.UUID(int=0x71), uuid.UUID(int=0x72)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def line(
    n: int,
    quantity: int = 1,
    amount: str = "10",
    template: uuid.UUID | None = None,
    weight_g: int = 500,
) -> FreightLine:
    return FreightLine(uuid.UUID(int=0x100 + n), quantity, weight_g, template, cny(amount))


def template(id_: uuid.UUID = T1, *, rate: Any = None, **terms: Any) -> FreightTemplate:
    rate = rate or PieceRate(1, cny("8"), 1, cny("2"))
    defaults: dict[str, Any] = {
        "name": "parcel",
        "charging": rate.name,
        "default": rate,
        "regions": {},
        "free": (),
        "priority": False,
    }
    return FreightTemplate.new(id=id_, shop_id=SHOP, currency="CNY", **(defaults | terms))


def shop_rule(
    fee: str = "10", free_from: str | None = "69", combine: str = "sum"
) -> ShopFreightRule:
    threshold = None if free_from is None else cny(free_from)
    return ShopFreightRule.new(
        shop_id=SHOP,
        currency="CNY",
        default=ShopRate(cny(fee), threshold),
        regions={},
        combine=combine,
    )


@pytest.mark.rule("SHP-1")
def test_ten_yuan_free_from_sixty_nine() -> None:
    rule = shop_rule()
    below = quote_freight([line(1, 2, "34.50"), line(2, 1, "34.49")], PUDONG_DISTRICT, {}, rule)
    assert below.fee == cny("10")
    assert not below.shop_threshold_met
    at = quote_freight([line(1, 2, "34.50"), line(2, 1, "34.50")], PUDONG_DISTRICT, {}, rule)
    assert at.fee == cny("0")
    assert at.shop_threshold_met
    assert at.charges[0].charged is Charged.SHOP_FREE


@pytest.mark.rule("SHP-1")
def test_by_piece_first_and_each_further_step() -> None:
    rate = PieceRate(2, cny("8"), 3, cny("5"))  # 2 pieces for 8, each further 3 (started) for 5
    t = template(rate=rate)
    fees = [
        quote_freight([line(1, n, template=T1)], PUDONG_DISTRICT, {T1: t}, None).fee
        for n in (1, 2, 3, 5, 6)
    ]
    assert fees == [cny("8"), cny("8"), cny("13"), cny("13"), cny("18")]


@pytest.mark.rule("SHP-1")
def test_by_weight_a_started_kilogram_counts_whole() -> None:
    t = template(rate=WeightRate(1, cny("12"), 1, cny("6")), charging="weight")

    def quote(grams: int) -> Money:
        lines = [line(1, 1, template=T1, weight_g=grams)]
        return quote_freight(lines, PUDONG_DISTRICT, {T1: t}, None).fee

    assert [quote(g) for g in (0, 1000, 1001, 2000, 2500)] == [
        cny("12"),
        cny("12"),
        cny("18"),
        cny("18"),
        cny("24"),
    ]
    # the weight is the line's quantity times the unit weight
    two = quote_freight([line(1, 3, template=T1, weight_g=700)], PUDONG_DISTRICT, {T1: t}, None)
    assert two.fee == cny("24")  # 2100 g → 3 kg


@pytest.mark.rule("SHP-1")
def test_the_most_specific_region_wins_and_an_unserved_one_is_refused() -> None:
    province, city = PieceRate(1, cny("15"), 1, cny("1")), PieceRate(1, cny("9"), 1, cny("1"))
    district = PieceRate(1, cny("6"), 1, cny("1"))
    t = template(
        default=None, regions={SHANGHAI: province, "320100": city, PUDONG_DISTRICT: district}
    )
    assert quote_freight([line(1, template=T1)], "320102", {T1: t}, None).fee == cny("9")
    assert quote_freight([line(1, template=T1)], PUDONG_DISTRICT, {T1: t}, None).fee == cny("6")
    assert quote_freight([line(1, template=T1)], "310104", {T1: t}, None).fee == cny("15")
    with pytest.raises(NoDelivery) as refused:
        quote_freight([line(1, template=T1)], BEIJING_DISTRICT, {T1: t}, None)
    assert refused.value.code == "freight.no_delivery"
    # the shop's rule by region the same way
    rule = shop_rule()
    rule.edit(default=rule.default, regions={PUDONG: ShopRate(cny("0"))}, combine="sum")
    assert quote_freight([line(1)], PUDONG_DISTRICT, {}, rule).fee == cny("0")
    assert quote_freight([line(1)], BEIJING_DISTRICT, {}, rule).fee == cny("10")


@pytest.mark.rule("SHP-1")
def test_free_conditions_of_a_template_per_region() -> None:
    t = template(free=(FreeFromPieces(3), FreeFromAmount(cny("50"), frozenset({SHANGHAI}))))
    assert quote_freight([line(1, 3, template=T1)], BEIJING_DISTRICT, {T1: t}, None).fee.is_zero()
    in_shanghai = quote_freight([line(1, 1, "50", template=T1)], PUDONG_DISTRICT, {T1: t}, None)
    assert in_shanghai.fee.is_zero()
    assert in_shanghai.charges[0].charged is Charged.TEMPLATE_FREE
    elsewhere = quote_freight([line(1, 1, "50", template=T1)], BEIJING_DISTRICT, {T1: t}, None)
    assert elsewhere.fee == cny("8")


@pytest.mark.rule("SHP-1")
def test_a_met_threshold_frees_all_but_a_priority_template() -> None:
    plain = template(T1)
    heavy = template(T2, rate=PieceRate(1, cny("20"), 1, cny("0")), priority=True)
    lines = [line(1, 1, "40", template=T1), line(2, 1, "40", template=T2), line(3, 1, "5")]
    met = quote_freight(lines, PUDONG_DISTRICT, {T1: plain, T2: heavy}, shop_rule())
    assert met.shop_threshold_met
    assert met.fee == cny("20")
    by = {charge.template_id: charge for charge in met.charges}
    assert by[T1].charged is Charged.SHOP_FREE
    assert by[None].charged is Charged.SHOP_FREE
    assert by[T2].fee == cny("20")
    assert by[T2].charged is Charged.TEMPLATE
    # below the threshold every part is charged: 8 + 20 + the shop's 10
    below = quote_freight(
        lines[:1] + lines[2:] + [line(2, 1, "1", template=T2)],
        PUDONG_DISTRICT,
        {T1: plain, T2: heavy},
        shop_rule(),
    )
    assert below.fee == cny("38")


@pytest.mark.rule("SHP-1")
def test_templates_combine_by_sum_or_by_maximum() -> None:
    templates = {T1: template(T1), T2: template(T2, rate=PieceRate(1, cny("12"), 1, cny("0")))}
    lines = [line(1, 2, template=T1), line(2, 1, template=T2), line(3)]  # 10, 12, shop 10
    summed = quote_freight(lines, PUDONG_DISTRICT, templates, shop_rule(free_from=None))
    maxed = quote_freight(
        lines, PUDONG_DISTRICT, templates, shop_rule(free_from=None, combine="max")
    )
    assert summed.fee == cny("32")
    assert summed.combine is Combine.SUM
    assert maxed.fee == cny("12")
    assert maxed.combine is Combine.MAX


@pytest.mark.rule("SHP-1")
def test_a_line_whose_template_is_gone_pays_the_shop_rule() -> None:
    quote = quote_freight([line(1, template=T1)], PUDONG_DISTRICT, {}, shop_rule())
    assert quote.fee == cny("10")
    assert quote.charges[0].template_id is None


@pytest.mark.rule("SHP-1")
def test_bad_terms_change_nothing() -> None:
    t = template()
    with pytest.raises(InvalidFreight):
        t.edit(
            name="x",
            charging="piece",
            default=WeightRate(1, cny("1"), 1, cny("1")),
            regions={},
            free=(),
            priority=False,
        )
    with pytest.raises(InvalidFreight):
        t.edit(
            name="x",
            charging="piece",
            default=None,
            regions={"31": t.default},
            free=(),
            priority=False,
        )
    with pytest.raises(InvalidFreight):
        t.edit(
            name="x",
            charging="piece",
            default=PieceRate(1, cny("-1"), 1, cny("1")),
            regions={},
            free=(),
            priority=False,
        )
    with pytest.raises(InvalidFreight):
        rate_kind("by-volume")
    with pytest.raises(InvalidFreight):
        rate_kind("piece").from_params(
            {"first": 0, "first_fee": 1, "step": 1, "step_fee": 1}, "CNY"
        )
    assert t.name == "parcel"
    assert t.default == PieceRate(1, cny("8"), 1, cny("2"))
    with pytest.raises(InvalidFreight):
        shop_rule(combine="average")
