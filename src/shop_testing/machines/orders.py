"""A state machine over a few orders and their payments (ORD-2..5, ORD-8, MON-3, PAY-2, PAY-3,
PAY-5), against :class:`~shop_testing.machines.orders_model.OrderModel`.

Orders are submitted from drawn inputs (:func:`~shop_testing.strategies.orders.order_inputs`:
several shops, physical, virtual and cross-border goods, fees, gift cards, value limits) — split
by :func:`~shop_domain.ordering.split.plan_children`, each with its payment opened (paid at once
when the cards pay everything). The rules then do what the application's handlers do: the
gateway confirms — the right amount, a wrong one, the same trade again, another trade, after the
order was cancelled (whose money is refunded whole); orders are cancelled by the user, a timeout
or the system (their payment closed); children are shipped and received, each tried from every
state; refunds are asked for — part, the rest, more than is left, with keys drawn from a few so
they repeat — and completed by the gateway; time passes.

Each answer — the outcome, the new state, the refund's parts, or the code it is refused with —
must be the model's, and a refused command must leave the order and the payment as they were.
After every step: states are the model's; the parent's amounts are the sums of its children's,
each child's of its lines' (:func:`~shop_testing.invariants.orders.check_order_amounts`) and
the same as at submission; states agree with their times; refunds stay within each tender and
split by MON-3 (:func:`~shop_testing.invariants.orders.check_payment`); and, read from the
events the order recorded, what it holds was taken once, then released once (cancelled) or
settled once (paid), never both, and each shipped child's stock consumed once.

Extend it by subclassing: ``order_type`` and ``payment_type`` (subclasses of the aggregates, as
a planted bug is), more rules reading ``self.orders``, ``self.payments`` and ``self.models``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from shop_domain.ordering.events import ChildShipped, OrderCancelled, OrderPaid, OrderSubmitted
from shop_domain.ordering.lines import Amounts, GoodsKind
from shop_domain.ordering.order import CancelReason, Order
from shop_domain.ordering.payment import (
    Confirmation,
    Payment,
    PaymentState,
    PaymentSucceeded,
    RefundState,
)
from shop_domain.ordering.split import plan_children
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money
from shop_testing.invariants.orders import check_order_amounts, check_order_states, check_payment
from shop_testing.machines.orders_model import (
    AFTER_CLOSE_KEY,
    CHILD_MOVES,
    Answer,
    ModelChild,
    OrderModel,
)
from shop_testing.strategies.common import NOW
from shop_testing.strategies.orders import order_inputs

MAX_ORDERS = 3
TRADES = ("t1", "t2")
REFUND_KEYS = ("r1", "r2", "r3")
USER = uuid.UUID(int=0x05E7)
ADDRESS = {"region": "310104", "detail": "1 Zhongshan Road"}

inputs = order_inputs(max_lines=4, max_unit=60_000)


@attrs.define
class Ledger:
    """What the order's events say was done with its holds (the application acts on them)."""

    taken: int = 0
    released: int = 0
    settled: int = 0
    succeeded: int = 0
    consumed: dict[uuid.UUID, int] = attrs.Factory(dict)


def _snapshot(order: Order, payment: Payment) -> tuple[Any, ...]:
    return (
        attrs.asdict(order, recurse=True),
        len(order.pending_events),
        attrs.asdict(payment, recurse=True),
        len(payment.pending_events),
    )


class OrderMachine(RuleBasedStateMachine):
    order_type: ClassVar[type[Order]] = Order
    payment_type: ClassVar[type[Payment]] = Payment

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self._ids = (uuid.UUID(int=0x0D0 << 64 | n) for n in itertools.count(1))
        self.orders: list[Order] = []
        self.payments: list[Payment] = []
        self.models: list[OrderModel] = []
        self.ledgers: list[Ledger] = []
        self.submitted: list[Amounts] = []

    def new_id(self) -> uuid.UUID:
        return next(self._ids)

    # --- the application's part ----------------------------------------------------------------
    def absorb(self, index: int) -> None:
        """Take the events the order and its payment recorded into the ledger."""
        ledger = self.ledgers[index]
        for event in self.orders[index].pull_events():
            if isinstance(event, OrderSubmitted):
                ledger.taken += 1
            elif isinstance(event, OrderCancelled):
                ledger.released += 1
            elif isinstance(event, OrderPaid):
                ledger.settled += 1
            elif isinstance(event, ChildShipped):
                ledger.consumed[event.child_id] = ledger.consumed.get(event.child_id, 0) + 1
        for event in self.payments[index].pull_events():
            if isinstance(event, PaymentSucceeded):
                ledger.succeeded += 1

    def step(self, index: int, model: Callable[[], Answer], command: Callable[[], Any]) -> None:
        """Run ``command`` on order ``index``; its answer (or refusal code) must be ``model``'s,
        and a refusal must change nothing."""
        before = _snapshot(self.orders[index], self.payments[index])
        expected = model()
        changed = False
        try:
            answer: Answer = command()
        except DomainError as refused:
            answer = refused.code
            changed = _snapshot(self.orders[index], self.payments[index]) != before
        assert answer == expected, f"answered {answer!r}; the model expected {expected!r}"
        assert not changed, f"refused with {answer}, yet changed the order or its payment"
        self.absorb(index)

    def pick(self, data: st.DataObject, wanted: Callable[[OrderModel], bool] | None = None) -> int:
        """An order the model says ``wanted`` fits, most often (any order otherwise, so that the
        refusals are tried too)."""
        fitting = [n for n, m in enumerate(self.models) if wanted is not None and wanted(m)]
        often = data.draw(st.integers(0, 3), label="fitting")
        everyone = range(len(self.orders))
        chosen: int = data.draw(st.sampled_from(fitting if fitting and often else everyone))
        return chosen

    # --- rules ---------------------------------------------------------------------------------
    @precondition(lambda self: len(self.orders) < MAX_ORDERS)
    @rule(case=inputs)
    def submit(self, case: Any) -> None:
        plan = plan_children(
            case.lines,
            shipping=case.shipping,
            gift_card=case.gift_card,
            value_limit=case.value_limit,
        )
        count = len(plan) + sum(len(child.lines) for child in plan)
        order = self.order_type.submit(
            id=self.new_id(),
            number=f"26030100000000{len(self.orders):02d}",
            user_id=USER,
            member_level=None,
            channel="app",
            address=ADDRESS,
            breakdown=[],
            card_ids=[],
            plan=plan,
            ids=[self.new_id() for _ in range(count)],
            now=self.now,
            expires_at=self.now + dt.timedelta(minutes=30),
        )
        payment = self.payment_type.open(
            id=self.new_id(),
            number=f"P{order.number}",
            order_id=order.id,
            user_id=USER,
            gateway="fake",
            external=order.external,
            gift_card=order.gift_card,
            now=self.now,
        )
        if payment.state is PaymentState.PAID:  # the cards paid it all
            order.pay(payment.id, self.now)
        self.orders.append(order)
        self.payments.append(payment)
        self.ledgers.append(Ledger())
        self.submitted.append(order.amounts)
        virtual = {c.id: c.kind is GoodsKind.VIRTUAL for c in order.children}
        self.models.append(
            OrderModel.submitted(virtual, order.external.minor, order.gift_card.minor)
        )
        self.absorb(len(self.orders) - 1)

    @precondition(lambda self: self.orders)
    @rule(
        data=st.data(),
        trade=st.sampled_from(TRADES),
        wrong=st.sampled_from((0, 0, 0, 3)),
    )
    def confirm(self, data: st.DataObject, trade: str, wrong: int) -> None:
        """The gateway's word: mostly the right amount, sometimes 0.03 more."""
        index = self.pick(data, lambda m: m.payment.state == "pending")
        order, payment, model = self.orders[index], self.payments[index], self.models[index]
        amount = payment.external + Money(wrong, payment.currency)

        def command() -> str:
            outcome = payment.confirm(trade, amount, self.now)
            if outcome is Confirmation.ACCEPTED:
                order.pay(payment.id, self.now)
            elif outcome is Confirmation.AFTER_CLOSE:
                payment.refund(
                    id=self.new_id(),
                    key=AFTER_CLOSE_KEY,
                    amount=payment.external,
                    reason="paid after the order was cancelled",
                    now=self.now,
                )
            return outcome.value

        self.step(index, lambda: model.confirm(trade, amount.minor), command)

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), reason=st.sampled_from(CancelReason))
    def cancel(self, data: st.DataObject, reason: CancelReason) -> None:
        index = self.pick(data)  # any order: a cancelled one is cancelled again, a paid refuses
        order, payment = self.orders[index], self.payments[index]

        def command() -> bool:
            changed = order.cancel(reason, self.now)
            if changed:
                payment.close(self.now)
            return changed

        self.step(index, self.models[index].cancel, command)

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), receive=st.booleans())
    def ship_or_receive(self, data: st.DataObject, receive: bool) -> None:
        command = "receive" if receive else "ship"
        needs = CHILD_MOVES[command][0]

        def fits(child: ModelChild) -> bool:
            return child.state == needs and not (child.virtual and command == "ship")

        index = self.pick(data, lambda m: any(fits(c) for c in m.children.values()))
        order, model = self.orders[index], self.models[index]
        fitting = [c for c in order.children if fits(model.children[c.id])]
        often = data.draw(st.integers(0, 3), label="fitting")
        child = data.draw(st.sampled_from(fitting if fitting and often else order.children))
        move = order.receive if receive else order.ship
        self.step(
            index,
            lambda: model.move(child.id, command),
            lambda: move(child.id, self.now).state.value,
        )

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), key=st.sampled_from(REFUND_KEYS), how=st.integers(0, 3))
    def refund(self, data: st.DataObject, key: str, how: int) -> None:
        """Part of what is left, all of it, or more (``how``: 0 more, 1 all, else part)."""
        index = self.pick(data, lambda m: sum(m.payment.refundable()) > 0)
        payment, model = self.payments[index], self.models[index]
        left = sum(model.payment.refundable())
        if how == 0 or left == 0:
            amount = left + data.draw(st.integers(1, 100), label="over")
        elif how == 1:
            amount = left
        else:
            amount = data.draw(st.integers(1, left), label="part")

        def command() -> tuple[int, int]:
            made = payment.refund(
                id=self.new_id(),
                key=key,
                amount=Money(amount, payment.currency),
                reason="after-sales",
                now=self.now,
            )
            return made.gift_card.minor, made.external.minor

        self.step(index, lambda: model.refund(key, amount), command)

    @precondition(lambda self: any(p.refunds for p in self.payments))
    @rule(data=st.data())
    def refund_done(self, data: st.DataObject) -> None:
        index = data.draw(
            st.sampled_from([n for n, p in enumerate(self.payments) if p.refunds]), label="order"
        )
        payment = self.payments[index]
        refund = data.draw(st.sampled_from(payment.refunds), label="refund")
        self.step(
            index,
            lambda: self.models[index].refund_done(refund.key),
            lambda: payment.refund_done(refund.id, self.now),
        )

    @rule(minutes=st.integers(0, 60))
    def pass_time(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)

    # --- invariants ----------------------------------------------------------------------------
    @invariant()
    def states_are_the_models(self) -> None:
        for order, payment, model in zip(self.orders, self.payments, self.models, strict=True):
            assert order.state.value == model.state, f"order {order.state}; model {model.state}"
            for child in order.children:
                expected = model.children[child.id].state
                assert child.state.value == expected, f"child {child.state}; model {expected}"
            assert payment.state.value == model.payment.state, (
                f"payment {payment.state}; model {model.payment.state}"
            )
            refunds = {r.key: (r.gift_card.minor, r.external.minor) for r in payment.refunds}
            assert refunds == model.payment.refunds, (
                f"refunds {refunds}; the model's {model.payment.refunds} (PAY-5, MON-3)"
            )
            done = {r.key for r in payment.refunds if r.state is RefundState.DONE}
            assert done == model.payment.done, f"refunds done {done}; the model's"

    @invariant()
    def amounts_and_books_hold(self) -> None:
        for order, payment, submitted in zip(
            self.orders, self.payments, self.submitted, strict=True
        ):
            check_order_amounts(order)
            check_order_states(order)
            check_payment(payment, order)
            assert order.amounts == submitted, "the order's amounts changed after submission"

    @invariant()
    def holds_go_once(self) -> None:
        for order, ledger, model in zip(self.orders, self.ledgers, self.models, strict=True):
            holds = model.holds
            assert ledger.taken == 1, f"order {order.number}'s holds taken {ledger.taken} times"
            assert ledger.released + ledger.settled <= 1, (
                f"order {order.number}'s holds released {ledger.released} and settled "
                f"{ledger.settled} times"
            )
            assert (ledger.released, ledger.settled) == (holds.released, holds.settled), (
                f"holds released {ledger.released}, settled {ledger.settled}; the model "
                f"{holds.released}, {holds.settled} (ORD-5)"
            )
            assert ledger.succeeded == (model.payment.state == "paid"), "payment succeeded twice"
            for child_id, child in model.children.items():
                used = ledger.consumed.get(child_id, 0)
                assert used == child.consumed <= 1, (
                    f"child {child_id}'s stock consumed {used} times; the model {child.consumed}"
                )


__all__ = ["MAX_ORDERS", "REFUND_KEYS", "TRADES", "Ledger", "OrderMachine"]
