"""The in-process gateway: the embedded default and what tests use. No HTTP: it keeps the
sandbox's books (:class:`~shop_adapters.sandbox_gateway.state.Ledger`, so the same rules), and
where the sandbox would POST a notification it signs one and keeps it for the caller, who hands
it to our notify endpoint (:meth:`FakeGateway.pay` returns it)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping

from shop_adapters.payments import wire
from shop_adapters.payments.notifications import (
    SignedNotification,
    read_notification,
    signed_notification,
)
from shop_adapters.sandbox_gateway.state import Ledger
from shop_adapters.shared.system import SystemClock
from shop_app.ordering.gateway import (
    GatewayNotification,
    GatewayPayment,
    GatewayPaymentRequest,
    GatewayRefund,
    GatewayRefundRequest,
    GatewayStatus,
    GatewayUnavailable,
)
from shop_app.shared.ports import Clock
from shop_domain.shared.money import Money


class FakeGateway:
    """A :class:`~shop_app.ordering.gateway.PaymentGateway` in memory. ``secret`` signs its
    notifications (a random one if not given: nothing outside the process can sign); ``clock``
    dates them and decides expiry.

    What it was asked is kept in ``created``, ``closed`` and ``refunds``; what it would have
    sent, in ``notifications``. :meth:`fail_next` makes the next calls fail as an unreachable
    gateway does."""

    name = "fake"

    def __init__(
        self,
        secret: str | None = None,
        *,
        clock: Clock | None = None,
        pay_url: str = "https://fake-gateway.invalid/pay/",
    ) -> None:
        self._secret = secret or secrets.token_urlsafe(32)
        self.clock: Clock = clock or SystemClock()
        self.ledger = Ledger()
        self._pay_url = pay_url
        self.created: list[GatewayPaymentRequest] = []
        self.closed: list[str] = []
        self.refunds: list[GatewayRefundRequest] = []
        self.notifications: list[SignedNotification] = []
        self._failures: list[bool] = []

    def __repr__(self) -> str:
        return f"FakeGateway(payments={len(self.ledger.payments)})"

    # --- what tests steer -----------------------------------------------------------------

    def fail_next(self, times: int = 1, *, after_doing_it: bool = False) -> None:
        """The next ``times`` calls of create, query, close or refund raise
        ``GatewayUnavailable`` — before doing anything, or (``after_doing_it``) after doing it,
        as when the answer is lost on its way back."""
        self._failures.extend([after_doing_it] * times)

    def pay(self, payment_no: str, *, amount: Money | None = None) -> SignedNotification:
        """The payer pays (with ``amount`` if given: PAY-2's wrong amount); the signed
        notification the gateway would send. Paying a paid payment again changes nothing and
        answers the same notification, signed afresh (a redelivery); a closed or expired one is
        refused (``GatewayRefused``)."""
        payment = self.ledger.get(payment_no)
        self.ledger.pay(payment.trade_no, now=self.clock.now(), amount=amount)
        return self._notify(self.ledger.paid_notification(payment))

    def _notify(self, notification: wire.Notification) -> SignedNotification:
        signed = signed_notification(self._secret, notification, now=self.clock.now())
        self.notifications.append(signed)
        return signed

    def _before(self) -> bool:
        """Fail now if told to; ``True`` if the call must fail after doing its work."""
        if not self._failures:
            return False
        after = self._failures.pop(0)
        if not after:
            raise GatewayUnavailable("the fake gateway is unreachable (fail_next)")
        return True

    @staticmethod
    def _lost() -> GatewayUnavailable:
        return GatewayUnavailable("the fake gateway's answer was lost (fail_next)")

    # --- the port -------------------------------------------------------------------------

    async def create(self, request: GatewayPaymentRequest) -> GatewayPayment:
        lose = self._before()
        payment = self.ledger.create(request)
        self.created.append(request)
        if lose:
            raise self._lost()
        return GatewayPayment(
            payment_no=payment.payment_no,
            trade_no=payment.trade_no,
            pay_url=f"{self._pay_url}{payment.trade_no}",
        )

    async def query(self, payment_no: str) -> GatewayStatus:
        lose = self._before()
        status = self.ledger.get(payment_no).status()
        if lose:
            raise self._lost()
        return status

    async def close(self, payment_no: str) -> GatewayStatus:
        lose = self._before()
        status = self.ledger.close(payment_no).status()
        self.closed.append(payment_no)
        if lose:
            raise self._lost()
        return status

    async def refund(self, request: GatewayRefundRequest) -> GatewayRefund:
        lose = self._before()
        refund, new = self.ledger.refund(request, now=self.clock.now())
        self.refunds.append(request)
        payment = self.ledger.get(request.payment_no)
        if new:
            self._notify(self.ledger.refund_notification(payment, refund))
        if lose:
            raise self._lost()
        return GatewayRefund(
            payment_no=request.payment_no,
            refund_no=refund.refund_no,
            amount=refund.amount,
            refunded_total=payment.refunded,
        )

    def verify(
        self, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
    ) -> GatewayNotification:
        return read_notification(self._secret, headers, body, now=now)
