"""Worked examples of the engine: the best combination, not the greedy one (PRO-4..6)."""

from __future__ import annotations

import pytest
from tests.unit.pricing.engine.engine_builders import (
    ANYONE,
    APP,
    AT,
    cny,
    line,
    on_shop,
    on_skus,
    promo,
)

from shop_domain.pricing.engine import price
from shop_domain.pricing.kinds import DirectReduction, ReductionTier, TieredReduction


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
