"""One coupon template and its coupons driven through random command sequences, purely through
the domain, against a simple model.

Claims, public-code claims, issues and one-time-code redemptions go through
``CouponTemplate.acquire_many`` with holdings computed from the coupons as storage computes them
(all the user's coupons of the template, and those acquired on the current business date).
Orders lock one or two coupons, are paid, cancelled, refunded in whole or in part; time passes,
the sweep writes expiries down, operators void coupons and pause the template.

Checked after every step: the issued count equals the coupons created and never passes the
total (CPN-2, CPN-3); no user claims more than the per-user limit, nor more than the daily limit
on one business date (issues are not bound by the limits, so only claims are counted, although
issued coupons do count in the holdings that bound later claims); every
coupon is in exactly the state the model says (CPN-5, CPN-10, CPN-12); and the statistics
folded from every event equal the counts read off the coupons (CPN-11).
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import uuid

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from shop_domain.coupons import (
    AcquireRequest,
    Acquisition,
    ClaimWindow,
    Coupon,
    CouponState,
    CouponTemplate,
    Distribution,
    Holdings,
    Limits,
    Outcome,
    ReturnPolicy,
    StatsDelta,
    TemplateDefinition,
    TemplateState,
    Validity,
    Via,
    deltas_by_template,
)
from shop_domain.coupons import events as ev
from shop_domain.coupons.batches import UniqueCode
from shop_domain.coupons.codes import unique_codes
from shop_domain.coupons.errors import (
    CodeNotFound,
    CouponNotAvailable,
    CouponValidityEnded,
    NotYourCoupon,
)
from shop_domain.shared import DomainError
from shop_testing.machines.coupon_model import ModelCoupon
from shop_testing.strategies import money, template_definitions

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
BUSINESS_TZ = dt.timezone(dt.timedelta(hours=8))  # business dates are Beijing dates
USERS = [uuid.UUID(int=n) for n in range(1, 4)]
TOTAL = 9
PER_USER = 3
PER_DAY = 2
VALIDITY = dt.timedelta(days=1)
CLAIMS_UNTIL = T0 + dt.timedelta(days=4)
PUBLIC_CODE = "MACHINE26"
UNIQUE_CODES = 4

users = st.sampled_from(USERS)
cny = money("CNY", max_minor=100_000)


@attrs.define
class Order:
    id: uuid.UUID
    user_id: uuid.UUID
    coupon_ids: list[uuid.UUID]
    status: str = "pending"  # pending → paid → refunded, or pending → cancelled


class CouponMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.coupons: dict[uuid.UUID, Coupon] = {}
        self.model: dict[uuid.UUID, ModelCoupon] = {}
        self.orders: dict[uuid.UUID, Order] = {}
        self.codes: list[UniqueCode] = []
        self.folded = StatsDelta()
        self.active = True
        self.counter = itertools.count(1)

    # --- set-up -------------------------------------------------------------------------------
    @initialize(drawn=template_definitions(T0, currency="CNY"))
    def create_template(self, drawn: TemplateDefinition) -> None:
        """A template the kit draws (any terms, issuer, name, distribution and return policy),
        with the validity, limits, claim window, free acquisition and public code the model
        counts on."""
        self.distribution = drawn.distribution
        self.returnable = drawn.return_policy is ReturnPolicy.ON_FULL_REFUND
        definition = attrs.evolve(
            drawn,
            validity=Validity.relative(VALIDITY.days),
            limits=Limits(TOTAL, per_user=PER_USER, per_user_per_day=PER_DAY),
            claim_window=ClaimWindow(T0, CLAIMS_UNTIL),
            acquisition=Acquisition(),
            public_code=PUBLIC_CODE,
        )
        self.template = CouponTemplate.create(
            id=uuid.uuid4(), definition=definition, created_by="operator", now=T0
        )
        self.template.activate(T0)
        batch_id = uuid.uuid4()
        self.template.reserve_codes(batch_id, UNIQUE_CODES, T0)
        self.codes = [
            UniqueCode(code, self.template.id, batch_id) for code in unique_codes(UNIQUE_CODES)
        ]
        self.collect()

    # --- the model ----------------------------------------------------------------------------
    def new_id(self) -> uuid.UUID:
        """Ids in creation order, so that the same draws pick the same coupons on a replay."""
        return uuid.UUID(int=next(self.counter))

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(BUSINESS_TZ).date()

    def holdings(self) -> dict[uuid.UUID, Holdings]:
        """What storage reads: every coupon of the template a user has, and today's."""
        held: dict[uuid.UUID, Holdings] = {}
        for expected in self.model.values():
            before = held.get(expected.user_id, Holdings())
            held[expected.user_id] = Holdings(
                before.total + 1, before.today + (expected.acquired_on == self.today)
            )
        return held

    def effective(self, coupon_id: uuid.UUID) -> CouponState:
        expected = self.model[coupon_id]
        if expected.state is CouponState.AVAILABLE and self.now >= expected.valid_until:
            return CouponState.EXPIRED
        return expected.state

    def refusal(self, user_id: uuid.UUID, via: Via, issued: int, held: Holdings) -> str | None:
        """The code the template should refuse with, in the order of CPN-2; None to grant."""
        if not self.active:
            return "coupon.not_active"
        if via is Via.ISSUE:
            if self.distribution is Distribution.CLAIMABLE:
                return "coupon.claim_only"
        else:
            if not T0 <= self.now < CLAIMS_UNTIL:
                return "coupon.outside_claim_window"
            if via is not Via.UNIQUE_CODE and self.distribution is Distribution.ISSUE_ONLY:
                return "coupon.issue_only"
        if issued >= TOTAL:
            return "coupon.sold_out"
        if via is not Via.ISSUE:
            if held.total >= PER_USER:
                return "coupon.per_user_limit"
            if held.today >= PER_DAY:
                return "coupon.per_user_daily_limit"
        return None

    def collect(self) -> None:
        """Pull every event, as the unit of work would, and fold it into the statistics."""
        pulled = self.template.pull_events()
        for coupon in self.coupons.values():
            pulled.extend(coupon.pull_events())
        for event in pulled:
            if isinstance(event, ev.CouponEvent):
                assert event.template_id == self.template.id
                assert self.model[event.coupon_id].user_id == event.user_id
        for delta in deltas_by_template(pulled).values():
            self.folded += delta

    def hand_out(self, requests: list[AcquireRequest]) -> list[Coupon | DomainError]:
        predicted_held = self.holdings()
        issued = len(self.coupons)
        predictions: list[str | None] = []
        for request in requests:
            held = predicted_held.get(request.user_id, Holdings())
            refusal = self.refusal(request.user_id, request.via, issued, held)
            predictions.append(refusal)
            if refusal is None:
                issued += 1
                predicted_held[request.user_id] = Holdings(held.total + 1, held.today + 1)

        holdings = self.holdings()
        outcomes = self.template.acquire_many(
            requests, new_id=self.new_id, holdings=holdings, now=self.now, today=self.today
        )
        assert len(outcomes) == len(requests)
        for request, refusal, outcome in zip(requests, predictions, outcomes, strict=True):
            if refusal is not None:
                assert isinstance(outcome, DomainError), (refusal, outcome)
                assert outcome.code == refusal
                continue
            assert isinstance(outcome, Coupon), (request, outcome)
            assert outcome.id not in self.coupons
            assert (outcome.user_id, outcome.via, outcome.state) == (
                request.user_id,
                request.via,
                CouponState.AVAILABLE,
            )
            assert (outcome.valid_from, outcome.valid_until) == (self.now, self.now + VALIDITY)
            self.coupons[outcome.id] = outcome
            self.model[outcome.id] = ModelCoupon(
                user_id=request.user_id,
                via=request.via,
                acquired_on=self.today,
                valid_until=self.now + VALIDITY,
            )
        assert holdings == predicted_held == self.holdings()  # what storage would read now
        return outcomes

    def pick(self, data: st.DataObject, statuses: str) -> Order:
        candidates = sorted(o.id for o in self.orders.values() if o.status == statuses)
        return self.orders[data.draw(st.sampled_from(candidates))]

    def has_orders(self, status: str) -> bool:
        return any(o.status == status for o in self.orders.values())

    # --- handing out --------------------------------------------------------------------------
    @rule(
        batch=st.lists(
            st.tuples(users, st.sampled_from([Via.CLAIM, Via.CLAIM, Via.CODE, Via.ISSUE])),
            min_size=1,
            max_size=4,
        )
    )
    def acquire(self, batch: list[tuple[uuid.UUID, Via]]) -> None:
        self.hand_out(
            [
                AcquireRequest(
                    user_id=user,
                    via=via,
                    code=PUBLIC_CODE if via is Via.CODE else None,
                    campaign_key="compensation" if via is Via.ISSUE else None,
                    actor="operator" if via is Via.ISSUE else "",
                )
                for user, via in batch
            ]
        )

    @rule(user=users, index=st.integers(min_value=0, max_value=UNIQUE_CODES - 1))
    def redeem_unique_code(self, user: uuid.UUID, index: int) -> None:
        code = self.codes[index]
        if code.redeemed_by == user:
            assert code.redeem(user, uuid.uuid4(), self.now) is Outcome.ALREADY
            return
        if code.redeemed_by is not None:
            with pytest.raises(CodeNotFound):
                code.redeem(user, uuid.uuid4(), self.now)
            return
        request = AcquireRequest(user_id=user, via=Via.UNIQUE_CODE, code=code.code)
        [outcome] = self.hand_out([request])
        if isinstance(outcome, Coupon):
            assert code.redeem(user, outcome.id, self.now) is Outcome.DONE
            assert outcome.code == code.code

    @rule()
    def pause_or_resume(self) -> None:
        if self.active:
            self.template.pause(self.now)
        else:
            self.template.activate(self.now)
        self.active = not self.active
        expected = TemplateState.ACTIVE if self.active else TemplateState.PAUSED
        assert self.template.state is expected

    # --- orders -------------------------------------------------------------------------------
    def available(self, user: uuid.UUID | None = None) -> list[uuid.UUID]:
        return sorted(
            cid
            for cid, expected in self.model.items()
            if self.effective(cid) is CouponState.AVAILABLE and user in (None, expected.user_id)
        )

    @precondition(lambda self: bool(self.available()))
    @rule(data=st.data(), two=st.booleans())
    def place_order(self, data: st.DataObject, two: bool) -> None:
        first = data.draw(st.sampled_from(self.available()))
        user = self.model[first].user_id
        chosen = [first]
        others = [cid for cid in self.available(user) if cid != first]
        if two and others:
            chosen.append(data.draw(st.sampled_from(others)))
        order = Order(self.new_id(), user, chosen)
        for cid in chosen:
            assert self.coupons[cid].lock(order.id, user, self.now) is Outcome.DONE
            self.model[cid].state = CouponState.LOCKED
            self.model[cid].order_id = order.id
        for cid in chosen:  # the order service retries
            assert self.coupons[cid].lock(order.id, user, self.now) is Outcome.ALREADY
        self.orders[order.id] = order

    @rule(user=users, data=st.data())
    def lock_refused(self, user: uuid.UUID, data: st.DataObject) -> None:
        if not self.coupons:
            return
        cid = data.draw(st.sampled_from(sorted(self.coupons)))
        expected = self.model[cid]
        refusal: type[DomainError]
        if user != expected.user_id:
            refusal = NotYourCoupon
        elif self.effective(cid) is CouponState.AVAILABLE:
            return  # place_order locks available coupons
        elif self.effective(cid) is CouponState.EXPIRED:
            refusal = CouponValidityEnded
        else:
            refusal = CouponNotAvailable
        with pytest.raises(refusal):
            self.coupons[cid].lock(uuid.uuid4(), user, self.now)

    @precondition(lambda self: self.has_orders("pending"))
    @rule(data=st.data())
    def pay(self, data: st.DataObject) -> None:
        order = self.pick(data, "pending")
        for cid in order.coupon_ids:
            discount, amount = data.draw(cny), data.draw(cny)
            coupon = self.coupons[cid]
            assert coupon.use(order.id, discount, amount, self.now) is Outcome.DONE
            assert coupon.use(order.id, discount, amount, self.now) is Outcome.ALREADY
            self.model[cid].state = CouponState.USED
            self.model[cid].discount = discount
            self.model[cid].order_amount = amount
        order.status = "paid"

    @precondition(lambda self: self.has_orders("pending"))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order = self.pick(data, "pending")
        for cid in order.coupon_ids:
            expected = self.model[cid]
            coupon = self.coupons[cid]
            assert coupon.release(order.id, self.now) is Outcome.DONE
            assert coupon.release(order.id, self.now) is Outcome.ALREADY
            expired = self.now >= expected.valid_until  # CPN-12
            expected.state = CouponState.EXPIRED if expired else CouponState.AVAILABLE
            expected.order_id = None
        order.status = "cancelled"

    @precondition(lambda self: self.has_orders("paid"))
    @rule(data=st.data(), whole=st.booleans())
    def refund(self, data: st.DataObject, whole: bool) -> None:
        order = self.pick(data, "paid")
        returns = whole and self.returnable  # CPN-10
        for cid in order.coupon_ids:
            expected = self.model[cid]
            coupon = self.coupons[cid]
            outcome = coupon.give_back(order.id, whole, self.now)
            if not returns:
                assert outcome is Outcome.KEPT
                continue
            assert outcome is Outcome.DONE
            assert coupon.give_back(order.id, whole, self.now) is Outcome.ALREADY
            expired = self.now >= expected.valid_until
            expected.state = CouponState.EXPIRED if expired else CouponState.AVAILABLE
            expected.order_id = expected.discount = expected.order_amount = None
        if whole:
            order.status = "refunded"

    # --- time and housekeeping ----------------------------------------------------------------
    @rule(hours=st.integers(min_value=1, max_value=20))
    def time_passes(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)

    @rule()
    def sweep(self) -> None:
        for cid, coupon in self.coupons.items():
            expected = self.model[cid]
            due = expected.state is CouponState.AVAILABLE and self.now >= expected.valid_until
            assert coupon.expire(self.now) is due
            if due:
                expected.state = CouponState.EXPIRED

    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        if not self.coupons:
            return
        cid = data.draw(st.sampled_from(sorted(self.coupons)))
        expected = self.model[cid]
        coupon = self.coupons[cid]
        if expected.state is CouponState.VOIDED:
            assert coupon.void("duplicate", "operator", self.now) is Outcome.ALREADY
        elif self.effective(cid) is CouponState.AVAILABLE:
            assert coupon.void("duplicate", "operator", self.now) is Outcome.DONE
            expected.state = CouponState.VOIDED
        else:
            with pytest.raises(CouponNotAvailable):
                coupon.void("duplicate", "operator", self.now)

    # --- invariants ---------------------------------------------------------------------------
    @invariant()
    def the_total_is_never_passed(self) -> None:
        assert self.template.issued == len(self.coupons) <= TOTAL
        assert self.template.remaining == TOTAL - len(self.coupons)

    @invariant()
    def no_user_claims_past_a_limit(self) -> None:
        claims = [e for e in self.model.values() if e.via is not Via.ISSUE]
        per_user = collections.Counter(e.user_id for e in claims)
        per_day = collections.Counter((e.user_id, e.acquired_on) for e in claims)
        assert all(n <= PER_USER for n in per_user.values()), per_user
        assert all(n <= PER_DAY for n in per_day.values()), per_day

    @invariant()
    def every_coupon_is_in_the_state_the_model_says(self) -> None:
        for cid, coupon in self.coupons.items():
            expected = self.model[cid]
            assert isinstance(coupon.state, CouponState)
            assert [s for s in CouponState if coupon.state is s] == [expected.state]
            assert coupon.effective_state(self.now) is self.effective(cid)
            assert coupon.order_id == expected.order_id
            assert (coupon.discount, coupon.order_amount) == (
                expected.discount,
                expected.order_amount,
            )

    @invariant()
    def the_statistics_fold_matches_the_coupons(self) -> None:
        self.collect()
        states = collections.Counter(coupon.state for coupon in self.coupons.values())
        used = [c for c in self.coupons.values() if c.state is CouponState.USED]
        assert self.folded == StatsDelta(
            issued=len(self.coupons),
            claimed=sum(c.via is not Via.ISSUE for c in self.coupons.values()),
            available=states[CouponState.AVAILABLE],
            locked=states[CouponState.LOCKED],
            used=states[CouponState.USED],
            expired=states[CouponState.EXPIRED],
            voided=states[CouponState.VOIDED],
            discount_minor=sum(c.discount.minor for c in used if c.discount is not None),
            gmv_minor=sum(c.order_amount.minor for c in used if c.order_amount is not None),
            orders=len(used),
            distinct_users=len({c.user_id for c in self.coupons.values()}),
        )


CouponMachine.TestCase.settings = settings(max_examples=400, stateful_step_count=50, deadline=None)
TestCouponMachine = CouponMachine.TestCase
for _rule_id in ("CPN-2", "CPN-3", "CPN-4", "CPN-5", "CPN-10", "CPN-11", "CPN-12"):
    TestCouponMachine = pytest.mark.rule(_rule_id)(TestCouponMachine)
