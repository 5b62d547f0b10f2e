"""The kit's gift-card machine (``shop_testing.machines.giftcards``) over a whole runtime: as it
ships; extended the way an embedder would (a context of theirs with a bus middleware capping
what gift cards may pay per order, a rule and an invariant of their own, its refusals
predicted); and against a runtime with a bug planted in its payments, which it must catch.
"""

from __future__ import annotations

import uuid
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from shop_adapters.contexts import CONTEXTS
from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.plugins import giftcards as giftcard_plugin
from shop_app.giftcards import commands as c
from shop_app.giftcards.payments import PaymentHandlers
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import GiftCardsUnitOfWork
from shop_app.giftcards.queries import GiftCardQueries, UsageFilter
from shop_app.giftcards.results import Charged
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.middleware import Call, Middleware, Proceed
from shop_app.shared.paging import PageRequest
from shop_domain.shared.errors import Conflict
from shop_domain.shared.money import Money
from shop_testing.invariants.base import InvariantBroken
from shop_testing.machines.giftcard_model import USERS
from shop_testing.machines.giftcards import GiftCardMachine

TestGiftCardBooks = GiftCardMachine.TestCase
for _rule_id in ("GC-3", "GC-4", "GC-5", "GC-7", "GC-8", "MON-3"):
    TestGiftCardBooks = pytest.mark.rule(_rule_id)(TestGiftCardBooks)


# --- extended: an embedder's cap on what gift cards pay per order -----------------------------

CAP = 300
"""Minor units gift cards may pay of one order, in the embedder's shop."""


class OverTheCap(Conflict):
    code = "embedder.giftcard_cap"


class CapGiftCardPayments(Middleware):
    """The embedder's rule, as bus middleware: no order is paid more than :data:`CAP` by
    gift cards."""

    def applies_to(self, command_type: type) -> bool:
        return command_type is c.SpendGiftCards

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        if call.message.amount.minor > CAP:
            raise OverTheCap(f"gift cards pay at most {CAP} of an order")
        return await proceed(call)


CAPPED = ContextPlugin(
    name="giftcard_cap", tables=(), middlewares=lambda _wiring: [CapGiftCardPayments()]
)


class CappedGiftCardMachine(GiftCardMachine):
    """Ours, with the cap plugged in: our rules keep being checked, the cap's refusals are
    predicted exactly, and the cap has a rule and an invariant of its own."""

    contexts = (*CONTEXTS, CAPPED)

    def predict(self, command: object, predicted: frozenset[str]) -> frozenset[str]:
        if isinstance(command, c.SpendGiftCards) and command.amount.minor > CAP:
            return frozenset({OverTheCap.code})  # the middleware runs before our rules
        return predicted

    @rule(user=st.sampled_from(USERS), over=st.integers(min_value=1, max_value=1_000))
    def pay_over_the_cap(self, user: uuid.UUID, over: int) -> None:
        order_id = uuid.UUID(int=next(self.serial))
        cards = [card for card in self.model.cards if card.user == user] or self.model.cards
        command = self.spend_command(order_id, user, cards, self.money(CAP + over))
        assert self.send(command, [OverTheCap.code]).refusal == OverTheCap.code

    @invariant()
    def no_order_is_paid_over_the_cap(self) -> None:
        queries = self.shop.runtime.get(GiftCardQueries)
        found = self.run(queries.usages(PageRequest(1, 200), UsageFilter(batch_id=self.batch_id)))
        paid: dict[uuid.UUID, int] = {}
        for usage in found.items:
            paid[usage.order_id] = paid.get(usage.order_id, 0) + usage.amount.minor
        assert all(total <= CAP for total in paid.values()), paid


TestCappedGiftCardBooks = pytest.mark.rule("GC-7")(CappedGiftCardMachine.TestCase)


# --- a planted bug ----------------------------------------------------------------------------


class ChargesOneUnitLess(PaymentHandlers):
    """Payments that leave one minor unit on the first card charged, though its usage records
    the whole amount: balance and usages no longer agree."""

    async def spend(self, command: c.SpendGiftCards, uow: GiftCardsUnitOfWork) -> Charged:
        charged = await super().spend(command, uow)
        card = await uow.giftcards.get(charged.charges[0].card_id)
        if card.balance < card.face_value:
            card.balance = card.balance + Money(1, card.balance.currency)
        return charged


def _broken_handlers(wiring: Wiring) -> dict[type, CommandHandler]:
    handlers = dict(giftcard_plugin.PLUGIN.handlers(wiring))
    handlers[c.SpendGiftCards] = ChargesOneUnitLess(wiring.resolve(GiftCardPolicy)).spend
    return handlers


BROKEN = attrs.evolve(giftcard_plugin.PLUGIN, handlers=_broken_handlers)


class MachineOnABrokenRuntime(GiftCardMachine):
    contexts = tuple(BROKEN if p is giftcard_plugin.PLUGIN else p for p in CONTEXTS)


@pytest.mark.rule("GC-7")
def test_the_machine_catches_a_payment_that_leaves_money_on_a_card() -> None:
    with pytest.raises(InvariantBroken) as caught:
        run_state_machine_as_test(
            MachineOnABrokenRuntime,
            settings=settings(
                max_examples=30,
                stateful_step_count=10,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    assert caught.value.check == "giftcard books"
    assert any(
        "spent" in finding and "not its face value" in finding for finding in caught.value.findings
    ), str(caught.value)
