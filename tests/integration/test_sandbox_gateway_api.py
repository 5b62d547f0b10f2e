"""The sandbox's merchant API through our ``SandboxGateway``: closing (PAY-3), refunds
(PAY-5), and the refusals a caller must tell from an unknown outcome."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from tests.integration.test_sandbox_gateway import SECRET, world

from shop_adapters.payments import signature
from shop_adapters.payments.sandbox import SandboxGateway
from shop_app.ordering.gateway import (
    GatewayPaymentMismatch,
    GatewayPaymentUnknown,
    GatewayRefundRequest,
    GatewayRefused,
    GatewayUnavailable,
    RefundExceedsPaid,
)
from shop_domain.shared.money import Money


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


@pytest.mark.rule("PAY-3")
async def test_a_closed_payment_cannot_be_paid_and_a_paid_one_is_not_closed() -> None:
    async with world() as w:
        closing = await w.gateway.create(w.request("P1"))
        assert (await w.gateway.close("P1")).state == "closed"
        assert "closed" in (await w.browser.get(closing.pay_url)).text
        assert (await w.browser.post(closing.pay_url)).status_code == 409
        simulated = await w.browser.post(f"{w.base}/simulate/{closing.trade_no}/pay")
        assert (simulated.status_code, simulated.json()["code"]) == (409, "ORDER_CLOSED")
        assert (await w.gateway.query("P1")).state == "closed"
        paying = await w.gateway.create(w.request("P2"))
        await w.browser.post(paying.pay_url)
        status = await w.gateway.close("P2")
        assert (status.state, status.paid) == ("paid", cny(12_345))  # the caller refunds it
        await w.merchant.wait_for(1)
        await asyncio.sleep(0.1)
        assert [w.verified(0).payment_no] == ["P2"] == [w.verified(-1).payment_no]


@pytest.mark.rule("PAY-5")
async def test_refunds_are_idempotent_bounded_and_notified() -> None:
    async with world() as w:
        created = await w.gateway.create(w.request(minor=10_000))
        with pytest.raises(RefundExceedsPaid) as unpaid:
            await w.gateway.refund(
                GatewayRefundRequest(payment_no="P1", refund_no="R0", amount=cny(1))
            )
        assert unpaid.value.details["reason"] == "NOT_PAID"
        await w.browser.post(created.pay_url)
        r1 = GatewayRefundRequest(payment_no="P1", refund_no="R1", amount=cny(7_000))
        first = await w.gateway.refund(r1)
        assert await w.gateway.refund(r1) == first
        assert (first.amount, first.refunded_total) == (cny(7_000), cny(7_000))
        with pytest.raises(GatewayPaymentMismatch):
            await w.gateway.refund(
                GatewayRefundRequest(payment_no="P1", refund_no="R1", amount=cny(1))
            )
        with pytest.raises(RefundExceedsPaid):
            await w.gateway.refund(
                GatewayRefundRequest(payment_no="P1", refund_no="R2", amount=cny(3_001))
            )
        last = await w.gateway.refund(
            GatewayRefundRequest(payment_no="P1", refund_no="R2", amount=cny(3_000))
        )
        assert last.refunded_total == cny(10_000)
        assert (await w.gateway.query("P1")).refunded == cny(10_000)
        await w.merchant.wait_for(3)  # paid, then one per refund made (none for the repeat)
        await asyncio.sleep(0.1)
        told = sorted(
            (w.verified(i).kind, w.verified(i).refund_no or "")
            for i in range(len(w.merchant.received))
        )
        assert told == [("payment", ""), ("refund", "R1"), ("refund", "R2")]


async def test_unknown_payments_and_mismatched_creates_are_refused() -> None:
    async with world() as w:
        with pytest.raises(GatewayPaymentUnknown):
            await w.gateway.query("nothing")
        with pytest.raises(GatewayPaymentUnknown):
            await w.gateway.query("not/a/number")
        await w.gateway.create(w.request())
        with pytest.raises(GatewayPaymentMismatch):
            await w.gateway.create(w.request(minor=1))


async def test_a_request_not_signed_with_the_secret_is_refused_not_unknown() -> None:
    async with world() as w:
        for intruder in (
            SandboxGateway(w.base, "another-secret-of-the-right-length-xx", "shop", w.browser),
            SandboxGateway(w.base, SECRET, "another-merchant", w.browser),
        ):
            with pytest.raises(GatewayRefused) as refused:
                await intruder.query("P1")
            assert not isinstance(refused.value, GatewayUnavailable)
            assert refused.value.details["reason"] == "SIGN_ERROR"


async def test_a_replayed_request_is_refused() -> None:
    async with world() as w:
        path = "/v1/notifications"
        headers = {
            signature.MERCHANT: "shop",
            **signature.sign(SECRET, b"", now=w.clock.now(), request_line=f"GET {path}"),
        }
        assert (await w.browser.get(f"{w.base}{path}", headers=headers)).status_code == 200
        again = await w.browser.get(f"{w.base}{path}", headers=headers)
        assert (again.status_code, again.json()["code"]) == (401, "SIGN_ERROR")


async def test_an_unreachable_sandbox_is_an_unknown_outcome() -> None:
    async with world() as w, httpx.AsyncClient(timeout=1) as client:
        gone = SandboxGateway("http://127.0.0.1:9", SECRET, "shop", client)
        with pytest.raises(GatewayUnavailable):
            await gone.create(w.request())


async def test_an_answer_that_does_not_verify_is_an_unknown_outcome() -> None:
    async with world() as w:
        await w.gateway.create(w.request())
        tampering = httpx.AsyncClient(timeout=5, event_hooks={"response": [_tamper]})
        async with tampering:
            gateway = SandboxGateway(w.base, SECRET, "shop", tampering)
            with pytest.raises(GatewayUnavailable) as unknown:
                await gateway.query("P1")
        assert unknown.value.details["reason"] == "bad_answer_signature"


async def _tamper(response: httpx.Response) -> None:
    """A man in the middle changes the answer's signature."""
    response.headers[signature.SIGNATURE] = "0" * 64
