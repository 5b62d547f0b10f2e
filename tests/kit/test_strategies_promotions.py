"""The kit's promotion strategies: every definition is one the domain accepts, every promotion
is in the status asked for, and the edges are reached. (The kinds here are the unit tests' own;
the real kinds' strategies are tested beside them.)"""

from __future__ import annotations

import datetime as dt
import uuid

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.kit.strategies_support import VALID, reach, smallest
from tests.unit.pricing.promotion_builders import FlatOff, OneOff

from shop_domain.pricing import (
    ALL_CHANNELS,
    AudienceKind,
    IssuerKind,
    Level,
    Promotion,
    PromotionDefinition,
    PromotionStatus,
    TargetKind,
)
from shop_domain.pricing.kinds import kinds
from shop_testing.strategies import NOW
from shop_testing.strategies.promotions import promotion_definitions, promotions

LATER = dt.datetime(2026, 9, 10, 8, 0, tzinfo=dt.UTC)
NOW_ID = uuid.UUID(int=1)
KINDS = st.sampled_from([FlatOff(), OneOff()])


@pytest.mark.rule("PRO-2")
@VALID
@given(promotion_definitions(KINDS, LATER))
def test_every_definition_is_built_again_and_makes_a_promotion(
    definition: PromotionDefinition,
) -> None:
    assert attrs.evolve(definition) == definition
    assert attrs.evolve(definition.targets) == definition.targets
    assert attrs.evolve(definition.limits) == definition.limits
    promotion = Promotion.create(id=NOW_ID, definition=definition, created_by="op", now=LATER)
    assert promotion.level is definition.level
    if definition.issuer.kind is IssuerKind.SHOP:
        assert definition.targets.kind is not TargetKind.PLATFORM


@pytest.mark.rule("PRO-2")
@VALID
@given(promotions(KINDS, LATER))
def test_every_promotion_is_in_a_status_its_own_methods_reach(promotion: Promotion) -> None:
    status = promotion.status_at(LATER)
    assert status is not PromotionStatus.ACTIVE or promotion.definition.window.contains(LATER)
    assert promotion.created_at <= LATER
    assert promotion.pending_events[0].event_type == "pricing.promotion_created"


@pytest.mark.parametrize("status", list(PromotionStatus))
def test_each_status_is_reached(status: PromotionStatus) -> None:
    drawn = reach(promotions(KINDS, LATER, statuses={status}), lambda p: True, max_examples=5)
    assert drawn.status_at(LATER) is status


def test_the_edges_of_a_definition_are_reached() -> None:
    definitions = promotion_definitions(KINDS, LATER)
    reach(definitions, lambda d: d.limits.per_user == 1 and d.limits.total == 1)
    reach(definitions, lambda d: d.window.starts_at == LATER)
    reach(definitions, lambda d: d.issuer.kind is IssuerKind.SHOP)
    reach(definitions, lambda d: d.level is Level.SHOP)
    for kind in AudienceKind:
        reach(definitions, lambda d, kind=kind: d.audience.kind is kind)
    for target in TargetKind:
        reach(definitions, lambda d, target=target: d.targets.kind is target)
    reach(definitions, lambda d: bool(d.targets.excluded_skus))


def test_a_definition_shrinks_to_a_platform_promotion_for_everyone_now() -> None:
    definition = smallest(promotion_definitions(KINDS))
    assert definition.targets.kind is TargetKind.PLATFORM
    assert definition.audience.kind is AudienceKind.EVERYONE
    assert definition.channels == ALL_CHANNELS
    assert definition.window.starts_at == NOW
    assert definition.window.ends_at - NOW == dt.timedelta(minutes=1)
    assert definition.issuer.kind is IssuerKind.PLATFORM


@pytest.mark.rule("PRO-1")
@pytest.mark.rule("PRO-4")
@VALID
@given(promotion_definitions(now=LATER))
def test_definitions_of_our_kinds_make_promotions_at_their_levels(
    definition: PromotionDefinition,
) -> None:
    promotion = Promotion.create(id=NOW_ID, definition=definition, created_by="op", now=LATER)
    assert promotion.level.value >= definition.kind.stage.value
    assert definition.kind.tag()


def test_every_kind_of_ours_and_every_level_is_reached() -> None:
    definitions = promotion_definitions(now=LATER)
    for name in sorted(kinds()):
        if not name.startswith("test."):
            reach(definitions, lambda d, name=name: d.kind.name == name, max_examples=5000)
    for level in Level:
        reach(definitions, lambda d, level=level: d.level is level)


def test_a_promotion_takes_its_id_from_the_strategy_given() -> None:
    fresh = uuid.UUID(int=0xABC)
    drawn = smallest(promotions(KINDS, LATER, promotion_ids=st.just(fresh)))
    assert drawn.id == fresh
    assert drawn.pending_events[0].promotion_id == fresh  # type: ignore[attr-defined]
    assert smallest(promotions(KINDS, LATER)).id == NOW_ID  # by default, ids()
