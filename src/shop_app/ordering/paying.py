"""The services around the payment commands: they talk to the payment gateway, which no command
does inside its transaction (a slow gateway must not hold an order's lock).

- :meth:`PaymentService.pay`: start paying (PAY-6's attempt limit, then :class:`StartPayment`'s
  limits), then create the payment at the gateway — idempotent by our payment number, so paying
  again answers the same page to pay on.
- :meth:`PaymentService.notified`: a gateway's notification, verified (a bad signature changes
  nothing), then :class:`ConfirmPayment`.
- :meth:`PaymentService.send_refunds`: the external parts of refunds, sent to the gateway (by
  refund id: a resend is the same refund there), then :class:`CompleteRefund`. Run after each
  refund commits and by the serve loop's sweep until the gateway answers (PAY-4's retries).
- :meth:`PaymentService.expire_overdue`: ORD-5's timeout — each overdue order cancelled in a
  transaction of its own; one paid meanwhile is left as it is.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import Final

import attrs

from shop_app.ordering.gateway import (
    GatewayPaymentRequest,
    GatewayRefundRequest,
    PaymentGateway,
)
from shop_app.ordering.orders import CancelOrder
from shop_app.ordering.payments import (
    CompleteRefund,
    ConfirmPayment,
    PaymentConfirmed,
    StartPayment,
)
from shop_app.ordering.ports import OrderingPolicy
from shop_app.ordering.queries import OrderQueries
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ports import Clock
from shop_app.shared.ratelimit import AttemptLimiter, AttemptPolicy, TooManyAttempts
from shop_domain.ordering.errors import OrderStateConflict
from shop_domain.ordering.order import CancelReason
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money

log = logging.getLogger(__name__)

PAY_ATTEMPTS: Final = "ordering.payment_attempts.user"


class TooManyPaymentAttempts(TooManyAttempts):
    """PAY-6: more payment attempts in a minute than allowed. ``details``:
    ``retry_after_seconds``."""

    code = "payment.too_many_attempts"


@attrs.frozen(kw_only=True)
class PayPage:
    order_id: uuid.UUID
    payment_number: str
    amount: Money
    pay_url: str
    expires_at: dt.datetime


class PaymentService:
    def __init__(
        self,
        *,
        bus: MessageBus,
        gateway: PaymentGateway,
        queries: OrderQueries,
        policy: OrderingPolicy,
        clock: Clock,
        limiter: AttemptLimiter | None = None,
    ) -> None:
        self._bus, self._gateway, self._queries = bus, gateway, queries
        self._policy, self._clock, self._limiter = policy, clock, limiter
        self._attempts = AttemptPolicy(
            max_failures=policy.attempts_per_minute,
            window=dt.timedelta(minutes=1),
            lockout=dt.timedelta(minutes=1),
        )

    async def pay(
        self, order_id: uuid.UUID, user_id: uuid.UUID, *, notify_url: str, return_url: str
    ) -> PayPage:
        now = self._clock.now()
        if self._limiter is not None:
            subject = str(user_id)
            await self._limiter.attempt(
                PAY_ATTEMPTS, subject, now, self._attempts, code=TooManyPaymentAttempts.code
            )
        start = await self._bus.handle(StartPayment(order_id=order_id, user_id=user_id))
        created = await self._gateway.create(
            GatewayPaymentRequest(
                payment_no=start.payment_number,
                amount=start.amount,
                subject=f"Order {start.order_number}",
                notify_url=notify_url,
                return_url=return_url,
                expires_at=start.expires_at,
            )
        )
        return PayPage(
            order_id=order_id,
            payment_number=start.payment_number,
            amount=start.amount,
            pay_url=created.pay_url,
            expires_at=start.expires_at,
        )

    async def notified(self, headers: Mapping[str, str], body: bytes) -> PaymentConfirmed | None:
        """A gateway's notification: verified, then applied (raises the gateway's
        ``payment.bad_signature`` for one that is not the gateway's, and changes nothing). A
        refund's notification completes the refund (None is answered)."""
        note = self._gateway.verify(headers, body, now=self._clock.now())
        if note.kind == "refund":
            await self.send_refunds(await self._order_of(note.payment_no))
            return None
        result: PaymentConfirmed = await self._bus.handle(
            ConfirmPayment(
                payment_number=note.payment_no, trade_no=note.trade_no, amount=note.amount
            )
        )
        return result

    async def _order_of(self, payment_number: str) -> uuid.UUID | None:
        return await self._queries.order_of_payment(payment_number)

    async def send_refunds(self, order_id: uuid.UUID | None = None, limit: int = 100) -> int:
        """Send the refunds due (of one order, or any); how many the gateway accepted."""
        sent = 0
        for due in await self._queries.refunds_due(order_id, limit):
            try:
                await self._gateway.refund(
                    GatewayRefundRequest(
                        payment_no=due.payment_number,
                        refund_no=str(due.refund_id),
                        amount=due.amount,
                    )
                )
            except DomainError as exc:  # the sweep tries again later
                log.warning("refund %s not sent: %s", due.refund_id, exc.code)
                continue
            await self._bus.handle(CompleteRefund(order_id=due.order_id, refund_id=due.refund_id))
            sent += 1
        return sent

    async def expire_overdue(self, limit: int = 500) -> int:
        """Cancel the orders past their time to pay (ORD-5); how many were cancelled."""
        cancelled = 0
        for order_id in await self._queries.overdue(self._clock.now(), limit):
            try:
                moved = await self._bus.handle(
                    CancelOrder(order_id=order_id, reason=CancelReason.TIMEOUT)
                )
            except OrderStateConflict:  # paid in the same instant: the payment won
                continue
            cancelled += int(moved.changed)
        return cancelled


__all__ = ["PAY_ATTEMPTS", "PayPage", "PaymentService", "TooManyPaymentAttempts"]
