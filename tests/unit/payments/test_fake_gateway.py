"""The in-process gateway keeps a real gateway's rules (the sandbox's books) and signs what it
would send, so that our notify endpoint can be tested without any service."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_adapters.payments import signature
from shop_adapters.payments.fake import FakeGateway
from shop_adapters.payments.sandbox import SandboxGateway
from shop_adapters.shared.system import FixedClock
from shop_app.ordering.gateway import (
    BadSignature,
    GatewayPaymentMismatch,
    GatewayPaymentRequest,
    GatewayPaymentUnknown,
    GatewayRefundRequest,
    GatewayRefused,
    GatewayUnavailable,
    MalformedNotification,
    PaymentGateway,
    RefundExceedsPaid,
)
from shop_domain.shared.money import Money


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


@pytest.fixture
def gateway(clock: FixedClock) -> FakeGateway:
    return FakeGateway(clock=clock)


def request(clock: FixedClock, number: str = "P1", minor: int = 10_000) -> GatewayPaymentRequest:
    return GatewayPaymentRequest(
        payment_no=number,
        amount=cny(minor),
        subject="2 items",
        notify_url="http://shop.invalid/payments/notify",
        return_url="http://shop.invalid/orders/1",
        expires_at=clock.now() + dt.timedelta(minutes=30),
    )


def test_both_adapters_are_the_port() -> None:
    def takes(gateway: PaymentGateway) -> str:
        return gateway.name

    assert takes(FakeGateway()) == "fake"
    assert SandboxGateway.name == "sandbox"


async def test_creating_twice_answers_the_same_payment(
    gateway: FakeGateway, clock: FixedClock
) -> None:
    first = await gateway.create(request(clock))
    again = await gateway.create(request(clock))
    assert again == first
    assert first.pay_url.endswith(first.trade_no)
    assert len(gateway.created) == 2
    assert (await gateway.query("P1")).state == "pending"
    with pytest.raises(GatewayPaymentMismatch):
        await gateway.create(request(clock, minor=9_999))


async def test_an_unknown_payment_is_refused_not_unknown(gateway: FakeGateway) -> None:
    with pytest.raises(GatewayPaymentUnknown) as refused:
        await gateway.query("nothing")
    assert isinstance(refused.value, GatewayRefused)


@pytest.mark.rule("PAY-2")
async def test_paying_gives_a_signed_notification_that_verifies(
    gateway: FakeGateway, clock: FixedClock
) -> None:
    await gateway.create(request(clock))
    clock.advance(minutes=1)
    sent = gateway.pay("P1")
    seen = gateway.verify(sent.headers, sent.body, now=clock.now())
    assert (seen.kind, seen.status, seen.payment_no, seen.amount) == (
        "payment",
        "paid",
        "P1",
        cny(10_000),
    )
    assert seen.occurred_at == clock.now()
    status = await gateway.query("P1")
    assert (status.state, status.paid, status.paid_at) == ("paid", cny(10_000), clock.now())
    # paying again changes nothing: the same notification, signed afresh (a redelivery)
    again = gateway.pay("P1")
    assert gateway.verify(again.headers, again.body, now=clock.now()) == seen
    assert again.headers[signature.NONCE] != sent.headers[signature.NONCE]


@pytest.mark.rule("PAY-2")
async def test_a_payment_of_another_amount_is_told_as_it_was(
    gateway: FakeGateway, clock: FixedClock
) -> None:
    await gateway.create(request(clock))
    sent = gateway.pay("P1", amount=cny(1))
    assert gateway.verify(sent.headers, sent.body, now=clock.now()).amount == cny(1)
    assert (await gateway.query("P1")).paid == cny(1)


async def test_a_notification_is_refused_if_changed_old_or_from_another_gateway(
    gateway: FakeGateway, clock: FixedClock
) -> None:
    await gateway.create(request(clock))
    sent = gateway.pay("P1")
    with pytest.raises(BadSignature):
        gateway.verify(sent.headers, sent.body.replace(b"10000", b"10001"), now=clock.now())
    with pytest.raises(BadSignature):
        gateway.verify(sent.headers, sent.body, now=clock.now() + dt.timedelta(minutes=6))
    with pytest.raises(BadSignature):
        FakeGateway().verify(sent.headers, sent.body, now=clock.now())


async def test_a_signed_body_that_is_no_notification_is_malformed(
    clock: FixedClock,
) -> None:
    secret = "k" * 32
    body = b'{"id": "N1"}'
    with pytest.raises(MalformedNotification):
        FakeGateway(secret).verify(
            signature.sign(secret, body, now=clock.now()), body, now=clock.now()
        )


@pytest.mark.rule("PAY-3")
async def test_closing_a_pending_payment_closes_it_for_good(
    gateway: FakeGateway, clock: FixedClock
) -> None:
    await gateway.create(request(clock))
    assert (await gateway.close("P1")).state == "closed"
    assert (await gateway.close("P1")).state == "closed"
    assert gateway.closed == ["P1", "P1"]
    with pytest.raises(GatewayRefused, match="closed"):
        gateway.pay("P1")


@pytest.mark.rule("PAY-3")
async def test_closing_a_paid_payment_answers_paid(gateway: FakeGateway, clock: FixedClock) -> None:
    await gateway.create(request(clock))
    gateway.pay("P1")
    status = await gateway.close("P1")
    assert (status.state, status.paid) == ("paid", cny(10_000))


@pytest.mark.rule("PAY-3")
async def test_an_expired_payment_cannot_be_paid(gateway: FakeGateway, clock: FixedClock) -> None:
    await gateway.create(request(clock))
    clock.advance(minutes=30)
    with pytest.raises(GatewayRefused, match="expired") as refused:
        gateway.pay("P1")
    assert refused.value.details["reason"] == "ORDER_EXPIRED"


@pytest.mark.rule("PAY-5")
async def test_refunds_are_idempotent_and_never_above_what_was_paid(
    gateway: FakeGateway, clock: FixedClock
) -> None:
    await gateway.create(request(clock))
    with pytest.raises(RefundExceedsPaid):  # nothing paid yet
        await gateway.refund(GatewayRefundRequest(payment_no="P1", refund_no="R1", amount=cny(1)))
    gateway.pay("P1")
    first = await gateway.refund(
        GatewayRefundRequest(payment_no="P1", refund_no="R1", amount=cny(6_000))
    )
    again = await gateway.refund(
        GatewayRefundRequest(payment_no="P1", refund_no="R1", amount=cny(6_000))
    )
    assert again == first
    assert first.refunded_total == cny(6_000)
    with pytest.raises(GatewayPaymentMismatch):
        await gateway.refund(GatewayRefundRequest(payment_no="P1", refund_no="R1", amount=cny(5)))
    with pytest.raises(RefundExceedsPaid):
        await gateway.refund(
            GatewayRefundRequest(payment_no="P1", refund_no="R2", amount=cny(4_001))
        )
    last = await gateway.refund(
        GatewayRefundRequest(payment_no="P1", refund_no="R2", amount=cny(4_000))
    )
    assert last.refunded_total == cny(10_000)
    assert (await gateway.query("P1")).refunded == cny(10_000)
    # one refund notification per refund made, none for the repeat
    told = [gateway.verify(n.headers, n.body, now=clock.now()) for n in gateway.notifications]
    assert [(n.kind, n.refund_no, n.amount) for n in told] == [
        ("payment", None, cny(10_000)),
        ("refund", "R1", cny(6_000)),
        ("refund", "R2", cny(4_000)),
    ]


async def test_fail_next_tells_an_unknown_outcome_before_or_after_doing_it(
    gateway: FakeGateway, clock: FixedClock
) -> None:
    gateway.fail_next()
    with pytest.raises(GatewayUnavailable):
        await gateway.create(request(clock))
    assert gateway.ledger.payments == {}
    gateway.fail_next(after_doing_it=True)
    with pytest.raises(GatewayUnavailable):
        await gateway.create(request(clock))
    assert "P1" in gateway.ledger.payments  # done there: the retry answers the same payment
    assert (await gateway.create(request(clock))).payment_no == "P1"
