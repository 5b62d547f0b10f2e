"""The engine's search against an exhaustive one on small carts (PRO-4..6, CPN-8), and the
properties every quote keeps (PRO-8, PRO-12, MON-3, MON-4)."""

from __future__ import annotations

import uuid

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop_domain.pricing.engine import price
from shop_domain.pricing.engine.price import prepare
from shop_testing.invariants.quotes import check_quote, exhaustive_best, priority_plan_saving
from shop_testing.strategies.pricing_cases import PricingCase, pricing_cases

SMALL = pricing_cases(max_lines=6, max_promotions=8, max_coupons=4)


def _quote(case: PricingCase):  # type: ignore[no-untyped-def]
    return price(
        case.cart, case.customer, case.at, case.channel, case.promotions, case.coupons, budget=10**6
    )


@pytest.mark.rule("PRO-5")
@pytest.mark.rule("CPN-8")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SMALL)
def test_the_search_finds_what_trying_every_plan_finds(case: PricingCase) -> None:
    quote = _quote(case)
    problem = prepare(
        case.cart, case.customer, case.at, case.channel, case.promotions, case.coupons
    )
    saving, gifts = exhaustive_best(problem)
    got = quote.totals.list_total.minor - quote.totals.payable.minor
    assert quote.proven_best
    assert (got, quote.totals.gift_value.minor) == (saving, gifts)
    assert got >= priority_plan_saving(problem)
    check_quote(quote)


@pytest.mark.rule("PRO-5")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SMALL, st.integers(min_value=0, max_value=40))
def test_out_of_budget_the_quote_is_still_never_worse_than_by_priority(
    case: PricingCase, budget: int
) -> None:
    quote = price(
        case.cart,
        case.customer,
        case.at,
        case.channel,
        case.promotions,
        case.coupons,
        budget=budget,
    )
    problem = prepare(
        case.cart, case.customer, case.at, case.channel, case.promotions, case.coupons
    )
    got = quote.totals.list_total.minor - quote.totals.payable.minor
    assert got >= priority_plan_saving(problem)
    if quote.proven_best:
        assert got == exhaustive_best(problem)[0]
    else:
        assert quote.explored > budget
    check_quote(quote)


@pytest.mark.rule("PRO-12")
@settings(max_examples=100, deadline=None)
@given(pricing_cases(max_lines=4, max_promotions=5, max_coupons=3))
def test_the_same_inputs_give_the_same_quote(case: PricingCase) -> None:
    assert _quote(case) == _quote(case)


@pytest.mark.rule("PRO-5")
@pytest.mark.rule("CPN-8")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pricing_cases(max_lines=4, max_promotions=5, max_coupons=3), st.data())
def test_another_promotion_or_coupon_never_raises_the_best_price(
    case: PricingCase, data: st.DataObject
) -> None:
    more = data.draw(pricing_cases(max_lines=4, max_promotions=2, max_coupons=2))
    extra_promotions = tuple(
        attrs.evolve(p, id=uuid.UUID(int=p.id.int + 0x100)) for p in more.promotions
    )
    extra_coupons = tuple(
        attrs.evolve(c, coupon_id=uuid.UUID(int=c.coupon_id.int + 0x100)) for c in more.coupons
    )
    before = _quote(case)
    after = _quote(
        attrs.evolve(
            case,
            promotions=case.promotions + extra_promotions,
            coupons=case.coupons + extra_coupons,
        )
    )
    assert before.proven_best
    assert after.proven_best
    assert after.totals.payable <= before.totals.payable
    check_quote(after)
