"""The kit's coupon strategies: every term, definition and template is one the domain builds again
from its parts, the edges are reached (every kind, limits of one, a validity ending exactly at
``now``), and examples shrink to readable ones (CPN-1, CPN-3, CPN-4, CPN-10, CPN-11)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest
from hypothesis import given
from tests.kit.strategies_support import PARAMETERS, VALID, reach, rebuilt, smallest

from shop_domain.coupons import (
    AcquireRequest,
    Benefit,
    Channel,
    ClaimWindow,
    Coupon,
    CouponKind,
    CouponScope,
    CouponTemplate,
    CouponTerms,
    Distribution,
    Holdings,
    IssuerKind,
    Limits,
    ReturnPolicy,
    ScopeKind,
    StatsDelta,
    TemplateDefinition,
    TemplateState,
    Validity,
    ValidityKind,
    Via,
)
from shop_domain.coupons.terms import MAX_RELATIVE_DAYS, RATE_PLACES
from shop_domain.shared import Money
from shop_testing.strategies import (
    NOW,
    benefits,
    claim_windows,
    coupon_limits,
    coupon_scopes,
    coupon_templates,
    coupon_validities,
    rates,
    stats_deltas,
    template_definitions,
)

LATER = NOW + dt.timedelta(days=3)


# --- every draw is valid ----------------------------------------------------------------------


@pytest.mark.rule("CPN-1")
@VALID
@given(benefits())
def test_every_benefit_is_built_again_and_prices_a_cart(benefit: Benefit) -> None:
    assert rebuilt(benefit) == benefit
    reached = benefit.threshold or Money(10**6, benefit.currency)
    off = benefit.discount_for(reached)
    assert 0 <= off.minor <= reached.minor
    if benefit.kind is CouponKind.RATE:
        assert benefit.rate is not None
        assert 0 < benefit.rate < 1
        assert -benefit.rate.as_tuple().exponent <= RATE_PLACES  # type: ignore[operator]


@pytest.mark.rule("CPN-1")
@VALID
@given(template_definitions(LATER))
def test_every_definition_is_built_again_and_makes_a_template(
    definition: TemplateDefinition,
) -> None:
    terms = definition.terms
    assert rebuilt(terms.scope) == terms.scope
    assert rebuilt(terms) == terms
    assert rebuilt(definition.limits) == definition.limits
    assert rebuilt(definition.validity) == definition.validity
    assert rebuilt(definition.claim_window) == definition.claim_window
    assert rebuilt(definition) == definition
    template = CouponTemplate.create(
        id=uuid.uuid4(), definition=definition, created_by="op", now=LATER
    )
    assert template.definition == definition
    if definition.validity.kind is ValidityKind.ABSOLUTE:
        assert definition.validity.ends_at is not None
        assert abs(definition.validity.ends_at - LATER) <= dt.timedelta(days=30)


@pytest.mark.rule("CPN-2")
@VALID
@given(template_definitions(LATER, claimable=True))
def test_a_claimable_definition_takes_a_first_claim_at_now(definition: TemplateDefinition) -> None:
    template = CouponTemplate.create(
        id=uuid.uuid4(), definition=definition, created_by="op", now=LATER
    )
    template.activate(LATER)
    user = uuid.uuid4()
    [outcome] = template.acquire_many(
        [AcquireRequest(user_id=user, via=Via.CLAIM)],
        new_id=uuid.uuid4,
        holdings={user: Holdings()},
        now=LATER,
        today=LATER.date(),
    )
    assert isinstance(outcome, Coupon), outcome


@pytest.mark.rule("CPN-1")
@pytest.mark.rule("CPN-2")
@VALID
@given(coupon_templates(LATER))
def test_every_template_is_in_a_state_its_methods_reach(template: CouponTemplate) -> None:
    again = CouponTemplate.create(
        id=template.id, definition=template.definition, created_by="op", now=LATER
    )
    assert template.issued == 0
    assert template.created_at == LATER
    if template.state is not TemplateState.DRAFT:
        again.activate(LATER)  # refused once the validity has ended
        assert not template.validity.ended_by(LATER)
    if template.state is TemplateState.ACTIVE and template.distribution.issuable:
        request = AcquireRequest(user_id=uuid.uuid4(), via=Via.ISSUE, actor="op")
        template.check_acquisition(request, Holdings(), LATER)  # an operator may issue now
    assert (
        len(template.pending_events)
        == 1
        + {
            TemplateState.DRAFT: 0,
            TemplateState.ACTIVE: 1,
            TemplateState.PAUSED: 2,
            TemplateState.ENDED: 2,
        }[template.state]
    )


@pytest.mark.rule("CPN-1")
@PARAMETERS
@given(
    coupon_templates(LATER, states=[TemplateState.ACTIVE], currency="KWD", kinds=[CouponKind.RATE])
)
def test_templates_keep_what_was_asked_for(template: CouponTemplate) -> None:
    assert template.state is TemplateState.ACTIVE
    assert (template.currency, template.terms.benefit.kind) == ("KWD", CouponKind.RATE)


@pytest.mark.rule("CPN-11")
@VALID
@given(stats_deltas(bound=5))
def test_every_statistics_delta_is_built_again(delta: StatsDelta) -> None:
    assert rebuilt(delta) == delta
    assert all(-5 <= n <= 5 for n in delta.as_dict().values())


# --- the edges are reached --------------------------------------------------------------------


@pytest.mark.rule("CPN-1")
@pytest.mark.parametrize("kind", list(CouponKind))
def test_every_kind_is_reached(kind: CouponKind) -> None:
    assert reach(benefits(), lambda b: b.kind is kind).kind is kind
    definition = reach(template_definitions(), lambda d: d.terms.benefit.kind is kind)
    assert definition.terms.benefit.kind is kind


@pytest.mark.rule("CPN-1")
def test_benefit_edges_are_reached() -> None:
    full = reach(benefits(kinds=[CouponKind.THRESHOLD]), lambda b: b.value == b.threshold)
    assert full.discount_for(full.value) == full.value  # type: ignore[arg-type]
    assert reach(benefits(kinds=[CouponKind.RATE]), lambda b: b.threshold is None).max_discount
    assert reach(benefits(kinds=[CouponKind.RATE]), lambda b: b.max_discount is None).threshold
    assert reach(benefits(kinds=[CouponKind.RATE]), lambda b: b.threshold and b.max_discount)
    assert reach(benefits(), lambda b: b.currency == "JPY").currency == "JPY"
    assert reach(rates(), lambda r: r == decimal.Decimal("0.9999"))
    assert reach(rates(), lambda r: r == decimal.Decimal("0.0001"))


@pytest.mark.rule("CPN-1")
@pytest.mark.parametrize("kind", list(ScopeKind))
def test_every_scope_is_reached_with_exclusions(kind: ScopeKind) -> None:
    scope = reach(coupon_scopes(), lambda s: s.kind is kind and s.excluded_sku_ids)
    assert rebuilt(scope) == scope


@pytest.mark.rule("CPN-1")
def test_a_shops_coupon_is_reached_and_covers_some_of_its_goods() -> None:
    shop = reach(template_definitions(), lambda d: d.issuer.kind is IssuerKind.SHOP)
    assert shop.terms.scope.kind is not ScopeKind.ALL
    own = reach(template_definitions(), lambda d: d.terms.scope.kind is ScopeKind.SHOP)
    assert own.issuer.kind is IssuerKind.PLATFORM or own.issuer.shop_id == own.terms.scope.shop_id


@pytest.mark.rule("CPN-2")
def test_limits_of_one_are_reached() -> None:
    ones = reach(coupon_limits(), lambda lim: lim == Limits(1, per_user=1, per_user_per_day=1))
    assert rebuilt(ones) == ones
    assert reach(coupon_limits(), lambda lim: lim.per_user is None and lim.per_user_per_day)
    assert reach(coupon_limits(max_total=50), lambda lim: lim.total_quantity == 50)


@pytest.mark.rule("CPN-1")
@pytest.mark.rule("CPN-12")
def test_a_validity_ending_exactly_now_is_reached() -> None:
    ending = reach(coupon_validities(LATER), lambda v: v.ends_at == LATER)
    assert ending.ended_by(LATER)
    assert not ending.ended_by(LATER - dt.timedelta(minutes=1))
    definition = reach(template_definitions(LATER), lambda d: d.validity.ends_at == LATER)
    draft = CouponTemplate.create(id=uuid.uuid4(), definition=definition, created_by="o", now=LATER)
    assert not draft.claimable_at(LATER)
    assert reach(coupon_validities(LATER), lambda v: v.ends_at and v.ends_at < LATER)
    assert reach(coupon_validities(), lambda v: v.days == MAX_RELATIVE_DAYS)
    soonest = reach(coupon_validities(LATER, ends_after_now=True), lambda v: v.ends_at)
    assert soonest.ends_at is not None
    assert soonest.ends_at > LATER


@pytest.mark.rule("CPN-2")
def test_claim_windows_are_reached_open_and_closed() -> None:
    assert reach(claim_windows(LATER), lambda w: w == ClaimWindow())
    assert reach(claim_windows(LATER), lambda w: w.starts_at and w.ends_at is None)
    assert reach(claim_windows(LATER), lambda w: w.starts_at is None and w.ends_at)
    closed = reach(claim_windows(LATER), lambda w: w.ends_at and w.ends_at <= LATER)
    assert not closed.contains(LATER)


@pytest.mark.rule("CPN-3")
@pytest.mark.rule("CPN-4")
@pytest.mark.rule("CPN-10")
@pytest.mark.parametrize(
    ("distribution", "policy"),
    [
        (Distribution.CLAIMABLE, ReturnPolicy.ON_FULL_REFUND),
        (Distribution.ISSUE_ONLY, ReturnPolicy.NON_RETURNABLE),
        (Distribution.BOTH, ReturnPolicy.NON_RETURNABLE),
    ],
)
def test_distribution_acquisition_codes_and_return_policies_are_reached(
    distribution: Distribution, policy: ReturnPolicy
) -> None:
    found = reach(
        template_definitions(),
        lambda d: d.distribution is distribution and d.return_policy is policy,
    )
    assert (found.distribution, found.return_policy) == (distribution, policy)
    assert reach(template_definitions(), lambda d: d.acquisition.points > 0 and d.public_code)
    assert reach(template_definitions(), lambda d: not d.public and d.terms.stackable)


@pytest.mark.rule("CPN-1")
@pytest.mark.parametrize("state", list(TemplateState))
def test_a_template_in_every_state_is_reached(state: TemplateState) -> None:
    assert reach(coupon_templates(), lambda t: t.state is state).state is state


# --- shrinking --------------------------------------------------------------------------------


def test_failing_examples_shrink_to_small_readable_coupons() -> None:
    assert smallest(benefits()) == Benefit(CouponKind.CASH, value=Money(1, "CNY"))
    assert smallest(rates()) == decimal.Decimal("0.8")
    assert smallest(coupon_limits()) == Limits(1)
    assert smallest(coupon_validities()) == Validity.relative(1)
    assert smallest(coupon_scopes()) == CouponScope()
    definition = smallest(template_definitions())
    assert (definition.name, definition.terms.benefit, definition.limits) == (
        "a",
        Benefit(CouponKind.CASH, value=Money(1, "CNY")),
        Limits(1),
    )
    assert definition.terms == CouponTerms(
        benefit=Benefit(CouponKind.CASH, value=Money(1, "CNY")), channels=[Channel.APP]
    )
    assert smallest(coupon_templates()).state is TemplateState.DRAFT
