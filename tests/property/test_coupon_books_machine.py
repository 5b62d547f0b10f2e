"""The kit's coupon machine (``shop_testing.machines.coupons``) over a ``memory://`` runtime: as
shipped, extended the way an embedder extends it, and against runtimes with bugs planted in
them, which it must catch.

The machine drives one template through the bus with the real coupon commands and checks after
every step the coupon books (CPN-2, CPN-3, CPN-11 and each coupon's state, CPN-5, CPN-10,
CPN-12), the outbox (an event for every recorded change) and its model.
"""

from __future__ import annotations

import collections
import itertools
import uuid
from collections.abc import Mapping
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from shop_adapters.contexts import CONTEXTS
from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.plugins import coupons
from shop_app.coupons import commands as c
from shop_app.coupons.acquiring import ClaimBatchHandler
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CouponsUnitOfWork
from shop_app.coupons.results import Acquired, OrderCoupons, Refused
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.middleware import Call, Middleware, Proceed
from shop_domain.shared.errors import Conflict
from shop_testing.invariants.base import InvariantBroken
from shop_testing.invariants.coupons import coupons_of
from shop_testing.machines.coupons import CouponTemplateMachine

TestCouponBooks = CouponTemplateMachine.TestCase
for _rule_id in ("CPN-2", "CPN-3", "CPN-4", "CPN-5", "CPN-9", "CPN-10", "CPN-11", "CPN-12"):
    TestCouponBooks = pytest.mark.rule(_rule_id)(TestCouponBooks)


def one_run(**overrides: Any) -> settings:
    """Settings for a run that must end the same way every time."""
    return settings(
        CouponTemplateMachine.run_settings,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        **overrides,
    )


# --- an embedder's stricter policy ------------------------------------------------------------

BANNED = CouponTemplateMachine.users[-1]


class ClaimsClosed(Conflict):
    """The embedder's own refusal: this user may not take coupons."""

    code = "acme.claims_closed"


class BannedUsersTakeNothing(Middleware):
    """A bus middleware of the embedder's: the banned user neither claims nor redeems."""

    def applies_to(self, command_type: type) -> bool:
        return command_type in (c.ClaimCoupon, c.RedeemCode)

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        if call.message.user_id == BANNED:
            raise ClaimsClosed("claims are closed for this user")
        return await proceed(call)


# first, so that it sees each claim before the coupons' claim batching takes it
ACME = ContextPlugin(name="acme", tables=(), middlewares=lambda _wiring: [BannedUsersTakeNothing()])


class AcmeCouponBooks(CouponTemplateMachine):
    """Our rules and checks, on a runtime with the embedder's policy plugged in, plus a rule
    and an invariant of the embedder's own."""

    contexts = (ACME, *CONTEXTS)
    extra_refusal_codes = frozenset({ClaimsClosed.code})

    def __init__(self) -> None:
        super().__init__()
        self.keys = itertools.count(1)

    def claim_command(self, user: uuid.UUID) -> object:
        """Claims carry the embedder's idempotency keys (each claim a new one)."""
        return c.ClaimCoupon(
            template_id=self.template_id, user_id=user, key=f"acme-{next(self.keys)}"
        )

    @rule()
    def the_banned_user_tries_to_claim(self) -> None:
        self.attempt(self.claim_command(BANNED), ClaimsClosed.code)

    @invariant()
    def the_banned_user_took_nothing(self) -> None:
        held = self.run(coupons_of(self.shop))
        assert not [k.id for k in held if k.user_id == BANNED and k.via.claimed]


def test_an_embedders_policy_refuses_claims_and_our_checks_still_hold() -> None:
    seen: collections.Counter[tuple[str, str]] = collections.Counter()

    class Watched(AcmeCouponBooks):
        def teardown(self) -> None:
            seen.update(self.refused)
            super().teardown()

    run_state_machine_as_test(Watched, settings=one_run(max_examples=5))
    assert seen[("ClaimCoupon", ClaimsClosed.code)] > 0, seen
    assert seen[("RedeemCode", ClaimsClosed.code)] > 0, seen
    ours = {code for (_, code), count in seen.items() if code != ClaimsClosed.code and count}
    assert ours, "our own refusals were checked as well"


# --- planted bugs -----------------------------------------------------------------------------


def _coupons_with(replace: Mapping[type, Any]) -> tuple[ContextPlugin, ...]:
    """Our contexts, the coupons' handlers of ``replace`` swapped in."""

    def handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
        mine = dict(coupons.PLUGIN.handlers(wiring))
        policy = wiring.resolve(CouponPolicy)
        mine.update({command: make(policy) for command, make in replace.items()})
        return mine

    broken = attrs.evolve(coupons.PLUGIN, handlers=handlers)
    return tuple(broken if plugin is coupons.PLUGIN else plugin for plugin in CONTEXTS)


class ClaimsNotCounted(ClaimBatchHandler):
    """Hands claimed coupons out without counting them on the template."""

    async def __call__(
        self, command: c.ClaimBatch, uow: CouponsUnitOfWork
    ) -> list[Acquired | Refused]:
        template = await uow.coupon_templates.get_for_update(command.template_id)
        issued = template.issued
        answers = await super().__call__(command, uow)
        template.issued = issued
        return answers


class MachineWithClaimsNotCounted(CouponTemplateMachine):
    contexts = _coupons_with({c.ClaimBatch: ClaimsNotCounted})


@pytest.mark.rule("CPN-2")
def test_the_machine_finds_coupons_handed_out_without_being_counted() -> None:
    with pytest.raises(InvariantBroken, match=r"issued count \d+ but \d+ coupon\(s\) exist"):
        run_state_machine_as_test(MachineWithClaimsNotCounted, settings=one_run())


async def _release_nothing(command: c.ReleaseCoupons, uow: CouponsUnitOfWork) -> OrderCoupons:
    """Answers a cancelled order's release and leaves its coupons locked."""
    return OrderCoupons(command.order_id, ())


class MachineWithCouponsNeverReleased(CouponTemplateMachine):
    contexts = _coupons_with({c.ReleaseCoupons: lambda _policy: _release_nothing})


@pytest.mark.rule("CPN-5")
def test_the_model_finds_coupons_a_cancelled_order_kept() -> None:
    """The books are consistent (a locked coupon with its order); only the model knows the
    order was cancelled."""
    with pytest.raises(AssertionError, match=r"the model says"):
        run_state_machine_as_test(
            MachineWithCouponsNeverReleased, settings=one_run(max_examples=100)
        )
