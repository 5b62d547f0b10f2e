"""The :class:`~shop_app.ordering.gateway.PaymentGateway` over HTTP to the sandbox gateway
(``shop sandbox-gateway``): each request signed with the shared secret, each answer's signature
checked, the sandbox's refusals turned into the port's errors, and everything that leaves the
outcome unknown (no connection, a timeout, a 5xx, an answer that does not verify) into
``GatewayUnavailable``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from shop_adapters.payments import signature, wire
from shop_adapters.payments.notifications import read_notification
from shop_adapters.shared.system import SystemClock
from shop_app.ordering.gateway import (
    BadSignature,
    GatewayNotification,
    GatewayPayment,
    GatewayPaymentMismatch,
    GatewayPaymentRequest,
    GatewayPaymentUnknown,
    GatewayRefund,
    GatewayRefundRequest,
    GatewayRefused,
    GatewayStatus,
    GatewayUnavailable,
    RefundExceedsPaid,
)
from shop_app.shared.ports import Clock
from shop_domain.shared.money import Money

NUMBER = re.compile(r"[A-Za-z0-9_-]{1,64}")

REFUSALS: dict[str, type[GatewayRefused]] = {
    wire.ORDER_NOT_EXIST: GatewayPaymentUnknown,
    wire.PARAM_MISMATCH: GatewayPaymentMismatch,
    wire.REFUND_EXCEEDS: RefundExceedsPaid,
    wire.NOT_PAID: RefundExceedsPaid,
}
"""The sandbox's codes that have an error of their own; any other refusal is ``GatewayRefused``
with the code as its ``reason``."""


class SandboxGateway:
    """The sandbox at ``base_url`` (``http://127.0.0.1:8700``), as merchant ``merchant_id``
    sharing ``secret`` with it. ``client`` is the caller's (its timeouts apply; the caller
    closes it, or :meth:`aclose` does if ``owns_client``)."""

    name = "sandbox"

    def __init__(
        self,
        base_url: str,
        secret: str,
        merchant_id: str,
        client: httpx.AsyncClient,
        *,
        clock: Clock | None = None,
        owns_client: bool = False,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._secret = secret
        self._merchant = merchant_id
        self._client = client
        self._clock: Clock = clock or SystemClock()
        self._owns_client = owns_client

    def __repr__(self) -> str:
        return f"SandboxGateway({self._base!r}, merchant={self._merchant!r})"

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    # --- the port -------------------------------------------------------------------------

    async def create(self, request: GatewayPaymentRequest) -> GatewayPayment:
        body = wire.CreatePayment(
            payment_no=request.payment_no,
            amount=request.amount.minor,
            currency=request.amount.currency,
            subject=request.subject,
            notify_url=request.notify_url,
            return_url=request.return_url,
            expires_at=request.expires_at,
        )
        answer = await self._call("POST", "/v1/payments", body, wire.Payment)
        return GatewayPayment(
            payment_no=answer.payment_no, trade_no=answer.trade_no, pay_url=answer.pay_url
        )

    async def query(self, payment_no: str) -> GatewayStatus:
        _number(payment_no)
        return _status(await self._call("GET", f"/v1/payments/{payment_no}", None, wire.Payment))

    async def close(self, payment_no: str) -> GatewayStatus:
        _number(payment_no)
        path = f"/v1/payments/{payment_no}/close"
        return _status(await self._call("POST", path, None, wire.Payment))

    async def refund(self, request: GatewayRefundRequest) -> GatewayRefund:
        body = wire.CreateRefund(
            payment_no=request.payment_no,
            refund_no=request.refund_no,
            amount=request.amount.minor,
            currency=request.amount.currency,
            reason=request.reason,
        )
        answer = await self._call("POST", "/v1/refunds", body, wire.Refund)
        return GatewayRefund(
            payment_no=answer.payment_no,
            refund_no=answer.refund_no,
            amount=Money(answer.amount, answer.currency),
            refunded_total=Money(answer.refunded_total, answer.currency),
        )

    def verify(
        self, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
    ) -> GatewayNotification:
        return read_notification(self._secret, headers, body, now=now)

    async def sent_notifications(self) -> list[wire.Delivery]:
        """What the sandbox sent this merchant, with every attempt (not part of the port:
        for tests and for looking)."""
        sent: list[wire.Delivery] = await self._call(
            "GET", "/v1/notifications", None, list[wire.Delivery]
        )
        return sent

    # --- HTTP ----------------------------------------------------------------------------

    async def _call(self, method: str, path: str, body: Any, answer: Any) -> Any:
        """The answer to a signed request, decoded as ``answer`` once its signature checks."""
        content = b"" if body is None else wire.encode(body)
        headers = {
            "Content-Type": "application/json",
            signature.MERCHANT: self._merchant,
            **signature.sign(
                self._secret, content, now=self._clock.now(), request_line=f"{method} {path}"
            ),
        }
        try:
            response = await self._client.request(
                method, f"{self._base}{path}", content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            raise GatewayUnavailable(
                f"the sandbox gateway did not answer: {type(exc).__name__}"
            ) from exc
        if response.status_code >= 500:
            raise GatewayUnavailable(f"the sandbox gateway failed ({response.status_code})")
        if response.status_code == 401:
            # our signature was refused, so the sandbox's on its answer cannot be checked with
            # our secret either: nothing was done, and retrying will not help (ADR 0042)
            raise _refusal(response)
        try:
            signature.check(self._secret, response.headers, response.content, now=self._clock.now())
        except BadSignature as exc:
            raise GatewayUnavailable(
                f"the sandbox gateway's answer does not verify: {exc.message}",
                details={"reason": "bad_answer_signature"},
            ) from exc
        if response.is_success:
            try:
                return msgspec.json.decode(response.content, type=answer)
            except msgspec.MsgspecError as exc:
                raise GatewayUnavailable(
                    f"the sandbox gateway's answer is unreadable: {exc}"
                ) from exc
        raise _refusal(response)


def _number(number: str) -> None:
    """Numbers go into the sandbox's paths as they are: one it could never have is refused
    here."""
    if not NUMBER.fullmatch(number):
        raise GatewayPaymentUnknown(
            f"no payment {number!r}: numbers are 1 to 64 of A-Z a-z 0-9 _ -",
            details={"reason": wire.INVALID_REQUEST},
        )


def _refusal(response: httpx.Response) -> GatewayRefused:
    try:
        error = msgspec.json.decode(response.content, type=wire.Error)
        code, message = error.code, error.message
    except msgspec.MsgspecError:
        code, message = f"HTTP_{response.status_code}", response.text[:200]
    kind = REFUSALS.get(code, GatewayRefused)
    return kind(f"the sandbox gateway refused: {message}", details={"reason": code})


def _status(answer: wire.Payment) -> GatewayStatus:
    currency = answer.currency
    return GatewayStatus(
        payment_no=answer.payment_no,
        trade_no=answer.trade_no,
        state=answer.state,
        amount=Money(answer.amount, currency),
        paid=None if answer.paid_amount is None else Money(answer.paid_amount, currency),
        paid_at=answer.paid_at,
        refunded=Money(answer.refunded, currency) if answer.refunded else None,
    )
