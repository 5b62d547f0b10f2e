"""The engine's search against an exhaustive one on small carts (PRO-4..6, CPN-8), and the
properties every quote keeps (PRO-8, PRO-12, MON-3, MON-4)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

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
