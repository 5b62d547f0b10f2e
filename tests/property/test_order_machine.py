"""Orders and their payments as a state machine against a plain model (ORD-4, ORD-5, PAY-2,
PAY-5, MON-3), and against aggregates with a bug planted in them, which the machine must catch."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.property.machine_support import hunt, machine_test

from shop_domain.ordering.events import OrderCancelled
from shop_domain.ordering.order import CancelReason, Order, OrderState
from shop_domain.ordering.payment import Payment, PaymentState
from shop_domain.shared.money import Money
from shop_testing.machines.orders import OrderMachine

TestOrderMachine = machine_test(
    OrderMachine, "ORD-2", "ORD-3", "ORD-4", "ORD-5", "ORD-8", "MON-3", "PAY-2", "PAY-5"
)


# --- planted bugs -----------------------------------------------------------------------------


class CancelsPaidOrders(Order):
    """Forgets ORD-4: cancels an order whatever its state, paid or shipped."""

    def cancel(self, reason: CancelReason, now: dt.datetime) -> bool:
        if self.state is OrderState.CANCELLED:
            return False
        self.state, self.cancelled_at, self.cancel_reason = OrderState.CANCELLED, now, reason
        for child in self.children:
            child.state, child.cancelled_at = OrderState.CANCELLED, now
        self.record(OrderCancelled(occurred_at=now, **self._who(), reason=reason.value))
        return True


class ReleasesAgain(Order):
    """Cancels a cancelled order once more (a timeout and the customer at once): its holds are
    released twice (ORD-5)."""

    def cancel(self, reason: CancelReason, now: dt.datetime) -> bool:
        if self.state is OrderState.CANCELLED:
            self.record(OrderCancelled(occurred_at=now, **self._who(), reason=reason.value))
            return True
        return super().cancel(reason, now)


class RefundsForgetRefunds(Payment):
    """Measures what is left to refund by what was paid, ignoring what was refunded already."""

    def refundable(self) -> tuple[Money, Money]:
        if self.state is PaymentState.PAID:
            return self.gift_card, self.external
        return super().refundable()


class MachineCancellingPaidOrders(OrderMachine):
    order_type = CancelsPaidOrders


class MachineReleasingAgain(OrderMachine):
    order_type = ReleasesAgain


class MachineRefundingTooMuch(OrderMachine):
    payment_type = RefundsForgetRefunds


@pytest.mark.rule("ORD-4")
def test_the_machine_finds_a_cancellation_of_a_paid_order() -> None:
    with pytest.raises(AssertionError, match=r"the model expected 'order\.invalid_state'"):
        hunt(MachineCancellingPaidOrders)


@pytest.mark.rule("ORD-5")
def test_the_machine_finds_holds_released_twice() -> None:
    with pytest.raises(AssertionError, match="answered True; the model expected False"):
        hunt(MachineReleasingAgain)


@pytest.mark.rule("PAY-5")
def test_the_machine_finds_a_refund_beyond_what_is_left() -> None:
    with pytest.raises(AssertionError, match=r"the model expected 'payment\.refund_too_large'"):
        hunt(MachineRefundingTooMuch)
