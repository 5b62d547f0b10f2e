"""The live index of promotions: it answers exactly what filtering every promotion answers,
from a few lookups per item."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.pricing.promotion_builders import DAY_BEFORE, item, promotion

from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.live import PromotionIndex
from shop_domain.pricing.promotion import Promotion
from shop_domain.pricing.terms import Channel, IssuerKind, TargetKind, Targets, Window
from shop_testing.strategies.common import NOW, ids
from shop_testing.strategies.promotions import promotion_targets, promotions


def scheduled(n: int, **fields: object) -> Promotion:
    made = promotion(n, **fields)
    made.schedule(DAY_BEFORE, clashes=[])
    return made


def skus(*numbers: int) -> Targets:
    return Targets(TargetKind.SKU, frozenset(item(n).sku_id for n in numbers))


def brute_force(
    held: list[Promotion], items: list[ItemFacts], at: dt.datetime, channel: Channel
) -> list[Promotion]:
    return sorted(
        (
            p
            for p in held
            if p.is_active(at)
            and channel in p.definition.channels
            and any(p.definition.targets.covers(i) for i in items)
        ),
        key=lambda p: p.id,
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Promotion], list[ItemFacts]]:
    """Promotions of every status and items that share a small pool of ids, so that targets,
    exclusions and items meet."""
    pool = draw(st.lists(ids(), min_size=1, max_size=6, unique=True))
    some = st.sampled_from(pool)
    items = draw(
        st.lists(
            st.builds(
                ItemFacts,
                sku_id=some,
                spu_id=some,
                shop_id=some,
                category_ids=st.lists(some, max_size=3).map(tuple),
                brand_id=st.none() | some,
            ),
            max_size=6,
        )
    )
    held = draw(st.lists(promotions(), max_size=10, unique_by=lambda p: p.id))
    for made in held:
        issuer = made.definition.issuer
        allowed = [
            k
            for k in TargetKind
            if issuer.kind is IssuerKind.PLATFORM or k is not TargetKind.PLATFORM
        ]
        targets = draw(promotion_targets(kinds=allowed, ids_of=pool, shop_id=issuer.shop_id))
        made.definition = attrs.evolve(made.definition, targets=targets)
    return held, items


moments = st.one_of(st.integers(-3 * 60, 3 * 60), st.integers(-31 * 24 * 60, 62 * 24 * 60)).map(
    lambda minutes: NOW + dt.timedelta(minutes=minutes)
)


@pytest.mark.rule("PRO-2")
@settings(max_examples=300, deadline=None)
@given(world=worlds(), at=moments, channel=st.sampled_from(list(Channel)), data=st.data())
def test_candidates_are_what_filtering_every_promotion_finds(
    world: tuple[list[Promotion], list[ItemFacts]],
    at: dt.datetime,
    channel: Channel,
    data: st.DataObject,
) -> None:
    held, items = world
    index = PromotionIndex(held)
    assert index.candidates(items, at, channel) == brute_force(held, items, at, channel)
    # taken out and put back in any order, it answers the same for what it holds
    gone = data.draw(st.sets(st.sampled_from([p.id for p in held])) if held else st.just(set()))
    for promotion_id in gone:
        index.remove(promotion_id)
    kept = [p for p in held if p.id not in gone]
    assert len(index) == len(kept)
    assert index.candidates(items, at, channel) == brute_force(kept, items, at, channel)


@pytest.mark.rule("PRO-2")
def test_a_paused_a_draft_an_ended_or_a_later_promotion_is_no_candidate() -> None:
    april = Window(dt.datetime(2026, 4, 1, tzinfo=dt.UTC), dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    inside = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
    running = scheduled(1, targets=skus(1), window=april)
    paused = scheduled(2, targets=skus(1), window=april)
    paused.pause(inside)
    draft = promotion(3, targets=skus(1), window=april)
    ended = scheduled(4, targets=skus(1), window=april)
    ended.end(inside, ended_by="op")
    index = PromotionIndex([running, paused, draft, ended])
    assert len(index) == 4
    assert index.candidates([item(1)], inside, Channel.APP) == [running]
    assert index.candidates([item(1)], april.ends_at, Channel.APP) == []  # the window is over
    assert index.candidates([item(2)], inside, Channel.APP) == []  # not its goods


def test_a_promotion_put_again_is_filed_under_its_new_goods_only() -> None:
    april = Window(dt.datetime(2026, 4, 1, tzinfo=dt.UTC), dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    inside = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
    first = scheduled(1, targets=skus(1), window=april)
    index = PromotionIndex([first])
    moved = scheduled(1, targets=skus(2), window=april)
    index.put(moved)
    assert len(index) == 1
    assert index.candidates([item(1)], inside, Channel.APP) == []
    assert index.candidates([item(1), item(2)], inside, Channel.APP) == [moved]
    index.remove(moved.id)
    index.remove(moved.id)  # forgetting twice is nothing
    assert len(index) == 0
    assert moved.id not in index


def test_a_cart_of_fifty_among_ten_thousand_promotions_takes_a_few_lookups() -> None:
    """Ten thousand promotions on other goods and a few on the cart's: the answer looks only
    under the cart's keys. (A loose bound on time, the best of several runs: a scan of every
    promotion alone takes longer.)"""
    april = Window(dt.datetime(2026, 4, 1, tzinfo=dt.UTC), dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    inside = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
    cart = [item(n) for n in range(1, 51)]
    others = [
        scheduled(
            n,
            window=april,
            targets=Targets(TargetKind.SKU, frozenset({uuid.UUID(int=10**9 + n)})),
        )
        for n in range(1, 10_001)
    ]
    mine = [scheduled(20_000 + n, window=april, targets=skus(n, n + 1)) for n in range(1, 50, 7)]
    everywhere = scheduled(30_000, window=april)  # the platform's
    index = PromotionIndex([*others, *mine, everywhere])
    expected = sorted([*mine, everywhere], key=lambda p: p.id)
    assert index.candidates(cart, inside, Channel.APP) == expected
    best = float("inf")
    for _ in range(7):
        started = time.perf_counter()
        index.candidates(cart, inside, Channel.APP)
        best = min(best, time.perf_counter() - started)
    scan = time.perf_counter()
    for held in others:
        held.is_active(inside)
    scan = time.perf_counter() - scan
    assert best < max(scan, 0.005)
