"""PRO-3: a SKU is never in two promotions of the same level whose windows overlap — found
through the index of targets, and the index finds exactly what comparing every pair finds."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.pricing.promotion_builders import (
    APRIL,
    BRAND,
    DAY_BEFORE,
    JUNE,
    MAY,
    OTHER_SHOP,
    PHONES,
    SHOP,
    FlatOff,
    OneOff,
    item,
    promotion,
)

from shop_domain.pricing.conflicts import ConflictIndex
from shop_domain.pricing.promotion import Promotion, PromotionStatus
from shop_domain.pricing.terms import TargetKind, Targets, Window

GOODS = [item(n, shop=SHOP if n % 2 else OTHER_SHOP) for n in range(1, 7)]


def scheduled(n: int, **fields: object) -> Promotion:
    made = promotion(n, **fields)
    made.schedule(DAY_BEFORE, clashes=[])
    return made


def skus(*numbers: int) -> Targets:
    return Targets(TargetKind.SKU, frozenset(item(n).sku_id for n in numbers))


@pytest.mark.rule("PRO-3")
def test_two_thresholds_on_the_same_goods_in_april_clash() -> None:
    twenty = scheduled(1, name="满400减20", targets=skus(1, 2, 3))
    fifty = promotion(2, name="满400减50", targets=skus(2, 3, 4))
    [clash] = ConflictIndex([twenty]).clashes(fifty, [item(n) for n in (2, 3, 4)])
    assert (clash.promotion_id, clash.name) == (twenty.id, "满400减20")
    assert clash.sku_ids == (item(2).sku_id, item(3).sku_id)


@pytest.mark.rule("PRO-3")
def test_a_category_promotion_clashes_with_a_sku_one_inside_it_and_back() -> None:
    on_sku = scheduled(1, targets=skus(1))
    on_phones = promotion(2, targets=Targets(TargetKind.CATEGORY, frozenset({PHONES})))
    assert [c.promotion_id for c in ConflictIndex([on_sku]).clashes(on_phones, GOODS)] == [
        on_sku.id
    ]
    on_phones.schedule(DAY_BEFORE, clashes=[])
    new_on_sku = promotion(3, targets=skus(1))
    [clash] = ConflictIndex([on_phones]).clashes(new_on_sku, [item(1)])
    assert clash.promotion_id == on_phones.id


@pytest.mark.rule("PRO-3")
@pytest.mark.parametrize(
    "other",
    [
        {"kind": OneOff()},  # another level
        {"window": Window(MAY, JUNE)},  # after it (windows are half-open)
        {"targets": Targets(excluded_skus=frozenset({item(1).sku_id}))},  # all but that SKU
        {"targets": Targets(TargetKind.BRAND, frozenset({uuid.UUID(int=9)}))},  # another brand
    ],
)
def test_no_clash_across_levels_windows_or_goods(other: dict[str, object]) -> None:
    existing = scheduled(1, **other)
    assert ConflictIndex([existing]).clashes(promotion(2, targets=skus(1)), [item(1)]) == []


@pytest.mark.rule("PRO-3")
def test_only_promotions_that_hold_goods_are_filed() -> None:
    draft = promotion(1)
    ended = scheduled(2)
    ended.end(DAY_BEFORE, ended_by="op")
    paused = scheduled(3, targets=Targets(TargetKind.BRAND, frozenset({BRAND})))
    paused.pause(APRIL)
    index = ConflictIndex([draft, ended, paused])
    assert len(index) == 1
    [clash] = index.clashes(promotion(4, targets=skus(1)), [item(1)])
    assert clash.promotion_id == paused.id  # a paused promotion still holds its goods
    index.remove(paused.id)
    assert index.clashes(promotion(4, targets=skus(1)), [item(1)]) == []
    assert len(index) == 0


def test_a_promotion_does_not_clash_with_itself_nor_with_goods_it_does_not_cover() -> None:
    spring = scheduled(1, targets=skus(1))
    index = ConflictIndex([spring])
    assert index.clashes(spring, [item(1)]) == []
    assert index.clashes(promotion(2, targets=skus(2)), [item(1)]) == []  # item 1 not its goods


# --- the index against every pair -------------------------------------------------------------

BUT_ITEM_2 = frozenset({item(2).sku_id})
targets = st.one_of(
    st.just(Targets()),
    st.sets(st.integers(1, 6), min_size=1, max_size=3).map(lambda ns: skus(*ns)),
    st.just(Targets(TargetKind.SHOP, frozenset({SHOP}))),
    st.just(
        Targets(TargetKind.CATEGORY, frozenset({PHONES}), excluded_skus=frozenset({item(2).sku_id}))
    ),
)
windows = st.tuples(st.integers(0, 20), st.integers(1, 10)).map(
    lambda w: Window(APRIL + dt.timedelta(days=w[0]), APRIL + dt.timedelta(days=w[0] + w[1]))
)
kinds = st.sampled_from([FlatOff(), OneOff()])
statuses = st.sampled_from(["draft", "scheduled", "paused", "ended"])


def built(n: int, target: Targets, window: Window, kind: object, status: str) -> Promotion:
    made = promotion(n, targets=target, window=window, kind=kind)
    if status != "draft":
        made.schedule(DAY_BEFORE, clashes=[])
    if status == "paused":
        made.status = PromotionStatus.PAUSED  # what pause() leaves, without moving the clock
    if status == "ended":
        made.end(DAY_BEFORE, ended_by="op")
    return made


promotions = st.lists(st.tuples(targets, windows, kinds, statuses), max_size=8)


@pytest.mark.rule("PRO-3")
@settings(max_examples=200, deadline=None)
@given(existing=promotions, new=st.tuples(targets, windows, kinds))
def test_the_index_finds_exactly_the_clashes_every_pair_shows(
    existing: list[tuple[Targets, Window, object, str]], new: tuple[Targets, Window, object]
) -> None:
    others = [built(n, *spec) for n, spec in enumerate(existing, start=1)]
    candidate = built(99, *new, "draft")
    found = {
        (c.promotion_id, sku)
        for c in ConflictIndex(others).clashes(candidate, GOODS)
        for sku in c.sku_ids
    }
    expected = {
        (other.id, goods.sku_id)
        for other in others
        for goods in GOODS
        if other.status in (PromotionStatus.SCHEDULED, PromotionStatus.PAUSED)
        and other.level is candidate.level
        and other.definition.window.overlaps(candidate.definition.window)
        and other.definition.targets.covers(goods)
        and candidate.definition.targets.covers(goods)
    }
    assert found == expected
