"""The coupon template: its lifecycle (CPN-1) and how coupons are handed out from it: claims
(CPN-2), issues (CPN-3), codes (CPN-4)."""

from __future__ import annotations

import itertools
import uuid

import pytest
from tests.unit.coupons.coupon_builders import (
    DAY,
    HOUR,
    NOW,
    OTHER_USER,
    TEMPLATE_ID,
    TODAY,
    USER,
    acquire,
    active_template,
    code_of,
    definition,
    draft_template,
    event_types,
    limits,
    request,
    threshold_off,
)

from shop_domain.coupons import (
    Acquisition,
    ClaimWindow,
    Coupon,
    CouponState,
    CouponTemplate,
    Distribution,
    Holdings,
    ReturnPolicy,
    TemplateState,
    Validity,
    Via,
    events,
)
from shop_domain.coupons import rules as r
from shop_domain.coupons.errors import InvalidTemplate, TemplateNotEditable, TemplateStateConflict
from shop_domain.shared import BusinessRuleBroken, DomainError

LATER = NOW + HOUR


# --- lifecycle --------------------------------------------------------------------------------


@pytest.mark.rule("CPN-1")
def test_a_new_template_is_a_draft_with_nothing_issued() -> None:
    template = CouponTemplate.create(
        id=TEMPLATE_ID, definition=definition(), created_by="alice", now=NOW
    )
    assert template.state is TemplateState.DRAFT
    assert template.issued == 0
    assert template.codes_reserved == 0
    assert template.remaining == 100
    assert template.currency == "CNY"
    assert template.definition == definition()
    assert template.created_at == template.updated_at == NOW
    [created] = template.pull_events()
    assert isinstance(created, events.TemplateCreated)
    assert (created.template_id, created.name, created.created_by) == (
        TEMPLATE_ID,
        "Ten off",
        "alice",
    )


@pytest.mark.rule("CPN-1")
def test_a_template_goes_draft_active_paused_active_ended() -> None:
    template = draft_template()
    template.activate(NOW)
    assert template.state is TemplateState.ACTIVE
    template.pause(NOW + HOUR)
    assert template.state is TemplateState.PAUSED
    template.activate(NOW + 2 * HOUR)
    assert template.state is TemplateState.ACTIVE
    template.end(NOW + 3 * HOUR)
    assert template.state is TemplateState.ENDED
    assert template.updated_at == NOW + 3 * HOUR
    assert event_types(template) == [
        "coupons.template_activated",
        "coupons.template_paused",
        "coupons.template_activated",
        "coupons.template_ended",
    ]
    pulled = template.pull_events()
    assert all(isinstance(e, events.TemplateEvent) for e in pulled)
    assert {e.template_id for e in pulled if isinstance(e, events.TemplateEvent)} == {TEMPLATE_ID}


@pytest.mark.rule("CPN-1")
def test_a_paused_template_can_be_ended() -> None:
    template = active_template()
    template.pause(NOW)
    template.end(LATER)
    assert template.state is TemplateState.ENDED


@pytest.mark.rule("CPN-1")
def test_repeating_a_transition_changes_nothing() -> None:
    template = active_template()
    template.activate(LATER)
    assert template.pending_events == ()
    template.pause(LATER)
    template.pull_events()
    template.pause(LATER + HOUR)
    assert template.pending_events == ()
    assert template.updated_at == LATER
    template.end(LATER)
    template.pull_events()
    template.end(LATER + HOUR)
    assert template.pending_events == ()


@pytest.mark.rule("CPN-1")
def test_refused_transitions() -> None:
    draft = draft_template()
    assert code_of(lambda: draft.pause(NOW)) == "coupon.template_state"
    assert code_of(lambda: draft.end(NOW)) == "coupon.template_state"
    ended = active_template()
    ended.end(NOW)
    assert code_of(lambda: ended.activate(LATER)) == "coupon.template_state"
    assert code_of(lambda: ended.pause(LATER)) == "coupon.template_state"
    assert draft.state is TemplateState.DRAFT
    assert ended.state is TemplateState.ENDED


@pytest.mark.rule("CPN-1")
def test_a_template_whose_validity_has_ended_cannot_be_activated() -> None:
    draft = draft_template(validity=Validity.absolute(NOW - 2 * DAY, NOW))
    with pytest.raises(TemplateStateConflict, match="validity"):
        draft.activate(NOW)
    assert draft.state is TemplateState.DRAFT
    paused = active_template(validity=Validity.absolute(NOW - DAY, NOW + DAY), now=NOW - HOUR)
    paused.pause(NOW)
    with pytest.raises(TemplateStateConflict):
        paused.activate(NOW + DAY)
    assert paused.state is TemplateState.PAUSED


@pytest.mark.rule("CPN-1")
def test_a_draft_is_edited_and_the_changed_fields_are_recorded() -> None:
    template = draft_template()
    changed = definition(name="Twenty off", benefit=threshold_off(), limits=limits(total=5))
    template.edit(changed, LATER)
    assert template.definition == changed
    assert template.name == "Twenty off"
    assert template.limits.total_quantity == 5
    assert template.updated_at == LATER
    [edited] = template.pull_events()
    assert isinstance(edited, events.TemplateEdited)
    assert edited.fields == ("limits", "name", "terms")


@pytest.mark.rule("CPN-1")
def test_an_edit_that_changes_nothing_records_nothing() -> None:
    template = draft_template()
    template.edit(definition(), LATER)
    assert template.pending_events == ()
    assert template.updated_at == NOW


@pytest.mark.rule("CPN-1")
@pytest.mark.parametrize("move", ["activate", "pause", "end"])
def test_only_a_draft_is_edited(move: str) -> None:
    template = draft_template()
    template.activate(NOW)
    if move != "activate":
        getattr(template, move)(NOW)
    before = template.definition
    with pytest.raises(TemplateNotEditable) as info:
        template.edit(definition(name="Changed"), LATER)
    assert info.value.code == "coupon.template_not_editable"
    assert template.definition == before


# --- the order of the acquisition checks (CPN-2) ----------------------------------------------
#
# Each template below breaks one check and every check after it, so the code that comes out
# proves which is looked at first.


def breaking_from(first: str) -> CouponTemplate:
    """An active template breaking ``first`` and every later check; acquire at ``LATER``."""
    order = [
        "window",
        "issue_only",
        "validity",
        "points",
        "sold_out",
    ]
    broken = set(order[order.index(first) :]) if first in order else set()
    template = draft_template(
        definition(
            claim_window=ClaimWindow(NOW + DAY, NOW + 2 * DAY)
            if "window" in broken
            else ClaimWindow(),
            distribution=Distribution.ISSUE_ONLY if "issue_only" in broken else Distribution.BOTH,
            validity=Validity.absolute(NOW - DAY, LATER)
            if "validity" in broken
            else Validity.relative(3),
            acquisition=Acquisition(500) if "points" in broken else Acquisition(),
            limits=limits(total=3, per_user=2, per_day=1),
        )
    )
    template.activate(NOW)
    if "sold_out" in broken:
        template.issued = 3  # as loaded from storage with the total handed out
    return template


FULL = Holdings(total=2, today=1)  # the per-user and the daily limit reached


@pytest.mark.rule("CPN-2")
@pytest.mark.parametrize("state", ["draft", "paused", "ended"])
def test_first_the_template_must_be_active(state: str) -> None:
    template = breaking_from("window")
    if state == "draft":
        template.state = TemplateState.DRAFT
    else:
        getattr(template, "pause" if state == "paused" else "end")(NOW)
    for via in Via:
        with pytest.raises(BusinessRuleBroken) as info:
            acquire(template, via=via, held=FULL, now=LATER)
        assert info.value.code == "coupon.not_active"
        assert info.value.kind == "conflict"


@pytest.mark.rule("CPN-2")
def test_then_the_claim_window() -> None:
    template = breaking_from("window")
    assert code_of(lambda: acquire(template, held=FULL, now=LATER)) == (
        "coupon.outside_claim_window"
    )


@pytest.mark.rule("CPN-2")
@pytest.mark.rule("CPN-3")
def test_then_an_issue_only_template_refuses_claims() -> None:
    template = breaking_from("issue_only")
    for via in (Via.CLAIM, Via.CODE):
        assert code_of(lambda via=via: acquire(template, via=via, held=FULL, now=LATER)) == (
            "coupon.issue_only"
        )


@pytest.mark.rule("CPN-2")
def test_then_a_coupon_that_could_never_be_used_is_not_handed_out() -> None:
    template = breaking_from("validity")
    for via in Via:
        assert code_of(lambda via=via: acquire(template, via=via, held=FULL, now=LATER)) == (
            "coupon.validity_over"
        )


@pytest.mark.rule("CPN-2")
def test_then_a_points_priced_coupon_is_not_claimed_free() -> None:
    template = breaking_from("points")
    for via in (Via.CLAIM, Via.CODE, Via.UNIQUE_CODE):
        assert code_of(lambda via=via: acquire(template, via=via, held=FULL, now=LATER)) == (
            "coupon.points_exchange_unavailable"
        )
    # and the other way round: a free coupon is never exchanged for points (CPN-1)
    free = breaking_from("sold_out")
    assert code_of(lambda: acquire(free, via=Via.EXCHANGE, held=FULL, now=LATER)) == (
        "coupon.points_exchange_unavailable"
    )


@pytest.mark.rule("CPN-2")
def test_then_quantity_must_remain() -> None:
    template = breaking_from("sold_out")
    for via in Via:
        if via is Via.EXCHANGE:  # a free template is never exchanged for points
            continue
        assert code_of(lambda via=via: acquire(template, via=via, held=FULL, now=LATER)) == (
            "coupon.sold_out"
        )
    template.acquisition = Acquisition(500)
    assert code_of(lambda: acquire(template, via=Via.EXCHANGE, held=FULL, now=LATER)) == (
        "coupon.sold_out"
    )
    assert template.issued == 3


@pytest.mark.rule("CPN-2")
def test_then_the_per_user_limit() -> None:
    template = breaking_from("nothing")
    assert code_of(lambda: acquire(template, held=FULL, now=LATER)) == "coupon.per_user_limit"


@pytest.mark.rule("CPN-2")
def test_then_the_per_user_per_day_limit() -> None:
    template = breaking_from("nothing")
    held = Holdings(total=1, today=1)
    assert code_of(lambda: acquire(template, held=held, now=LATER)) == (
        "coupon.per_user_daily_limit"
    )


@pytest.mark.rule("CPN-2")
def test_with_every_check_passed_the_coupon_is_bound_to_the_user() -> None:
    template = breaking_from("nothing")
    coupon = acquire(template, held=Holdings(total=1, today=0), now=LATER)
    assert coupon.user_id == USER
    assert coupon.state is CouponState.AVAILABLE
    assert template.issued == 1
    assert template.remaining == 2


@pytest.mark.rule("CPN-2")
def test_a_refused_acquisition_counts_nothing() -> None:
    template = active_template(limits=limits(total=5, per_user=1, per_day=1))
    with pytest.raises(BusinessRuleBroken):
        acquire(template, held=Holdings(1, 1))
    assert template.issued == 0


@pytest.mark.rule("CPN-2")
def test_without_user_limits_only_the_total_binds() -> None:
    template = active_template(limits=limits(total=3, per_user=None, per_day=None))
    for n in range(3):
        acquire(template, held=Holdings(total=n, today=n))
    assert code_of(lambda: acquire(template, held=Holdings(3, 3))) == "coupon.sold_out"


@pytest.mark.rule("CPN-2")
def test_claimable_at_summarises_the_template_checks() -> None:
    template = active_template(claim_window=ClaimWindow(NOW, NOW + DAY))
    assert template.claimable_at(NOW)
    assert not template.claimable_at(NOW + DAY)
    template.pause(NOW)
    assert not template.claimable_at(NOW)
    assert not active_template(distribution=Distribution.ISSUE_ONLY).claimable_at(NOW)
    short = active_template(validity=Validity.absolute(NOW - DAY, NOW + HOUR))
    assert short.claimable_at(NOW)
    assert not short.claimable_at(NOW + HOUR)


# --- what an acquired coupon carries ----------------------------------------------------------


@pytest.mark.rule("CPN-2")
def test_a_claimed_coupon_carries_its_window_and_a_claim_event() -> None:
    template = active_template(return_policy=ReturnPolicy.NON_RETURNABLE)
    coupon = template.acquire(
        request(USER, Via.CLAIM, key="k-1"),
        coupon_id=uuid.UUID(int=7),
        holdings=Holdings(),
        now=LATER,
        today=TODAY,
    )
    assert coupon.id == uuid.UUID(int=7)
    assert coupon.template_id == TEMPLATE_ID
    assert (coupon.via, coupon.acquisition_key) == (Via.CLAIM, "k-1")
    assert (coupon.acquired_at, coupon.acquired_on) == (LATER, TODAY)
    assert (coupon.valid_from, coupon.valid_until) == (LATER, LATER + 7 * DAY)
    assert not coupon.returnable
    [claimed] = coupon.pull_events()
    assert isinstance(claimed, events.CouponClaimed)
    assert claimed.via == "claim"
    assert claimed.first_for_user
    assert (claimed.valid_from, claimed.valid_until) == (LATER, LATER + 7 * DAY)
    assert template.pending_events == ()  # the coupon records it, not the template


@pytest.mark.rule("CPN-1")
def test_an_absolute_validity_gives_the_templates_window() -> None:
    window = Validity.absolute(NOW - DAY, NOW + 30 * DAY)
    coupon = acquire(active_template(validity=window), held=Holdings(1, 0))
    assert (coupon.valid_from, coupon.valid_until) == (NOW - DAY, NOW + 30 * DAY)
    assert coupon.returnable  # the default return policy (CPN-10)
    [claimed] = coupon.pull_events()
    assert isinstance(claimed, events.CouponClaimed)
    assert not claimed.first_for_user


# --- issuing (CPN-3) --------------------------------------------------------------------------


@pytest.mark.rule("CPN-3")
def test_an_issue_ignores_user_limits_points_and_the_claim_window() -> None:
    template = active_template(
        distribution=Distribution.ISSUE_ONLY,
        acquisition=Acquisition(300),
        claim_window=ClaimWindow(NOW + DAY, NOW + 2 * DAY),
        limits=limits(total=10, per_user=1, per_day=1),
    )
    coupon = acquire(
        template,
        via=Via.ISSUE,
        held=Holdings(total=5, today=5),
        campaign_key="register",
        actor="system:registration",
    )
    assert coupon.via is Via.ISSUE
    assert coupon.campaign_key == "register"
    [issued] = coupon.pull_events()
    assert isinstance(issued, events.CouponIssued)
    assert (issued.campaign_key, issued.issued_by) == ("register", "system:registration")
    assert not issued.first_for_user
    assert template.issued == 1


@pytest.mark.rule("CPN-3")
def test_an_issue_respects_the_total() -> None:
    template = active_template(
        distribution=Distribution.BOTH, limits=limits(total=2, per_user=None, per_day=None)
    )
    acquire(template)
    acquire(template, via=Via.ISSUE)
    assert code_of(lambda: acquire(template, via=Via.ISSUE)) == "coupon.sold_out"
    assert template.issued == 2


@pytest.mark.rule("CPN-3")
def test_a_claim_only_template_cannot_be_issued() -> None:
    template = active_template(distribution=Distribution.CLAIMABLE)
    assert code_of(lambda: acquire(template, via=Via.ISSUE)) == "coupon.claim_only"
    both = active_template(distribution=Distribution.BOTH)
    assert acquire(both, via=Via.ISSUE).via is Via.ISSUE
    assert acquire(both, via=Via.CLAIM).via is Via.CLAIM


# --- codes (CPN-4) ----------------------------------------------------------------------------


@pytest.mark.rule("CPN-4")
def test_a_unique_code_is_its_own_permission_whatever_the_distribution() -> None:
    template = active_template(distribution=Distribution.ISSUE_ONLY)
    coupon = acquire(template, via=Via.UNIQUE_CODE, code="ABCDEFGHJKMN")
    assert (coupon.via, coupon.code) == (Via.UNIQUE_CODE, "ABCDEFGHJKMN")
    [claimed] = coupon.pull_events()
    assert isinstance(claimed, events.CouponClaimed)
    assert claimed.via == "unique_code"


@pytest.mark.rule("CPN-4")
def test_a_unique_code_still_respects_the_user_limits_the_total_and_the_window() -> None:
    template = active_template(
        distribution=Distribution.ISSUE_ONLY,
        limits=limits(total=1, per_user=1, per_day=1),
        claim_window=ClaimWindow(NOW, NOW + DAY),
    )
    unique = Via.UNIQUE_CODE
    assert code_of(lambda: acquire(template, via=unique, held=Holdings(1, 0))) == (
        "coupon.per_user_limit"
    )
    assert code_of(lambda: acquire(template, via=unique, now=NOW + DAY)) == (
        "coupon.outside_claim_window"
    )
    acquire(template, via=unique)
    assert code_of(lambda: acquire(template, OTHER_USER, via=unique)) == "coupon.sold_out"


@pytest.mark.rule("CPN-4")
def test_a_shared_public_code_is_bounded_by_the_user_limits() -> None:
    template = active_template(public_code="spring-26", limits=limits(total=10, per_user=1))
    coupon = acquire(template, via=Via.CODE, code=template.public_code)
    assert coupon.code == "SPRING26"
    assert code_of(lambda: acquire(template, via=Via.CODE, held=Holdings(1, 0))) == (
        "coupon.per_user_limit"
    )


@pytest.mark.rule("CPN-4")
def test_codes_are_reserved_within_the_total() -> None:
    template = active_template(limits=limits(total=100))
    batch_1, batch_2 = uuid.uuid4(), uuid.uuid4()
    template.reserve_codes(batch_1, 60, LATER)
    template.reserve_codes(batch_2, 40, LATER)
    assert template.codes_reserved == 100
    assert template.updated_at == LATER
    reserved = template.pull_events()
    assert [(e.batch_id, e.count) for e in reserved] == [(batch_1, 60), (batch_2, 40)]  # type: ignore[attr-defined]
    with pytest.raises(BusinessRuleBroken) as info:
        template.reserve_codes(uuid.uuid4(), 1, LATER)
    assert info.value.code == "coupon.codes_exceed_total"
    assert template.codes_reserved == 100
    assert template.pending_events == ()


@pytest.mark.rule("CPN-4")
def test_codes_are_refused_over_the_total_in_one_go() -> None:
    template = draft_template(limits=limits(total=10))
    assert code_of(lambda: template.reserve_codes(uuid.uuid4(), 11, NOW)) == (
        "coupon.codes_exceed_total"
    )
    template.reserve_codes(uuid.uuid4(), 10, NOW)  # a draft may get its codes
    assert template.codes_reserved == 10


@pytest.mark.rule("CPN-4")
@pytest.mark.parametrize("count", [0, -1, True, 2.0])
def test_a_code_count_is_a_positive_whole_number(count: object) -> None:
    template = active_template()
    with pytest.raises(InvalidTemplate):
        template.reserve_codes(uuid.uuid4(), count, NOW)  # type: ignore[arg-type]
    assert template.codes_reserved == 0


@pytest.mark.rule("CPN-4")
def test_an_ended_template_gets_no_codes() -> None:
    template = active_template()
    template.end(NOW)
    with pytest.raises(TemplateStateConflict):
        template.reserve_codes(uuid.uuid4(), 1, NOW)


# --- acquire_many -----------------------------------------------------------------------------


@pytest.mark.rule("CPN-2")
@pytest.mark.rule("CPN-3")
def test_acquire_many_never_exceeds_the_total() -> None:
    template = active_template(
        distribution=Distribution.BOTH, limits=limits(total=3, per_user=None, per_day=None)
    )
    users = [uuid.uuid4() for _ in range(5)]
    vias = [Via.CLAIM, Via.ISSUE, Via.CLAIM, Via.ISSUE, Via.CLAIM]
    outcomes = template.acquire_many(
        [request(u, v) for u, v in zip(users, vias, strict=True)],
        new_id=uuid.uuid4,
        holdings={},
        now=NOW,
        today=TODAY,
    )
    assert [isinstance(o, Coupon) for o in outcomes] == [True, True, True, False, False]
    assert [o.code for o in outcomes[3:] if isinstance(o, DomainError)] == ["coupon.sold_out"] * 2
    assert template.issued == 3


@pytest.mark.rule("CPN-2")
def test_acquire_many_updates_the_holdings_as_it_goes() -> None:
    template = active_template(limits=limits(total=10, per_user=3, per_day=2))
    third = uuid.uuid4()
    holdings = {OTHER_USER: Holdings(total=2, today=0), third: Holdings(total=7, today=1)}
    outcomes = template.acquire_many(
        [request(USER), request(USER), request(USER), request(OTHER_USER), request(OTHER_USER)],
        new_id=uuid.uuid4,
        holdings=holdings,
        now=NOW,
        today=TODAY,
    )
    codes = [o.code if isinstance(o, DomainError) else "ok" for o in outcomes]
    assert codes == ["ok", "ok", "coupon.per_user_daily_limit", "ok", "coupon.per_user_limit"]
    assert holdings == {
        USER: Holdings(total=2, today=2),
        OTHER_USER: Holdings(total=3, today=1),
        third: Holdings(total=7, today=1),  # untouched
    }
    assert template.issued == 3
    first = [o for o in outcomes if isinstance(o, Coupon)]
    flags = [e.first_for_user for c in first for e in c.pull_events()]  # type: ignore[attr-defined]
    assert flags == [True, False, False]


@pytest.mark.rule("CPN-3")
def test_acquire_many_counts_issues_in_the_holdings_too() -> None:
    template = active_template(
        distribution=Distribution.BOTH, limits=limits(total=10, per_user=2, per_day=2)
    )
    holdings: dict[uuid.UUID, Holdings] = {}
    outcomes = template.acquire_many(
        [request(USER, Via.ISSUE), request(USER, Via.ISSUE), request(USER, Via.CLAIM)],
        new_id=uuid.uuid4,
        holdings=holdings,
        now=NOW,
        today=TODAY,
    )
    assert [type(o).__name__ for o in outcomes] == ["Coupon", "Coupon", "BusinessRuleBroken"]
    assert holdings[USER] == Holdings(total=2, today=2)


@pytest.mark.rule("CPN-2")
def test_acquire_many_gives_each_coupon_a_new_id() -> None:
    template = active_template(limits=limits(total=10, per_user=None, per_day=None))
    counter = itertools.count(1)
    outcomes = template.acquire_many(
        [request(uuid.uuid4()) for _ in range(3)],
        new_id=lambda: uuid.UUID(int=next(counter)),
        holdings={},
        now=NOW,
        today=TODAY,
    )
    assert [o.id for o in outcomes if isinstance(o, Coupon)] == [
        uuid.UUID(int=1),
        uuid.UUID(int=2),
        uuid.UUID(int=3),
    ]


@pytest.mark.rule("CPN-2")
def test_the_rules_alone() -> None:
    assert r.QuantityRemains(issued=9, total=10).is_broken() is False
    assert r.QuantityRemains(issued=10, total=10).is_broken() is True
    assert r.QuantityRemains(issued=8, total=10, wanted=3).is_broken() is True
    assert r.WithinPerUserLimit(held=1, limit=2).is_broken() is False
    assert r.WithinPerUserLimit(held=2, limit=2).is_broken() is True
    assert r.WithinPerUserLimit(held=99, limit=None).is_broken() is False
    assert r.WithinDailyLimit(today=1, limit=1).is_broken() is True
    assert r.WithinDailyLimit(today=0, limit=1).is_broken() is False
    assert r.CodesWithinTotal(reserved=5, wanted=5, total=10).is_broken() is False
    assert r.CodesWithinTotal(reserved=5, wanted=6, total=10).is_broken() is True
    assert r.TemplateIsActive("active").is_broken() is False
    assert r.TemplateIsActive("paused").is_broken() is True
    assert r.AcquisitionIsFree(0).is_broken() is False
    assert r.AcquisitionIsFree(1).is_broken() is True
    assert r.OneCouponPerTemplateOnOrder((1, 2)).is_broken() is False
    assert r.OneCouponPerTemplateOnOrder((1, 1)).is_broken() is True
    assert r.StackingAllowed(count=2, all_stackable=False).is_broken() is True
    assert r.StackingAllowed(count=1, all_stackable=False).is_broken() is False
    assert r.StackingAllowed(count=3, all_stackable=True).is_broken() is False
    assert "3" in r.WithinPerUserLimit(held=3, limit=3).message()
