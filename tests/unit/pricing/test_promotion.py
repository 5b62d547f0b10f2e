"""The Promotion aggregate (PRO-2): what a definition accepts, its level (PRO-4), its lifecycle
draft → scheduled → active ⇄ paused → ended, and ranking (PRO-5)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from tests.unit.pricing.promotion_builders import (
    APRIL,
    JUNE,
    MAY,
    OTHER_SHOP,
    PHONES,
    SHOP,
    FlatOff,
    OneOff,
    definition,
    item,
    promotion,
)

from shop_domain.pricing import events as ev
from shop_domain.pricing.errors import InvalidPromotion, PromotionConflict, PromotionStateConflict
from shop_domain.pricing.promotion import Clash, Level, PromotionStatus
from shop_domain.pricing.terms import (
    Audience,
    AudienceKind,
    CustomerFacts,
    Issuer,
    IssuerKind,
    PromotionLimits,
    TargetKind,
    Targets,
    Window,
)

HOUR = dt.timedelta(hours=1)
BEFORE = APRIL - HOUR


@pytest.mark.rule("PRO-2")
def test_a_new_promotion_is_a_draft_and_says_so() -> None:
    created = promotion()
    assert created.status is PromotionStatus.DRAFT
    assert created.status_at(APRIL) is PromotionStatus.DRAFT  # a draft never starts by itself
    again = type(created).create(
        id=uuid.uuid4(), definition=definition(), created_by="op", now=BEFORE
    )
    [event] = again.pull_events()
    assert isinstance(event, ev.PromotionCreated)
    assert (event.name, event.kind, event.created_by) == ("Spring", "test.flat_off", "op")


@pytest.mark.rule("PRO-2")
def test_a_scheduled_promotion_is_active_inside_its_window_and_ends_with_it() -> None:
    spring = promotion()
    spring.schedule(BEFORE, clashes=[])
    assert spring.status_at(BEFORE) is PromotionStatus.SCHEDULED
    assert spring.status_at(APRIL) is PromotionStatus.ACTIVE
    assert spring.is_active(MAY - HOUR)
    assert spring.status_at(MAY) is PromotionStatus.ENDED  # the end is exclusive
    assert [type(e) for e in spring.pull_events()] == [ev.PromotionScheduled]


@pytest.mark.rule("PRO-2")
def test_active_and_paused_go_back_and_forth_then_end() -> None:
    spring = promotion()
    spring.schedule(BEFORE, clashes=[])
    with pytest.raises(PromotionStateConflict):
        spring.pause(BEFORE)  # not active yet
    spring.pause(APRIL)
    assert spring.status_at(APRIL + HOUR) is PromotionStatus.PAUSED
    assert spring.status_at(MAY) is PromotionStatus.ENDED  # a paused one ends with its window
    with pytest.raises(PromotionStateConflict):
        spring.pause(APRIL + HOUR)
    spring.resume(APRIL + HOUR)
    assert spring.is_active(APRIL + 2 * HOUR)
    spring.end(APRIL + 3 * HOUR, ended_by="op")
    assert spring.status_at(APRIL + 4 * HOUR) is PromotionStatus.ENDED
    with pytest.raises(PromotionStateConflict):
        spring.end(APRIL + 4 * HOUR, ended_by="op")
    assert [type(e) for e in spring.pull_events()] == [
        ev.PromotionScheduled,
        ev.PromotionPaused,
        ev.PromotionResumed,
        ev.PromotionEnded,
    ]


@pytest.mark.rule("PRO-2")
def test_only_a_draft_is_edited_and_only_what_changed_is_told() -> None:
    spring = promotion()
    spring.edit(definition(), BEFORE)
    assert spring.pull_events() == []  # nothing changed
    spring.edit(definition(name="Spring sale", priority=5), BEFORE)
    [edited] = spring.pull_events()
    assert isinstance(edited, ev.PromotionEdited)
    assert edited.fields == ("name", "priority")
    spring.schedule(BEFORE, clashes=[])
    with pytest.raises(PromotionStateConflict):
        spring.edit(definition(name="Too late"), BEFORE)


@pytest.mark.rule("PRO-2")
def test_a_promotion_whose_window_is_over_is_not_scheduled() -> None:
    with pytest.raises(PromotionStateConflict):
        promotion().schedule(MAY, clashes=[])


@pytest.mark.rule("PRO-3")
def test_scheduling_over_a_clash_is_refused_naming_the_promotion_and_skus() -> None:
    spring = promotion()
    clash = Clash(uuid.UUID(int=7), "满400减20", (item(1).sku_id, item(2).sku_id))
    with pytest.raises(PromotionConflict) as refused:
        spring.schedule(BEFORE, clashes=[clash])
    assert refused.value.code == "promotion.conflict"
    assert refused.value.details == {
        "clashes": [
            {
                "promotion_id": str(uuid.UUID(int=7)),
                "name": "满400减20",
                "sku_ids": [str(item(1).sku_id), str(item(2).sku_id)],
            }
        ]
    }
    assert spring.status is PromotionStatus.DRAFT


@pytest.mark.rule("PRO-4")
def test_the_level_follows_the_kind_and_for_thresholds_the_goods() -> None:
    assert definition(kind=OneOff()).level is Level.ITEM
    assert definition().level is Level.ORDER  # a threshold on the platform's goods
    on_phones = Targets(TargetKind.CATEGORY, frozenset({PHONES}))
    assert definition(targets=on_phones).level is Level.SHOP
    shop_wide = Targets(TargetKind.SHOP, frozenset({SHOP}))
    mine = Issuer(IssuerKind.SHOP, SHOP)
    assert definition(targets=shop_wide, issuer=mine).level is Level.SHOP


@pytest.mark.rule("PRO-2")
@pytest.mark.parametrize(
    "fields",
    [
        {"name": " "},
        {"name": "x" * 61},
        {"channels": frozenset()},
        {"issuer": Issuer(IssuerKind.SHOP, SHOP)},  # a shop's promotion on the whole platform
        {
            "issuer": Issuer(IssuerKind.SHOP, SHOP),
            "targets": Targets(TargetKind.SHOP, frozenset({OTHER_SHOP})),
        },
    ],
)
def test_definitions_that_break_pro_2_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidPromotion):
        definition(**fields)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Window(MAY, APRIL),
        lambda: Window(APRIL.replace(tzinfo=None), MAY),
        lambda: Audience(AudienceKind.MEMBER_LEVEL),
        lambda: Audience(AudienceKind.MEMBER_LEVEL, min_level=0),
        lambda: Audience(AudienceKind.GROUP),
        lambda: Audience(AudienceKind.EVERYONE, group="vip"),
        lambda: Targets(TargetKind.SKU),
        lambda: Targets(TargetKind.PLATFORM, frozenset({SHOP})),
        lambda: PromotionLimits(per_user=0),
        lambda: PromotionLimits(per_user=3, total=2),
        lambda: Issuer(IssuerKind.SHOP),
    ],
)
def test_the_parts_of_a_definition_refuse_what_makes_no_sense(build: object) -> None:
    with pytest.raises(InvalidPromotion):
        build()  # type: ignore[operator]


@pytest.mark.rule("PRO-2")
def test_audiences() -> None:
    gold = CustomerFacts(member_level=3, groups=frozenset({"staff"}))
    newcomer = CustomerFacts(new_user=True)
    assert Audience().admits(newcomer)
    assert Audience(AudienceKind.NEW_USERS).admits(newcomer)
    assert not Audience(AudienceKind.NEW_USERS).admits(gold)
    assert Audience(AudienceKind.MEMBER_LEVEL, min_level=3).admits(gold)
    assert not Audience(AudienceKind.MEMBER_LEVEL, min_level=4).admits(gold)
    assert Audience(AudienceKind.GROUP, group="staff").admits(gold)
    assert not Audience(AudienceKind.GROUP, group="staff").admits(newcomer)


@pytest.mark.rule("PRO-2")
def test_targets_cover_goods_by_any_of_their_keys_less_the_exclusions() -> None:
    phone, other_shops_phone = item(1), item(2, shop=OTHER_SHOP)
    assert Targets().covers(phone)
    assert Targets(TargetKind.SKU, frozenset({phone.sku_id})).covers(phone)
    assert Targets(TargetKind.SPU, frozenset({phone.spu_id})).covers(phone)
    assert Targets(TargetKind.CATEGORY, frozenset({PHONES})).covers(other_shops_phone)
    assert Targets(TargetKind.SHOP, frozenset({SHOP})).covers(phone)
    assert not Targets(TargetKind.SHOP, frozenset({SHOP})).covers(other_shops_phone)
    assert not Targets(excluded_skus=frozenset({phone.sku_id})).covers(phone)
    assert not Targets(
        TargetKind.CATEGORY, frozenset({PHONES}), excluded_spus=frozenset({phone.spu_id})
    ).covers(phone)


@pytest.mark.rule("PRO-5")
def test_ranking_prefers_the_higher_priority_then_the_older() -> None:
    old, new, high = promotion(1), promotion(2, now=APRIL), promotion(3, now=JUNE, priority=9)
    assert sorted([new, old, high], key=lambda p: p.rank()) == [high, old, new]


def test_the_test_kinds_register_under_their_names() -> None:
    assert FlatOff().name == "test.flat_off"
    assert FlatOff(off=5).tag() == "-5"
