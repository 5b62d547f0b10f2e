"""The Order and Payment aggregates, worked (ORD-4, ORD-5, ORD-7, ORD-8, PAY-2, PAY-3, PAY-5)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from tests.unit.ordering.test_split import NO_LIMIT, SHOP_A, line

from shop_domain.ordering.errors import OrderStateConflict, PaymentStateConflict, RefundTooLarge
from shop_domain.ordering.lines import GoodsKind
from shop_domain.ordering.numbers import order_number
from shop_domain.ordering.order import CancelReason, Order, OrderState
from shop_domain.ordering.payment import Confirmation, Payment, PaymentState, RefundState
from shop_domain.ordering.split import plan_children
from shop_domain.shared.money import Money

NOW = dt.datetime(2026, 12, 6, 10, tzinfo=dt.UTC)
USER = uuid.UUID(int=0xF1)
ADDRESS = {"region": "310104", "recipient": "Li Lei"}


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def order(*lines: object, cards: str = "0") -> Order:
    plan = plan_children(
        list(lines) or [line("mug", "30"), line("e-card", "100", kind=GoodsKind.VIRTUAL)],  # type: ignore[arg-type]
        shipping={SHOP_A: cny("10")},
        gift_card=cny(cards),
        value_limit=NO_LIMIT,
    )
    ids = (uuid.UUID(int=n) for n in itertools.count(100))
    return Order.submit(
        id=uuid.UUID(int=1),
        number=order_number(NOW, 1234567890),
        user_id=USER,
        member_level=2,
        channel="app",
        address=ADDRESS,
        breakdown=[],
        card_ids=[],
        plan=plan,
        ids=[next(ids) for _ in range(10)],
        now=NOW,
        expires_at=NOW + dt.timedelta(minutes=30),
    )


@pytest.mark.rule("ORD-7")
def test_numbers_are_the_day_and_ten_random_digits() -> None:
    made = order()
    assert made.number == "2612061234567890"
    assert [c.number for c in made.children] == [f"{made.number}-01", f"{made.number}-02"]


@pytest.mark.rule("ORD-8")
@pytest.mark.rule("ORD-4")
def test_payment_completes_virtual_goods_and_ships_the_rest_later() -> None:
    made = order()
    made.pay(uuid.UUID(int=9), NOW)
    physical, virtual = made.children
    assert (made.state, physical.state, virtual.state) == (
        OrderState.PAID,
        OrderState.PENDING_SHIPMENT,
        OrderState.COMPLETED,
    )
    with pytest.raises(OrderStateConflict):
        made.ship(virtual.id, NOW)
    made.ship(physical.id, NOW)
    with pytest.raises(OrderStateConflict):
        made.ship(physical.id, NOW)  # once
    made.receive(physical.id, NOW)
    assert physical.state is OrderState.COMPLETED
    assert [e.event_type for e in made.pull_events()][-2:] == [
        "order.child_shipped",
        "order.child_completed",
    ]


@pytest.mark.rule("ORD-5")
def test_cancel_once_and_never_after_payment() -> None:
    made = order()
    assert made.cancel(CancelReason.TIMEOUT, NOW) is True
    assert made.cancel(CancelReason.USER, NOW) is False  # already: nothing changes
    assert made.cancel_reason is CancelReason.TIMEOUT
    assert {c.state for c in made.children} == {OrderState.CANCELLED}
    with pytest.raises(OrderStateConflict):
        made.pay(None, NOW)
    paid = order()
    paid.pay(None, NOW)
    with pytest.raises(OrderStateConflict):
        paid.cancel(CancelReason.USER, NOW)
    assert paid.state is OrderState.PAID


@pytest.mark.rule("ORD-2")
def test_the_parent_sums_its_children_and_they_their_lines() -> None:
    made = order(cards="12.34")
    for child in made.children:
        lines = made.lines_of(child.id)
        assert child.payable == sum((ln.payable for ln in lines), cny("0"))
        assert child.gift_card == sum((ln.gift_card for ln in lines), cny("0"))
    assert made.payable == cny("140")
    assert made.external == cny("127.66")


def payment(external: str = "100", cards: str = "50") -> Payment:
    return Payment.open(
        id=uuid.UUID(int=7),
        number="P1",
        order_id=uuid.UUID(int=1),
        user_id=USER,
        gateway="fake",
        external=cny(external),
        gift_card=cny(cards),
        now=NOW,
    )


@pytest.mark.rule("PAY-2")
def test_a_notification_is_taken_once_and_a_wrong_amount_never() -> None:
    paying = payment()
    assert paying.confirm("T1", cny("99.99"), NOW) is Confirmation.MISMATCH
    assert paying.state is PaymentState.PENDING
    assert paying.flags == ["amount_mismatch"]
    assert paying.confirm("T1", cny("100"), NOW) is Confirmation.ACCEPTED
    assert paying.confirm("T1", cny("100"), NOW) is Confirmation.DUPLICATE
    assert paying.confirm("T2", cny("100"), NOW) is Confirmation.MISMATCH  # a second payer
    assert paying.flags == ["amount_mismatch", "paid_twice"]
    with pytest.raises(PaymentStateConflict):
        paying.close(NOW)


@pytest.mark.rule("PAY-3")
def test_money_after_the_close_is_taken_as_fact_and_all_of_it_refundable() -> None:
    paying = payment()
    assert paying.close(NOW) is True
    assert paying.close(NOW) is False
    assert paying.confirm("T1", cny("100"), NOW) is Confirmation.AFTER_CLOSE
    assert paying.confirm("T1", cny("100"), NOW) is Confirmation.DUPLICATE
    assert paying.refundable() == (cny("0"), cny("100"))  # the cards were released already


@pytest.mark.rule("PAY-5")
def test_refunds_go_back_to_the_tenders_in_proportion_once_per_key() -> None:
    paying = payment("100", "50")
    paying.confirm("T1", cny("100"), NOW)
    first = paying.refund(id=uuid.UUID(int=20), key="r1", amount=cny("30"), reason="x", now=NOW)
    assert (first.gift_card, first.external) == (cny("10"), cny("20"))
    assert first.state is RefundState.REQUESTED
    again = paying.refund(id=uuid.UUID(int=21), key="r1", amount=cny("30"), reason="x", now=NOW)
    assert again is first
    with pytest.raises(RefundTooLarge):
        paying.refund(id=uuid.UUID(int=22), key="r1", amount=cny("31"), reason="x", now=NOW)
    rest = paying.refund(id=uuid.UUID(int=23), key="r2", amount=cny("120"), reason="x", now=NOW)
    assert (rest.gift_card, rest.external) == (cny("40"), cny("80"))
    assert paying.refundable() == (cny("0"), cny("0"))
    with pytest.raises(RefundTooLarge):
        paying.refund(id=uuid.UUID(int=24), key="r3", amount=cny("0.01"), reason="x", now=NOW)
    assert paying.refund_done(first.id, NOW) is True
    assert paying.refund_done(first.id, NOW) is False


def test_cards_that_pay_everything_pay_at_once() -> None:
    paying = payment("0", "80")
    assert paying.state is PaymentState.PAID
    assert [e.event_type for e in paying.pull_events()] == ["payment.succeeded"]
