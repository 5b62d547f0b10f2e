"""The kit's PRO-3 check: promotions that keep to the rule pass; two that hold one SKU at one
level in overlapping windows — scheduled past the index, as a bug would — are named."""

from __future__ import annotations

import pytest
from tests.unit.pricing.promotion_builders import DAY_BEFORE, PHONES, OneOff, item, promotion

from shop_domain.pricing.terms import TargetKind, Targets
from shop_testing.invariants.base import InvariantBroken
from shop_testing.invariants.pricing import check_promotion_conflicts

GOODS = [item(1), item(2)]
ON_PHONES = Targets(TargetKind.CATEGORY, frozenset({PHONES}))


def test_promotions_that_keep_to_pro_3_pass() -> None:
    shop_level = promotion(1, targets=ON_PHONES)
    item_level = promotion(2, targets=ON_PHONES, kind=OneOff())
    draft = promotion(3, targets=ON_PHONES)
    for scheduled in (shop_level, item_level):
        scheduled.schedule(DAY_BEFORE, clashes=[])
    check_promotion_conflicts([shop_level, item_level, draft], GOODS)


@pytest.mark.rule("PRO-3")
def test_two_promotions_holding_one_sku_at_one_level_are_named() -> None:
    first = promotion(1, name="满400减20", targets=ON_PHONES)
    second = promotion(
        2, name="满400减50", targets=Targets(TargetKind.SKU, frozenset({item(2).sku_id}))
    )
    for planted in (first, second):
        planted.schedule(DAY_BEFORE, clashes=[])  # past the index: what the check must catch
    with pytest.raises(InvariantBroken) as broken:
        check_promotion_conflicts([first, second], GOODS)
    [finding] = broken.value.findings
    assert "'满400减20'" in finding
    assert "'满400减50'" in finding
    assert str(item(2).sku_id) in finding
    assert str(item(1).sku_id) not in finding
