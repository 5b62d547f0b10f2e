"""The kit's order strategies and checks: drawn inputs are accepted by the split (valid by
construction), reach the edges, shrink to one plain line; the checks catch a plan or an order
with a planted error (ORD-2, ORD-3, MON-3, MON-4)."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from tests.kit.strategies_support import VALID, reach, smallest

from shop_domain.ordering.lines import GoodsKind
from shop_domain.ordering.split import plan_children
from shop_domain.shared.money import Money
from shop_testing.invariants import InvariantBroken, check_split
from shop_testing.strategies import OrderInput, order_inputs
from shop_testing.strategies.orders import dearest_unit, goods_paid


def _plan(case: OrderInput):  # type: ignore[no-untyped-def]
    return plan_children(
        case.lines, shipping=case.shipping, gift_card=case.gift_card, value_limit=case.value_limit
    )


@pytest.mark.rule("MON-4")
@pytest.mark.rule("ORD-3")
@VALID
@given(order_inputs(currency=None))
def test_every_input_is_one_the_split_accepts(case: OrderInput) -> None:
    for line in case.lines:
        assert line.amounts.goods == line.unit_price * line.quantity
        assert line.amounts.discounts <= line.amounts.goods
        assert line.amounts.points_used == line.amounts.points.minor
    assert Money.zero(case.currency) <= case.gift_card <= case.payable
    shipped = {ln.facts.shop_id for ln in case.lines if ln.facts.kind is not GoodsKind.VIRTUAL}
    assert set(case.shipping) <= shipped
    assert _plan(case)


def test_the_edges_are_reached() -> None:
    inputs = order_inputs()
    reach(inputs, lambda c: c.gift_card == c.payable and c.payable.is_positive())
    reach(inputs, lambda c: len({ln.facts.shop_id for ln in c.lines}) == 3)
    reach(
        inputs,
        lambda c: any(
            ln.facts.kind is GoodsKind.CROSS_BORDER and dearest_unit(ln) == c.value_limit.minor
            for ln in c.lines
        ),
    )
    reach(inputs, lambda c: any(goods_paid(ln) == 0 < ln.amounts.goods.minor for ln in c.lines))
    reach(inputs, lambda c: len(_plan(c)) > len({ln.facts.shop_id for ln in c.lines}) + 1)


def test_an_input_shrinks_to_one_plain_line() -> None:
    case = smallest(order_inputs())
    (line,) = case.lines
    assert (line.quantity, line.unit_price, line.facts.kind) == (1, Money(0, "CNY"), "physical")
    assert (case.shipping, case.gift_card) == ({}, Money(0, "CNY"))


@pytest.mark.rule("MON-3")
def test_check_split_names_a_shipping_fee_left_off() -> None:
    case = reach(order_inputs(), lambda c: any(f.is_positive() for f in c.shipping.values()))
    more = {shop: fee + Money(1, fee.currency) for shop, fee in case.shipping.items()}
    with pytest.raises(InvariantBroken, match=r"shipping .* charged of its fee"):
        check_split(case.lines, _plan(case), shipping=more, gift_card=case.gift_card)


@pytest.mark.rule("ORD-3")
def test_check_split_names_a_cross_border_child_above_the_limit() -> None:
    case = reach(
        order_inputs(kinds=[GoodsKind.CROSS_BORDER]),
        lambda c: any(goods_paid(ln) > 1 for ln in c.lines),
    )
    plan = _plan(case)
    lower = Money(max(sum(goods_paid(ln) for ln in ch.lines) for ch in plan) - 1, case.currency)
    with pytest.raises(InvariantBroken, match="above"):
        check_split(
            case.lines, plan, shipping=case.shipping, gift_card=case.gift_card, value_limit=lower
        )


@pytest.mark.rule("MON-4")
def test_check_split_names_a_line_discounted_below_zero() -> None:
    case = reach(order_inputs(max_lines=1), lambda c: c.lines[0].amounts.goods.is_positive())
    plan = _plan(case)
    (child,) = plan
    (line,) = child.lines
    over = attrs.evolve(line.amounts, promotion=line.amounts.goods + Money(1, case.currency))
    broken = [attrs.evolve(child, lines=(attrs.evolve(line, amounts=over),))]
    with pytest.raises(InvariantBroken, match="MON-4"):
        check_split(case.lines, broken, shipping=case.shipping, gift_card=case.gift_card)
