"""A coupon template and its coupons driven through a whole runtime, with the real commands,
against a small model — a base class to subclass with your own rules and commands.

:class:`CouponTemplateMachine` creates and activates a template, reserves a few one-time codes,
then in random order: users claim, redeem the public code or a one-time code; an operator issues
to some users under a campaign key, pauses and resumes the template and voids coupons; orders
lock a coupon (or try two of one template, or someone else's), are paid, cancelled or refunded in
whole or in part; time passes and the expiry sweep runs. Every answer is the one the model
predicts (:mod:`shop_testing.machines.coupon_model`), and after every step the runtime's coupon
books (:func:`~shop_testing.invariants.coupons.check_coupon_books`), its outbox
(:func:`~shop_testing.invariants.outbox.check_outbox`) and the model agree.

To put your rules beside ours::

    class MyShopCoupons(CouponTemplateMachine):
        contexts = (MY_POLICY, *CONTEXTS)          # your plug-in: a middleware, handlers…
        extra_refusal_codes = frozenset({VipOnly.code})   # refusals your policy may add

        def claim_command(self, user):              # your context on our commands
            return ClaimCoupon(template_id=self.template_id, user_id=user, key=...)

        @rule()
        def my_own_move(self): ...

    TestMyShopCoupons = MyShopCoupons.TestCase

The command hooks, :meth:`~CouponCommands.send` and the judging of answers are in
:class:`~shop_testing.machines.coupon_commands.CouponCommands`: a refusal whose code is in
``extra_refusals()`` is recorded (``self.refused``) and changes nothing in the model, whatever
the model predicted; any other surprise fails the run. Our own ``@initialize`` runs in any order
with a subclass's: set up what needs the template in :meth:`prepare`, which runs at the end of
ours. A rule overridden without its ``@rule`` decorator stops being a rule.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from shop_app.coupons import commands as c
from shop_app.coupons.queries import CouponQueries
from shop_app.coupons.results import Acquired, IssueReport
from shop_domain.coupons import rules
from shop_domain.coupons.coupon import CouponState, Via
from shop_domain.coupons.template import TemplateDefinition, TemplateState
from shop_domain.coupons.terms import (
    Benefit,
    ClaimWindow,
    CouponKind,
    CouponTerms,
    Distribution,
    Limits,
    ReturnPolicy,
    Validity,
)
from shop_domain.shared.money import Money
from shop_testing.invariants.coupons import (
    check_coupon_books,
    coupon_changes,
    coupons_of,
)
from shop_testing.invariants.outbox import Source, check_outbox
from shop_testing.machines.coupon_commands import Answer, CouponCommands
from shop_testing.machines.coupon_model import (
    CANCELLED,
    PAID,
    PENDING,
    REFUNDED,
    CouponModel,
    ModelOrder,
)


class CouponTemplateMachine(CouponCommands):
    """One template through the bus; see the module's documentation."""

    users: ClassVar[tuple[uuid.UUID, ...]] = tuple(uuid.UUID(int=n) for n in range(1, 4))
    limits: ClassVar[Limits] = Limits(8, per_user=3, per_user_per_day=2)
    validity_days: ClassVar[int] = 1
    claim_days: ClassVar[int] = 3
    """The claim window: from the machine's start for this many days."""
    public_code: ClassVar[str | None] = "KITCODE26"
    one_time_codes: ClassVar[int] = 3
    campaign_keys: ClassVar[tuple[str, ...]] = ("welcome", "compensation")
    outbox_sources: ClassVar[tuple[Source, ...]] = (coupon_changes,)
    """What the outbox check looks for: the coupons' changes (the machine changes nothing
    else); add the sources of what your rules change."""
    run_settings: ClassVar[settings] = settings(
        max_examples=10,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    """The settings of ``TestCase``, for this class and each subclass (set yours here)."""

    model: CouponModel

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TestCase.settings = cls.run_settings

    # --- hooks for subclasses -----------------------------------------------------------------
    def template_definition(
        self, distribution: Distribution, returnable: bool
    ) -> TemplateDefinition:
        """The template the run creates (20 off 100 CNY)."""
        return TemplateDefinition(
            name="Kit machine",
            terms=CouponTerms(
                benefit=Benefit(
                    CouponKind.THRESHOLD, value=Money(2000, "CNY"), threshold=Money(10000, "CNY")
                )
            ),
            validity=Validity.relative(self.validity_days),
            limits=self.limits,
            claim_window=ClaimWindow(self.start, self.start + dt.timedelta(days=self.claim_days)),
            distribution=distribution,
            return_policy=ReturnPolicy.ON_FULL_REFUND
            if returnable
            else ReturnPolicy.NON_RETURNABLE,
            public_code=self.public_code,
        )

    def prepare(self) -> None:
        """Runs at the end of :meth:`create_template`, the template active: a subclass's set-up
        that needs it."""

    def draw_user(self, data: st.DataObject) -> uuid.UUID:
        return data.draw(st.sampled_from(self.users), label="user")

    def _acquire(self, command: object, user: uuid.UUID, via: Via) -> Answer:
        expected = self.model.refusal(via, self.model.holdings(user, self.today), self.now)
        answer = self.attempt(command, expected)
        if answer.ok:
            acquired: Acquired = answer.result
            assert acquired.template_id == self.template_id
            assert not acquired.replayed, f"a new {via.value} answered a replay"
            coupon = self.model.acquired(acquired.coupon_id, user, via, self.now, self.today)
            assert acquired.valid_until == coupon.valid_until
        return answer

    # --- set-up -------------------------------------------------------------------------------
    @initialize(distribution=st.sampled_from(Distribution), returnable=st.booleans())
    def create_template(self, distribution: Distribution, returnable: bool) -> None:
        definition = self.template_definition(distribution, returnable)
        create = c.CreateTemplate(definition=definition, created_by=self.operator)
        self.template_id = self.run(self.send(create))
        self.run(self.send(c.ActivateTemplate(template_id=self.template_id)))
        self.model = CouponModel(self.template_id, definition)
        if self.one_time_codes:
            self.run(self._reserve_codes())
        self.prepare()

    async def _reserve_codes(self) -> None:
        reserve = c.ReserveCodeBatch(
            template_id=self.template_id, count=self.one_time_codes, created_by=self.operator
        )
        started = await self.send(reserve)
        await self.shop.runtime.job_runner.run_until_idle("kit-machine")
        async for chunk in self.shop.runtime.get(CouponQueries).batch_codes(started.batch_id):
            self.model.codes.update(dict.fromkeys(chunk))
        assert len(self.model.codes) == self.one_time_codes

    # --- handing out --------------------------------------------------------------------------
    @rule(data=st.data())
    def claim(self, data: st.DataObject) -> None:
        user = self.draw_user(data)
        self._acquire(self.claim_command(user), user, Via.CLAIM)

    @rule(data=st.data())
    def redeem_public_code(self, data: st.DataObject) -> None:
        code = self.model.definition.public_code
        if code is None:
            return
        user = self.draw_user(data)
        self._acquire(self.redeem_command(user, code.lower()), user, Via.CODE)

    @precondition(lambda self: bool(self.model.codes))
    @rule(data=st.data())
    def redeem_one_time_code(self, data: st.DataObject) -> None:
        user = self.draw_user(data)
        # a code someone else redeemed counts as a wrong code, and wrong codes lock users out
        # (CPN-4): the model leaves those to the unit tests
        mine_or_free = [
            code
            for code, coupon_id in self.model.codes.items()
            if coupon_id is None or self.model.coupons[coupon_id].user_id == user
        ]
        if not mine_or_free:
            return
        code = data.draw(st.sampled_from(mine_or_free), label="code")
        earlier = self.model.codes[code]
        if earlier is not None:  # the same user again: the coupon the code bound
            answer = self.attempt(self.redeem_command(user, code))
            if answer.ok:
                assert answer.result.coupon_id == earlier, "a code binds one coupon"
                assert answer.result.replayed, "a code redeemed again answers a replay"
            return
        answer = self._acquire(self.redeem_command(user, code), user, Via.UNIQUE_CODE)
        if answer.ok:
            self.model.codes[code] = answer.result.coupon_id

    @rule(
        data=st.data(),
        how_many=st.integers(min_value=1, max_value=3),
    )
    def issue(self, data: st.DataObject, how_many: int) -> None:
        users = data.draw(
            st.lists(st.sampled_from(self.users), min_size=1, max_size=how_many, unique=True),
            label="users",
        )
        key = data.draw(st.sampled_from(self.campaign_keys), label="campaign_key")
        already = {
            u: self.model.campaigns[(key, u)] for u in users if (key, u) in self.model.campaigns
        }
        issued, expected = len(self.model.coupons), {}
        for user in users:
            if user in already:
                continue
            refusal = self.model.refusal(
                Via.ISSUE, self.model.holdings(user, self.today), self.now, issued=issued
            )
            expected[user] = refusal
            issued += refusal is None
        answer = self.attempt(self.issue_command(tuple(users), key))
        if not answer.ok:
            return
        report: IssueReport = answer.result
        assert dict(report.already) == already, (report.already, already)
        assert dict(report.refused) == {u: r for u, r in expected.items() if r is not None}
        granted = dict(report.issued)
        assert set(granted) == {u for u, r in expected.items() if r is None}, report
        for user, coupon_id in granted.items():
            self.model.acquired(coupon_id, user, Via.ISSUE, self.now, self.today)
            self.model.campaigns[(key, user)] = coupon_id

    @rule(pause=st.integers(min_value=0, max_value=2).map(lambda n: n == 1))
    def pause_or_resume(self, pause: bool) -> None:
        """Resume a paused template; pause an active one now and then (``pause``), so that most
        steps meet an active template."""
        if self.model.active and not pause:
            return
        move = c.PauseTemplate if self.model.active else c.ActivateTemplate
        if self.attempt(move(template_id=self.template_id)).ok:
            self.model.active = not self.model.active

    # --- orders -------------------------------------------------------------------------------
    @precondition(lambda self: bool(self.model.available(self.now)))
    @rule(data=st.data(), two=st.booleans())
    def place_order(self, data: st.DataObject, two: bool) -> None:
        first = data.draw(st.sampled_from(self.model.available(self.now)), label="coupon")
        user = self.model.coupons[first].user_id
        others = [cid for cid in self.model.available(self.now, user) if cid != first]
        order_id = uuid.uuid4()
        if two and others:  # one coupon per template on an order (CPN-8)
            second = data.draw(st.sampled_from(others), label="second coupon")
            command = self.lock_command(order_id, user, (first, second))
            self.attempt(command, rules.OneCouponPerTemplateOnOrder.code)
            return
        if self.attempt(self.lock_command(order_id, user, (first,))).ok:
            coupon = self.model.coupons[first]
            coupon.state, coupon.order_id = CouponState.LOCKED, order_id
            self.model.orders[order_id] = ModelOrder(order_id, user, first)

    @precondition(lambda self: bool(self.model.coupons))
    @rule(data=st.data())
    def lock_refused(self, data: st.DataObject) -> None:
        coupon_id = data.draw(st.sampled_from(list(self.model.coupons)), label="coupon")
        user = self.draw_user(data)
        refusal = self.model.lock_refusal(coupon_id, user, self.now)
        if refusal is not None:  # place_order locks the coupons that can be
            self.attempt(self.lock_command(uuid.uuid4(), user, (coupon_id,)), refusal)

    def _order(self, data: st.DataObject, status: str) -> ModelOrder:
        order_id = data.draw(st.sampled_from(self.model.orders_in(status)), label="order")
        return self.model.orders[order_id]

    @precondition(lambda self: bool(self.model.orders_in(PENDING)))
    @rule(data=st.data(), amount=st.integers(min_value=0, max_value=100_000))
    def pay(self, data: st.DataObject, amount: int) -> None:
        order = self._order(data, PENDING)
        currency = self.model.definition.currency
        discount = Money(data.draw(st.integers(0, amount), label="discount"), currency)
        paid = Money(amount, currency)
        if self.attempt(self.use_command(order.id, order.coupon_id, discount, paid)).ok:
            coupon = self.model.coupons[order.coupon_id]
            coupon.state, coupon.discount, coupon.order_amount = CouponState.USED, discount, paid
            order.status = PAID

    @precondition(lambda self: bool(self.model.orders_in(PENDING)))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order = self._order(data, PENDING)
        if self.attempt(self.release_command(order.id)).ok:
            self.model.reopen(order.coupon_id, self.now)
            order.status = CANCELLED

    @precondition(lambda self: bool(self.model.orders_in(PAID)))
    @rule(data=st.data(), whole=st.booleans())
    def refund(self, data: st.DataObject, whole: bool) -> None:
        order = self._order(data, PAID)
        if not self.attempt(self.return_command(order.id, whole)).ok:
            return
        if whole and self.model.returnable:  # CPN-10
            self.model.reopen(order.coupon_id, self.now)
        if whole:
            order.status = REFUNDED

    # --- operators, time and housekeeping -----------------------------------------------------
    @precondition(lambda self: bool(self.model.coupons))
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        coupon_id = data.draw(st.sampled_from(list(self.model.coupons)), label="coupon")
        refusal = self.model.void_refusal(coupon_id, self.now)
        if self.attempt(self.void_command(coupon_id), refusal).ok:
            self.model.coupons[coupon_id].state = CouponState.VOIDED

    @rule(hours=st.integers(min_value=1, max_value=12))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule()
    def sweep(self) -> None:
        due = self.model.due_to_expire(self.now)
        answer = self.attempt(c.ExpireCoupons(limit=1000))
        if answer.ok:  # a subclass's own templates may have coupons due as well
            assert answer.result >= len(due), f"the sweep expired {answer.result}, due {len(due)}"
            for coupon_id in due:
                self.model.coupons[coupon_id].state = CouponState.EXPIRED

    # --- invariants ---------------------------------------------------------------------------
    @invariant()
    def coupon_books(self) -> None:
        self.run(check_coupon_books(self.shop))

    @invariant()
    def outbox(self) -> None:
        self.run(check_outbox(self.shop, self.outbox_sources))

    @invariant()
    def runtime_matches_the_model(self) -> None:
        self.run(self._compare())

    async def _compare(self) -> None:
        queries = self.shop.runtime.get(CouponQueries)
        view = await queries.template(self.template_id)
        coupons = [k for k in await coupons_of(self.shop) if k.template_id == self.template_id]
        model = self.model
        assert view.issued == len(model.coupons), (view.issued, len(model.coupons))
        assert view.state is (TemplateState.ACTIVE if model.active else TemplateState.PAUSED)
        found = {
            k.id: (k.user_id, k.via, k.state, k.order_id, k.discount, k.order_amount)
            for k in coupons
        }
        expected = {
            cid: (m.user_id, m.via, m.state, m.order_id, m.discount, m.order_amount)
            for cid, m in model.coupons.items()
        }
        assert found == expected, f"the coupons are\n{found}\nthe model says\n{expected}"
        # the statistics: check_coupon_books holds them to these coupons


CouponTemplateMachine.TestCase.settings = CouponTemplateMachine.run_settings

__all__ = ["CouponTemplateMachine"]
