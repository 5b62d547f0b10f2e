"""Strategies for coupon templates (RULES CPN-1..4, CPN-10, CPN-11): the terms of every kind,
limits, validity, claim windows, distribution, acquisition, return policy, whole definitions
and templates.

Each value is built through the domain's own constructors (``Benefit``, ``CouponScope``,
``Limits``, ``Validity``, ``TemplateDefinition``, ``CouponTemplate.create`` and its state
methods), whose validation runs on every draw and always passes. Times are drawn relative to a
``now`` parameter, so that "validity ending exactly now" is reached.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Collection

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from shop_domain.coupons import (
    Acquisition,
    Benefit,
    Channel,
    ClaimWindow,
    CouponKind,
    CouponScope,
    CouponTemplate,
    CouponTerms,
    Distribution,
    Issuer,
    IssuerKind,
    Limits,
    ReturnPolicy,
    ScopeKind,
    StatsDelta,
    TemplateDefinition,
    TemplateState,
    Validity,
)
from shop_domain.coupons.terms import MAX_RELATIVE_DAYS
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import currencies, max_minor_for
from shop_testing.strategies.common import (
    NOW,
    aware,
    ids,
    minutes,
    names,
    optional,
    sampled_in_order,
    words,
)

_MONTH = 60 * 24 * 30
"""Minutes in 30 days: how far from ``now`` drawn windows reach."""
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_operators = words().map(lambda w: f"op-{w}")


def coupon_kinds() -> st.SearchStrategy[CouponKind]:
    """A :class:`CouponKind`: cash, threshold (满X减Y) or rate (折扣); shrinks to cash."""
    return st.sampled_from(CouponKind)


def rates() -> st.SearchStrategy[decimal.Decimal]:
    """The fraction a rate coupon leaves to pay, strictly between 0 and 1 with at most four
    decimal places (0.0001..0.9999), normalised; shrinks to ``0.8`` (8折)."""
    return st.integers(min_value=1 - 8000, max_value=9999 - 8000).map(
        lambda k: decimal.Decimal(8000 + k).scaleb(-4).normalize()
    )


@st.composite
def benefits(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    kinds: Collection[CouponKind] | None = None,
    max_minor: int | None = None,
) -> Benefit:
    """A :class:`Benefit` of one of ``kinds`` (all when None) in ``currency`` (drawn when
    None), amounts in ``1..max_minor`` (the largest parseable amount by default):

    - cash: a face value, no threshold;
    - threshold: a threshold and a face value no larger than it;
    - rate: a :func:`rates` rate with a cap, a threshold or both (a rate coupon states its
      currency through one of them).

    Shrinks to a cash coupon of 0.01 CNY.
    """
    kind = draw(sampled_in_order(kinds, list(CouponKind)))
    code = currency if currency is not None else draw(currencies())
    top = max_minor_for(code) if max_minor is None else max_minor
    if top < 1:
        raise InvalidArgument("coupon amounts are positive: max_minor must be >= 1")
    amounts = st.integers(min_value=1, max_value=top)

    def positive() -> Money:
        return Money(draw(amounts), code)

    if kind is CouponKind.CASH:
        return Benefit(kind, value=positive())
    if kind is CouponKind.THRESHOLD:
        threshold = positive()
        value = draw(st.integers(min_value=1, max_value=threshold.minor))
        return Benefit(kind, value=Money(value, code), threshold=threshold)
    shape = draw(st.sampled_from(("threshold", "cap", "both")))
    return Benefit(
        kind,
        rate=draw(rates()),
        threshold=positive() if shape != "cap" else None,
        max_discount=positive() if shape != "threshold" else None,
    )


_few_ids = st.lists(ids(), min_size=1, max_size=3, unique=True)
_exclusions = st.lists(ids(), max_size=2, unique=True)


@st.composite
def coupon_scopes(
    draw: st.DrawFn,
    *,
    kinds: Collection[ScopeKind] | None = None,
    shop_id: uuid.UUID | None = None,
) -> CouponScope:
    """A :class:`CouponScope` of one of ``kinds`` (all when None): all goods; 1..3 categories,
    brands, or products and SKUs; or one shop (``shop_id``, drawn when None); each with 0..2
    excluded categories, brands, products and SKUs. Shrinks to all goods, no exclusion."""
    kind = draw(sampled_in_order(kinds, list(ScopeKind)))
    targets: dict[str, object] = {}
    if kind is ScopeKind.CATEGORIES:
        targets["category_ids"] = draw(_few_ids)
    elif kind is ScopeKind.BRANDS:
        targets["brand_ids"] = draw(_few_ids)
    elif kind is ScopeKind.PRODUCTS:
        product_ids = draw(st.lists(ids(), max_size=3, unique=True))
        sku_ids = draw(st.lists(ids(), min_size=0 if product_ids else 1, max_size=3, unique=True))
        targets.update(product_ids=product_ids, sku_ids=sku_ids)
    elif kind is ScopeKind.SHOP:
        targets["shop_id"] = shop_id if shop_id is not None else draw(ids())
    return CouponScope(
        kind,
        **targets,  # type: ignore[arg-type]
        excluded_category_ids=draw(_exclusions),
        excluded_brand_ids=draw(_exclusions),
        excluded_product_ids=draw(_exclusions),
        excluded_sku_ids=draw(_exclusions),
    )


def issuers(*, shop_id: uuid.UUID | None = None) -> st.SearchStrategy[Issuer]:
    """The platform, or a shop (``shop_id``, drawn when None) bearing the coupon's cost;
    shrinks to the platform."""
    shop = st.just(shop_id) if shop_id is not None else ids()
    return st.just(Issuer()) | shop.map(lambda s: Issuer(IssuerKind.SHOP, shop_id=s))


def channel_sets() -> st.SearchStrategy[frozenset[Channel]]:
    """A non-empty set of channels a coupon is usable on; shrinks to the app alone."""
    return st.frozensets(st.sampled_from(Channel), min_size=1)


@st.composite
def coupon_terms(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    kinds: Collection[CouponKind] | None = None,
    scopes: st.SearchStrategy[CouponScope] | None = None,
    max_minor: int | None = None,
) -> CouponTerms:
    """:class:`CouponTerms`: a :func:`benefits` benefit (``currency``, ``kinds``,
    ``max_minor``), a scope from ``scopes`` (:func:`coupon_scopes` when None), channels,
    stackable or not, combinable with promotions or not. Shrinks to a 0.01 CNY cash coupon on
    all goods, app only, not stackable, combinable with promotions (the defaults)."""
    return CouponTerms(
        benefit=draw(benefits(currency, kinds=kinds, max_minor=max_minor)),
        scope=draw(coupon_scopes() if scopes is None else scopes),
        channels=draw(channel_sets()),
        stackable=draw(st.booleans()),
        combinable_with_promotions=not draw(st.booleans()),
    )


@st.composite
def coupon_limits(draw: st.DrawFn, *, max_total: int = 10_000, max_per_user: int = 100) -> Limits:
    """:class:`Limits`: a total quantity of ``1..max_total``, an optional per-user limit of
    ``1..max_per_user`` and an optional daily limit no larger than it. Limits of one are
    reached; shrinks to a total of 1 and no user limit."""
    if max_total < 1 or max_per_user < 1:
        raise InvalidArgument("limits are positive: max_total and max_per_user must be >= 1")
    per_user = optional(draw, st.integers(min_value=1, max_value=max_per_user))
    per_day = optional(draw, st.integers(min_value=1, max_value=per_user or max_per_user))
    total = draw(st.integers(min_value=1, max_value=max_total))
    return Limits(total, per_user=per_user, per_user_per_day=per_day)


@st.composite
def coupon_validities(
    draw: st.DrawFn,
    now: dt.datetime = NOW,
    *,
    ends_after_now: bool = False,
    max_days: int = MAX_RELATIVE_DAYS,
) -> Validity:
    """A coupon :class:`Validity`: 1..``max_days`` days from the claim, or an absolute window
    whose end lies within 30 days of ``now`` either way — exactly ``now`` included (ended: no
    coupon acquired at ``now`` is usable), or after ``now`` only with ``ends_after_now`` —
    and which lasts from one minute to 30 days. Shrinks to one day from the claim."""
    aware(now)
    if not 1 <= max_days <= MAX_RELATIVE_DAYS:
        raise InvalidArgument(f"max_days is 1..{MAX_RELATIVE_DAYS}, not {max_days}")
    if draw(st.booleans()):
        ends = now + draw(minutes(min_value=1 if ends_after_now else -_MONTH, max_value=_MONTH))
        return Validity.absolute(ends - draw(minutes(min_value=1, max_value=_MONTH)), ends)
    return Validity.relative(draw(st.integers(min_value=1, max_value=max_days)))


@st.composite
def claim_windows(
    draw: st.DrawFn, now: dt.datetime = NOW, *, open_at_now: bool = False
) -> ClaimWindow:
    """A :class:`ClaimWindow` around ``now``: each end open or within 30 days of ``now``, the
    end after the start — with ``open_at_now``, one that takes claims at ``now`` (started at or
    before it, ending after it). Shrinks to a window open at both ends."""
    aware(now)
    if open_at_now:
        before = optional(draw, minutes(min_value=-_MONTH, max_value=0))
        after = optional(draw, minutes(min_value=1, max_value=_MONTH))
        return ClaimWindow(
            None if before is None else now + before,
            None if after is None else now + after,
        )
    starts = optional(draw, minutes(min_value=-_MONTH, max_value=_MONTH))
    starts_at = None if starts is None else now + starts
    lasts = optional(draw, minutes(min_value=1, max_value=_MONTH))
    return ClaimWindow(starts_at, None if lasts is None else (starts_at or now) + lasts)


def distributions() -> st.SearchStrategy[Distribution]:
    """Claimable, issue-only or both (CPN-3); shrinks to claimable."""
    return st.sampled_from(Distribution)


def acquisitions() -> st.SearchStrategy[Acquisition]:
    """Free, or for 1..100,000 points; shrinks to free."""
    return st.integers(min_value=0, max_value=100_000).map(lambda points: Acquisition(points))


def return_policies() -> st.SearchStrategy[ReturnPolicy]:
    """A return policy (CPN-10); shrinks to the default, returned on a full refund."""
    return st.sampled_from((ReturnPolicy.ON_FULL_REFUND, ReturnPolicy.NON_RETURNABLE))


def public_codes() -> st.SearchStrategy[str]:
    """A shared public code as the domain keeps it: 4..12 capitals and digits (CPN-4)."""
    return st.text(alphabet=_CODE_ALPHABET, min_size=4, max_size=12)


@st.composite
def template_definitions(
    draw: st.DrawFn,
    now: dt.datetime = NOW,
    *,
    currency: str | None = None,
    kinds: Collection[CouponKind] | None = None,
    ends_after_now: bool = False,
    claimable: bool = False,
) -> TemplateDefinition:
    """A whole :class:`TemplateDefinition` (CPN-1): a name and description, :func:`coupon_terms`
    whose scope suits the issuer (a shop's coupon covers some goods, and a shop scope is the
    issuer's own shop), :func:`coupon_validities` and :func:`claim_windows` around ``now``,
    :func:`coupon_limits`, distribution, acquisition, public or not, return policy and an
    optional public code. With ``claimable``, a template a customer may claim at ``now`` once it
    is active: distributed through the coupon center, free, its claim window open and its
    validity not over at ``now``. Shrinks to a platform's cash coupon of 0.01 CNY named ``a``."""
    issuer = draw(issuers())
    scopes = (
        coupon_scopes(
            kinds=[k for k in ScopeKind if k is not ScopeKind.ALL], shop_id=issuer.shop_id
        )
        if issuer.kind is IssuerKind.SHOP
        else coupon_scopes()
    )
    return TemplateDefinition(
        name=draw(names()),
        description=optional(draw, names(max_size=60)) or "",
        terms=draw(coupon_terms(currency, kinds=kinds, scopes=scopes)),
        issuer=issuer,
        validity=draw(coupon_validities(now, ends_after_now=ends_after_now or claimable)),
        limits=draw(coupon_limits()),
        claim_window=draw(claim_windows(now, open_at_now=claimable)),
        distribution=draw(
            st.sampled_from([d for d in Distribution if d.claimable])
            if claimable
            else distributions()
        ),
        acquisition=Acquisition() if claimable else draw(acquisitions()),
        public=not draw(st.booleans()),
        return_policy=draw(return_policies()),
        public_code=optional(draw, public_codes()),
    )


@st.composite
def coupon_templates(
    draw: st.DrawFn,
    now: dt.datetime = NOW,
    *,
    states: Collection[TemplateState] | None = None,
    currency: str | None = None,
    kinds: Collection[CouponKind] | None = None,
) -> CouponTemplate:
    """A :class:`CouponTemplate` made with :meth:`CouponTemplate.create` at ``now`` from
    :func:`template_definitions`, then moved at ``now`` to one of ``states`` (all when None)
    by its own methods: ``activate``, then ``pause`` or ``end``. A template that leaves draft
    has a validity that has not ended at ``now`` (the domain refuses to activate one that
    has). It keeps the events it recorded. Shrinks to a draft."""
    aware(now)
    state = draw(sampled_in_order(states, list(TemplateState)))
    definition = draw(
        template_definitions(
            now, currency=currency, kinds=kinds, ends_after_now=state is not TemplateState.DRAFT
        )
    )
    template = CouponTemplate.create(
        id=draw(ids()),
        definition=definition,
        created_by=draw(_operators),
        now=now,
    )
    if state is not TemplateState.DRAFT:
        template.activate(now)
    if state is TemplateState.PAUSED:
        template.pause(now)
    elif state is TemplateState.ENDED:
        template.end(now)
    return template


def stats_deltas(*, bound: int = 10**9) -> st.SearchStrategy[StatsDelta]:
    """A :class:`StatsDelta` (CPN-11) whose every count lies in ``-bound..bound`` (a delta takes
    counts down as well as up); shrinks to the zero delta."""
    count = st.integers(min_value=-bound, max_value=bound)
    return st.builds(StatsDelta, **{f.name: count for f in attrs.fields(StatsDelta)})


__all__ = [
    "acquisitions",
    "benefits",
    "channel_sets",
    "claim_windows",
    "coupon_kinds",
    "coupon_limits",
    "coupon_scopes",
    "coupon_templates",
    "coupon_terms",
    "coupon_validities",
    "distributions",
    "issuers",
    "public_codes",
    "rates",
    "return_policies",
    "stats_deltas",
    "template_definitions",
]
