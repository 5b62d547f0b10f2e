"""The sandbox gateway as a small Litestar app (docs/payments-gateway.md): the merchant's API
(signed requests, signed answers), the page a payer opens, a JSON route that pays as a test
would, and the record of the notifications sent."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any, TypeVar

import attrs
import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from shop_adapters.payments import signature, wire
from shop_adapters.sandbox_gateway.notifier import Awkwardness, Notifier
from shop_adapters.sandbox_gateway.state import Ledger, Payment
from shop_adapters.shared.system import SystemClock
from shop_app.ordering.gateway import (
    BadSignature,
    GatewayPaymentRequest,
    GatewayPaymentUnknown,
    GatewayRefundRequest,
)
from shop_app.shared.ports import Clock
from shop_domain.shared.errors import DomainError, InvalidValue
from shop_domain.shared.money import Money

S = TypeVar("S", bound=msgspec.Struct)
AnyRequest = Request[Any, Any, Any]


@attrs.frozen(kw_only=True)
class SandboxConfig:
    secret: str = attrs.field(repr=False)
    """Shared with the merchant: signs both ways."""
    merchant_id: str = "shop"
    awkwardness: Awkwardness = attrs.field(factory=Awkwardness)
    public_url: str | None = None
    """Where payers reach the sandbox (the start of every ``pay_url``); unset: the base URL the
    merchant's request came to."""
    clock: Clock = attrs.field(factory=SystemClock)


class Sandbox:
    """The service's state: its books, its notifier and the nonces it has seen."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.ledger = Ledger()
        self.notifier = Notifier(config.secret, config.clock, config.awkwardness)
        self._nonces: dict[str, dt.datetime] = {}

    def now(self) -> dt.datetime:
        return self.config.clock.now()

    def authenticate(self, request: AnyRequest, body: bytes) -> None:
        """The request is the merchant's, signed, fresh, and its nonce not seen before in the
        replay window; ``BadSignature`` otherwise."""
        if signature.header(request.headers, signature.MERCHANT) != self.config.merchant_id:
            raise BadSignature("unknown merchant")
        now = self.now()
        line = f"{request.method} {request.url.path}"
        nonce = signature.check(
            self.config.secret, request.headers, body, now=now, request_line=line
        )
        if nonce in self._nonces:
            raise BadSignature("the nonce was used already (a replay)")
        self._nonces = {n: t for n, t in self._nonces.items() if now - t < signature.REPLAY_WINDOW}
        self._nonces[nonce] = now

    def answer(
        self, content: msgspec.Struct | list[wire.Delivery], status: int = 200
    ) -> Response[bytes]:
        body = wire.encode(content)
        headers = signature.sign(self.config.secret, body, now=self.now())
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    def refusal(self, error: DomainError) -> Response[bytes]:
        reason = str(error.details.get("reason", wire.INVALID_REQUEST))
        status = {"not_found": 404, "forbidden": 401, "conflict": 409}.get(error.kind, 400)
        if isinstance(error, BadSignature):
            reason = wire.SIGN_ERROR
        return self.answer(wire.Error(code=reason, message=error.message), status)

    def payment(self, payment: Payment, base_url: str) -> wire.Payment:
        base = (self.config.public_url or base_url).rstrip("/")
        refunded = payment.refunded.minor
        return wire.Payment(
            payment_no=payment.payment_no,
            trade_no=payment.trade_no,
            pay_url=f"{base}/pay/{payment.trade_no}",
            state=payment.state,
            amount=payment.request.amount.minor,
            currency=payment.request.amount.currency,
            paid_amount=None if payment.paid is None else payment.paid.minor,
            paid_at=payment.paid_at,
            refunded=refunded,
        )

    def pay(self, trade_no: str, amount: int | None = None) -> Payment:
        payment = self.ledger.trade(trade_no)
        money = None if amount is None else Money(amount, payment.request.amount.currency)
        if self.ledger.pay(trade_no, now=self.now(), amount=money):
            self.notifier.send(payment.request.notify_url, self.ledger.paid_notification(payment))
        return payment


def _decode(body: bytes, kind: type[S]) -> S:
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.MsgspecError as exc:
        raise InvalidValue(str(exc), details={"reason": wire.INVALID_REQUEST}) from exc


def create_sandbox_app(config: SandboxConfig) -> Litestar:
    """The sandbox as an ASGI app; its state is ``app.state.sandbox``, its deliveries stop at
    the app's shutdown."""
    sandbox = Sandbox(config)

    async def merchant(request: AnyRequest) -> bytes:
        body = await request.body()
        sandbox.authenticate(request, body)
        return body

    @post("/v1/payments", status_code=HTTP_200_OK)
    async def create(request: AnyRequest) -> Response[bytes]:
        asked = _decode(await merchant(request), wire.CreatePayment)
        if asked.expires_at.tzinfo is None:
            raise InvalidValue(
                "expires_at needs an offset", details={"reason": wire.INVALID_REQUEST}
            )
        payment = sandbox.ledger.create(
            GatewayPaymentRequest(
                payment_no=asked.payment_no,
                amount=Money(asked.amount, asked.currency),
                subject=asked.subject,
                notify_url=asked.notify_url,
                return_url=asked.return_url,
                expires_at=asked.expires_at,
            )
        )
        return sandbox.answer(sandbox.payment(payment, str(request.base_url)))

    @get("/v1/payments/{payment_no:str}")
    async def query(request: AnyRequest, payment_no: FromPath[str]) -> Response[bytes]:
        await merchant(request)
        return sandbox.answer(
            sandbox.payment(sandbox.ledger.get(payment_no), str(request.base_url))
        )

    @post("/v1/payments/{payment_no:str}/close", status_code=HTTP_200_OK)
    async def close(request: AnyRequest, payment_no: FromPath[str]) -> Response[bytes]:
        await merchant(request)
        payment = sandbox.ledger.close(payment_no)
        return sandbox.answer(sandbox.payment(payment, str(request.base_url)))

    @post("/v1/refunds", status_code=HTTP_200_OK)
    async def refund(request: AnyRequest) -> Response[bytes]:
        asked = _decode(await merchant(request), wire.CreateRefund)
        done, new = sandbox.ledger.refund(
            GatewayRefundRequest(
                payment_no=asked.payment_no,
                refund_no=asked.refund_no,
                amount=Money(asked.amount, asked.currency),
                reason=asked.reason,
            ),
            now=sandbox.now(),
        )
        payment = sandbox.ledger.get(asked.payment_no)
        if new:
            notification = sandbox.ledger.refund_notification(payment, done)
            sandbox.notifier.send(payment.request.notify_url, notification)
        answer = wire.Refund(
            payment_no=payment.payment_no,
            refund_no=done.refund_no,
            amount=done.amount.minor,
            currency=done.amount.currency,
            refunded_total=payment.refunded.minor,
        )
        return sandbox.answer(answer)

    @get("/v1/notifications")
    async def notifications(request: AnyRequest) -> Response[bytes]:
        await merchant(request)
        return sandbox.answer([d.wire() for d in sandbox.notifier.deliveries])

    @post("/simulate/{trade_no:str}/pay", status_code=HTTP_200_OK)
    async def simulate(request: AnyRequest, trade_no: FromPath[str]) -> Response[bytes]:
        body = await request.body()
        asked = _decode(body or b"{}", wire.Simulate)
        payment = sandbox.pay(trade_no, asked.amount)
        return sandbox.answer(sandbox.payment(payment, str(request.base_url)))

    @get("/pay/{trade_no:str}")
    async def page(trade_no: FromPath[str]) -> Response[str]:
        try:
            payment = sandbox.ledger.trade(trade_no)
        except GatewayPaymentUnknown:
            return _page("No such payment", "<p>The sandbox knows no such payment.</p>", 404)
        return _page("Pay", _payment_html(payment, sandbox.now()))

    @post("/pay/{trade_no:str}", status_code=HTTP_200_OK)
    async def pay_by_form(trade_no: FromPath[str]) -> Response[str]:
        try:
            payment = sandbox.pay(trade_no)
        except DomainError as exc:
            status = 404 if exc.kind == "not_found" else 409
            return _page("Not paid", f"<p>{html.escape(exc.message)}</p>", status)
        back = html.escape(payment.request.return_url, quote=True)
        return _page("Paid", f'<p>Paid.</p><p><a href="{back}">Back to the shop</a></p>')

    def refused(request: AnyRequest, exc: Exception) -> Response[bytes]:
        if isinstance(exc, DomainError):
            return sandbox.refusal(exc)
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = wire.INVALID_REQUEST if status < 500 else "SYSTEM_ERROR"
        return sandbox.answer(wire.Error(code=code, message=str(exc)), status)

    return Litestar(
        route_handlers=[create, query, close, refund, notifications, simulate, page, pay_by_form],
        exception_handlers={Exception: refused},
        on_shutdown=[sandbox.notifier.aclose],
        state=State({"sandbox": sandbox}),
        openapi_config=None,
    )


def _payment_html(payment: Payment, now: dt.datetime) -> str:
    subject = html.escape(payment.request.subject)
    amount = html.escape(str(payment.request.amount))
    rows = f"<p class=subject>{subject}</p><p class=amount>{amount}</p>"
    if payment.state == "paid":
        return f"{rows}<p>Paid already.</p>"
    if payment.state == "closed":
        return f"{rows}<p>This payment is closed.</p>"
    if now >= payment.request.expires_at:
        return f"{rows}<p>This payment has expired.</p>"
    action = f"/pay/{html.escape(payment.trade_no, quote=True)}"
    return f'{rows}<form method="post" action="{action}"><button type="submit">Pay</button></form>'


def _page(title: str, content: str, status: int = 200) -> Response[str]:
    text = (
        f"<!doctype html><html><head><meta charset=utf-8><title>{title} — sandbox gateway"
        f"</title></head><body><h1>{title}</h1>{content}</body></html>"
    )
    return Response(text, status_code=status, media_type="text/html")
