"""A quote's search leaves nothing for the cyclic collector: every state and cache it built is
freed by reference counting when the quote is made, so no full collection of a past quote's
garbage stalls a later one (the engine's p99)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from tests.unit.pricing.engine.engine_builders import (
    ANYONE,
    APP,
    AT,
    cny,
    coupon,
    line,
    on_shop,
    on_skus,
    promo,
)

from shop_domain.pricing.engine import price
from shop_domain.pricing.engine.wallet import BenefitKind
from shop_domain.pricing.kinds import DirectReduction, ReductionTier, TieredReduction


@pytest.fixture
def no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _quote(budget: int) -> None:
    cart = [line(1, "310"), line(2, "120", 2), line(3, "45")]
    promotions = [
        promo(1, DirectReduction(cny("20")), on_skus(1)),
        promo(2, DirectReduction(cny("5")), on_skus(2)),
        promo(
            3,
            TieredReduction(
                (ReductionTier(cny("100"), cny("10")), ReductionTier(cny("500"), cny("60")))
            ),
            on_shop(),
        ),
    ]
    wallet = [
        coupon(0, value="30", threshold="400", stackable=True),
        coupon(1, BenefitKind.RATE, rate="0.9", cap="20", stackable=True),
        coupon(2, value="50", threshold="550"),
    ]
    quote = price(cart, ANYONE, AT, APP, promotions, wallet, budget=budget)
    assert quote.totals.payable.minor > 0


@pytest.mark.parametrize("budget", [20_000, 3], ids=["proven", "out-of-budget"])
def test_a_quote_leaves_no_reference_cycle(no_collector: None, budget: int) -> None:
    _quote(budget)
    assert gc.collect() == 0
