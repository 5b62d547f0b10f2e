"""Examples the order machine found (``tests/property/test_order_machine.py``), kept as
regressions."""

from __future__ import annotations

import uuid

import pytest

from shop_domain.ordering.payment import Confirmation, Payment
from shop_domain.shared.money import Money
from shop_testing.invariants.orders import check_payment
from shop_testing.strategies.common import NOW


@pytest.mark.rule("PAY-2")
def test_a_second_trade_paying_a_closed_payment_is_flagged_not_taken_for_a_repeat() -> None:
    """The machine's example: an order of 0.01 cancelled, then paid by trade t1 (refunded in
    full), then by trade t2 — answered ``duplicate``, so t2's money was neither flagged nor
    refunded."""
    payment = Payment.open(
        id=uuid.UUID(int=1),
        number="P1",
        order_id=uuid.UUID(int=2),
        user_id=uuid.UUID(int=3),
        gateway="fake",
        external=Money(1, "CNY"),
        gift_card=Money(0, "CNY"),
        now=NOW,
    )
    payment.close(NOW)
    assert payment.confirm("t1", Money(1, "CNY"), NOW) is Confirmation.AFTER_CLOSE
    payment.pull_events()

    assert payment.confirm("t1", Money(1, "CNY"), NOW) is Confirmation.DUPLICATE
    assert payment.pull_events() == []
    assert payment.confirm("t2", Money(1, "CNY"), NOW) is Confirmation.MISMATCH
    assert payment.flags == ["paid_after_close", "paid_twice"]
    assert [e.flag for e in payment.pull_events()] == ["paid_twice"]  # type: ignore[attr-defined]
    assert payment.trade_no == "t1"
    check_payment(payment)
