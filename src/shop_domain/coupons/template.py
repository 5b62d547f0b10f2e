"""The coupon template (definition, CPN-1) and how coupons are handed out from it (CPN-2..4).

The template is the one place that decides whether a coupon may be handed out: it owns the
issued count and checks every acquisition, one by one, in :meth:`CouponTemplate.acquire`.
Persistence serialises acquisitions of one template (a row lock on PostgreSQL, the write lock on
SQLite, an optimistic version everywhere), so the checks hold under any concurrency.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from shop_domain.coupons import events as ev
from shop_domain.coupons import rules
from shop_domain.coupons.coupon import AcquireRequest as AcquireRequest  # the app imports it here
from shop_domain.coupons.coupon import Coupon, Via
from shop_domain.coupons.errors import InvalidTemplate, TemplateNotEditable, TemplateStateConflict
from shop_domain.coupons.terms import (
    Acquisition,
    ClaimWindow,
    CouponTerms,
    Distribution,
    Issuer,
    IssuerKind,
    Limits,
    ReturnPolicy,
    ScopeKind,
    Validity,
)
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import DomainError
from shop_domain.shared.rules import check_rule

NAME_MAX = 100
DESCRIPTION_MAX = 2000
PUBLIC_CODE = re.compile(r"^[A-Z0-9]{4,32}$")


def normalise_code(raw: str) -> str:
    """Codes are compared without case, spaces or dashes (``abcd-efgh`` is ``ABCDEFGH``)."""
    return re.sub(r"[\s-]", "", raw).upper()


class TemplateState(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


@attrs.frozen(kw_only=True)
class TemplateDefinition:
    """Everything an operator defines about a template (CPN-1). Validated as a whole."""

    name: str
    description: str = ""
    terms: CouponTerms
    issuer: Issuer = attrs.field(factory=Issuer)
    validity: Validity
    limits: Limits
    claim_window: ClaimWindow = attrs.field(factory=ClaimWindow)
    distribution: Distribution = Distribution.CLAIMABLE
    acquisition: Acquisition = attrs.field(factory=Acquisition)
    public: bool = True
    return_policy: ReturnPolicy = ReturnPolicy.ON_FULL_REFUND
    public_code: str | None = None

    def __attrs_post_init__(self) -> None:
        name = self.name.strip() if isinstance(self.name, str) else ""
        if not name or len(name) > NAME_MAX:
            raise InvalidTemplate(f"a template has a name of 1..{NAME_MAX} characters")
        if len(self.description) > DESCRIPTION_MAX:
            raise InvalidTemplate(f"the description has at most {DESCRIPTION_MAX} characters")
        object.__setattr__(self, "name", name)
        if self.public_code is not None:
            code = normalise_code(self.public_code)
            if not PUBLIC_CODE.fullmatch(code):
                raise InvalidTemplate("a public code is 4..32 letters and digits")
            object.__setattr__(self, "public_code", code)
        if self.issuer.kind is IssuerKind.SHOP and self.terms.scope.kind is ScopeKind.ALL:
            raise InvalidTemplate("a shop's coupon cannot apply to every shop's goods")
        if (
            self.terms.scope.kind is ScopeKind.SHOP
            and self.issuer.kind is IssuerKind.SHOP
            and self.terms.scope.shop_id != self.issuer.shop_id
        ):
            raise InvalidTemplate("a shop's coupon applies to its own shop")
        _ = self.currency  # raises for a rate benefit without a threshold or a cap

    @property
    def currency(self) -> str:
        return self.terms.benefit.currency


@attrs.frozen
class Holdings:
    """How many coupons of one template a user holds in total and acquired today."""

    total: int = 0
    today: int = 0

    def plus_one(self) -> Holdings:
        return Holdings(self.total + 1, self.today + 1)


@attrs.define(slots=False, eq=False)
class CouponTemplate(Aggregate):
    name: str
    description: str
    terms: CouponTerms
    issuer: Issuer
    validity: Validity
    limits: Limits
    claim_window: ClaimWindow
    distribution: Distribution
    acquisition: Acquisition
    public: bool
    return_policy: ReturnPolicy
    public_code: str | None
    currency: str
    state: TemplateState
    issued: int
    codes_reserved: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime

    # --- lifecycle ----------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        *,
        id: uuid.UUID,
        definition: TemplateDefinition,
        created_by: str,
        now: dt.datetime,
    ) -> CouponTemplate:
        template = cls(
            id=id,
            **_fields(definition),
            state=TemplateState.DRAFT,
            issued=0,
            codes_reserved=0,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        template.record(
            ev.TemplateCreated(
                occurred_at=now, template_id=id, name=definition.name, created_by=created_by
            )
        )
        return template

    @property
    def definition(self) -> TemplateDefinition:
        return TemplateDefinition(
            name=self.name,
            description=self.description,
            terms=self.terms,
            issuer=self.issuer,
            validity=self.validity,
            limits=self.limits,
            claim_window=self.claim_window,
            distribution=self.distribution,
            acquisition=self.acquisition,
            public=self.public,
            return_policy=self.return_policy,
            public_code=self.public_code,
        )

    def edit(self, definition: TemplateDefinition, now: dt.datetime) -> None:
        """Replace the definition. Only a draft is edited: coupons already out keep their terms."""
        if self.state is not TemplateState.DRAFT:
            raise TemplateNotEditable(f"a {self.state.value} template cannot be edited")
        old = _fields(self.definition)
        new = _fields(definition)
        changed = tuple(sorted(k for k in new if new[k] != old[k]))
        if not changed:
            return
        for key, value in new.items():
            setattr(self, key, value)
        self.updated_at = now
        self.record(ev.TemplateEdited(occurred_at=now, template_id=self.id, fields=changed))

    def activate(self, now: dt.datetime) -> None:
        """Draft or paused → active. A template whose coupons could never be used stays put."""
        if self.state is TemplateState.ACTIVE:
            return
        if self.state not in (TemplateState.DRAFT, TemplateState.PAUSED):
            raise TemplateStateConflict(f"an {self.state.value} template cannot be activated")
        if self.validity.ended_by(now):
            raise TemplateStateConflict("the template's validity has already ended")
        self._move(TemplateState.ACTIVE, now, ev.TemplateActivated)

    def pause(self, now: dt.datetime) -> None:
        if self.state is TemplateState.PAUSED:
            return
        if self.state is not TemplateState.ACTIVE:
            raise TemplateStateConflict(f"a {self.state.value} template cannot be paused")
        self._move(TemplateState.PAUSED, now, ev.TemplatePaused)

    def end(self, now: dt.datetime) -> None:
        """No more coupons are handed out; those already out stay usable within validity."""
        if self.state is TemplateState.ENDED:
            return
        if self.state is TemplateState.DRAFT:
            raise TemplateStateConflict("a draft template is edited or left, not ended")
        self._move(TemplateState.ENDED, now, ev.TemplateEnded)

    def _move(
        self,
        state: TemplateState,
        now: dt.datetime,
        event: Callable[..., ev.TemplateEvent],
    ) -> None:
        self.state = state
        self.updated_at = now
        self.record(event(occurred_at=now, template_id=self.id))

    # --- handing coupons out (CPN-2, CPN-3, CPN-4) ---------------------------------------
    @property
    def remaining(self) -> int:
        return self.limits.total_quantity - self.issued

    def claimable_at(self, now: dt.datetime) -> bool:
        """Whether a claim could succeed now, quantity and user limits aside."""
        return (
            self.state is TemplateState.ACTIVE
            and self.distribution.claimable
            and self.claim_window.contains(now)
            and not self.validity.ended_by(now)
        )

    def check_acquisition(
        self, request: AcquireRequest, holdings: Holdings, now: dt.datetime
    ) -> None:
        """Raise the first broken rule, in the order CPN-2 gives."""
        check_rule(rules.TemplateIsActive(self.state.value))
        if request.via is Via.ISSUE:
            check_rule(rules.TemplateIsIssuable(self.distribution.issuable))
        else:
            check_rule(rules.InsideClaimWindow(self.claim_window.contains(now)))
            if request.via is not Via.UNIQUE_CODE:  # a one-time code is its own permission
                check_rule(rules.TemplateIsClaimable(self.distribution.claimable))
        check_rule(rules.ValidityNotOver(self.validity.ended_by(now)))
        if request.via is Via.EXCHANGE:
            check_rule(rules.AcquisitionIsForPoints(self.acquisition.points))
        elif request.via is not Via.ISSUE:
            check_rule(rules.AcquisitionIsFree(self.acquisition.points))
        check_rule(rules.QuantityRemains(self.issued, self.limits.total_quantity))
        if request.via is not Via.ISSUE:  # operators and triggers give beyond user limits
            check_rule(rules.WithinPerUserLimit(holdings.total, self.limits.per_user))
            check_rule(rules.WithinDailyLimit(holdings.today, self.limits.per_user_per_day))

    def acquire(
        self,
        request: AcquireRequest,
        *,
        coupon_id: uuid.UUID,
        holdings: Holdings,
        now: dt.datetime,
        today: dt.date,
    ) -> Coupon:
        """Hand one coupon to ``request.user_id`` or raise why not; counts it as issued."""
        self.check_acquisition(request, holdings, now)
        valid_from, valid_until = self.validity.window_for(now)
        coupon = Coupon.acquired(
            id=coupon_id,
            template_id=self.id,
            request=request,
            valid_from=valid_from,
            valid_until=valid_until,
            returnable=self.return_policy is ReturnPolicy.ON_FULL_REFUND,
            first_for_user=holdings.total == 0,
            now=now,
            today=today,
        )
        self.issued += 1
        return coupon

    def acquire_many(
        self,
        requests: Sequence[AcquireRequest],
        *,
        new_id: Callable[[], uuid.UUID],
        holdings: dict[uuid.UUID, Holdings],
        now: dt.datetime,
        today: dt.date,
    ) -> list[Coupon | DomainError]:
        """Decide a batch in order: each request gets its coupon or the error that refused it.
        ``holdings`` is updated as coupons are handed out."""
        outcomes: list[Coupon | DomainError] = []
        for request in requests:
            held = holdings.get(request.user_id, Holdings())
            try:
                coupon = self.acquire(
                    request, coupon_id=new_id(), holdings=held, now=now, today=today
                )
            except DomainError as refused:
                outcomes.append(refused)
                continue
            holdings[request.user_id] = held.plus_one()
            outcomes.append(coupon)
        return outcomes

    def reserve_codes(self, batch_id: uuid.UUID, count: int, now: dt.datetime) -> None:
        """Set aside ``count`` unique one-time codes (CPN-4); never more than the total."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidTemplate("the number of codes is a positive whole number")
        if self.state is TemplateState.ENDED:
            raise TemplateStateConflict("an ended template gets no new codes")
        check_rule(rules.CodesWithinTotal(self.codes_reserved, count, self.limits.total_quantity))
        self.codes_reserved += count
        self.updated_at = now
        self.record(
            ev.CodesReserved(occurred_at=now, template_id=self.id, batch_id=batch_id, count=count)
        )


def _fields(definition: TemplateDefinition) -> dict[str, Any]:
    values = {f.name: getattr(definition, f.name) for f in attrs.fields(TemplateDefinition)}
    values["currency"] = definition.currency
    return values
