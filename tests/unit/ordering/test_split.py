"""Splitting a priced cart into child orders (ORD-3) and allocating shipping and the gift-card
tender over the lines (MON-3, MON-4): worked examples."""

from __future__ import annotations

import uuid

import pytest

from shop_domain.ordering.errors import InvalidOrder, OverValueLimit
from shop_domain.ordering.lines import Amounts, GoodsKind, LineFacts
from shop_domain.ordering.split import PricedLine, plan_children
from shop_domain.shared.money import Money

SHOP_A, SHOP_B = uuid.UUID(int=0xA), uuid.UUID(int=0xB)
HOUSE_1, HOUSE_2 = uuid.UUID(int=0x41), uuid.UUID(int=0x42)
NO_LIMIT = Money(10**9, "CNY")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def line(
    name: str,
    price: str,
    quantity: int = 1,
    *,
    shop: uuid.UUID = SHOP_A,
    kind: GoodsKind = GoodsKind.PHYSICAL,
    house: uuid.UUID | None = HOUSE_1,
    off: str = "0",
) -> PricedLine:
    zero = cny("0")
    facts = LineFacts(
        sku_id=uuid.uuid5(uuid.NAMESPACE_OID, name),
        spu_id=uuid.uuid5(uuid.NAMESPACE_OID, name + "-spu"),
        shop_id=shop,
        kind=kind,
        name=name,
        warehouse_id=None if kind is GoodsKind.VIRTUAL else house,
    )
    goods = cny(price) * quantity
    return PricedLine(
        line_id=name,
        facts=facts,
        quantity=quantity,
        unit_price=cny(price),
        amounts=Amounts(goods, cny(off), zero, zero, zero, zero),
    )


@pytest.mark.rule("ORD-3")
def test_children_by_shop_and_kind() -> None:
    plan = plan_children(
        [
            line("mug", "30"),
            line("tee", "70", shop=SHOP_B),
            line("e-card", "100", kind=GoodsKind.VIRTUAL),
        ],
        shipping={SHOP_A: cny("10")},
        gift_card=cny("0"),
        value_limit=NO_LIMIT,
    )
    assert [(c.shop_id, c.kind) for c in plan] == [
        (SHOP_A, GoodsKind.PHYSICAL),
        (SHOP_B, GoodsKind.PHYSICAL),
        (SHOP_A, GoodsKind.VIRTUAL),
    ]
    # the shop's shipping lands on its shipped goods only: never on the virtual card
    assert [c.amounts("CNY").shipping for c in plan] == [cny("10"), cny("0"), cny("0")]


@pytest.mark.rule("MON-3")
def test_shipping_and_cards_are_spread_by_largest_remainder() -> None:
    plan = plan_children(
        [line("a", "10"), line("b", "10"), line("c", "10")],
        shipping={SHOP_A: cny("0.10")},
        gift_card=cny("0.05"),
        value_limit=NO_LIMIT,
    )
    lines = plan[0].lines
    assert [ln.amounts.shipping.minor for ln in lines] == [3, 3, 4]  # ties go to the later part
    assert [ln.amounts.gift_card.minor for ln in lines] == [1, 2, 2]
    assert sum(ln.amounts.payable.minor for ln in lines) == 3010


@pytest.mark.rule("MON-4")
def test_a_shop_whose_goods_cost_nothing_still_pays_its_shipping_by_units() -> None:
    plan = plan_children(
        [line("free", "10", 1, off="10"), line("free2", "10", 3, off="30")],
        shipping={SHOP_A: cny("8")},
        gift_card=cny("0"),
        value_limit=NO_LIMIT,
    )
    assert [ln.amounts.shipping for ln in plan[0].lines] == [cny("2"), cny("6")]


@pytest.mark.rule("ORD-3")
def test_cross_border_goods_split_by_warehouse_and_value_limit() -> None:
    kind = GoodsKind.CROSS_BORDER
    plan = plan_children(
        [
            line("watch", "1500", kind=kind),
            line("bag", "800", kind=kind),
            line("cream", "300", 8, kind=kind),  # 2400.00: cut into 6 + 2
            line("wine", "100", kind=kind, house=HOUSE_2),
        ],
        shipping={},
        gift_card=cny("0"),
        value_limit=cny("2000"),
    )
    worth = sorted((c.warehouse_id == HOUSE_2, c.amounts("CNY").goods.minor) for c in plan)
    assert worth == [(False, 140000), (False, 150000), (False, 180000), (True, 10000)]
    assert all(c.amounts("CNY").goods <= cny("2000") for c in plan)
    creams = [ln for c in plan for ln in c.lines if ln.line_id.startswith("cream")]
    assert sorted(ln.quantity for ln in creams) == [2, 6]


@pytest.mark.rule("ORD-3")
def test_a_cross_border_unit_over_the_limit_is_refused() -> None:
    with pytest.raises(OverValueLimit):
        plan_children(
            [line("gold", "2500", kind=GoodsKind.CROSS_BORDER)],
            shipping={},
            gift_card=cny("0"),
            value_limit=cny("2000"),
        )


def test_cards_may_not_pay_more_than_the_order() -> None:
    with pytest.raises(InvalidOrder):
        plan_children([line("a", "10")], shipping={}, gift_card=cny("10.01"), value_limit=NO_LIMIT)
    with pytest.raises(InvalidOrder):
        plan_children(
            [line("a", "10", shop=SHOP_A)],
            shipping={SHOP_B: cny("1")},
            gift_card=cny("0"),
            value_limit=NO_LIMIT,
        )
