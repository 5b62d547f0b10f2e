"""The sandbox gateway's books, in memory: payments by our ``payment_no`` and by its
``trade_no``, their refunds by our ``refund_no``, and the rules a real gateway keeps — create
and refund idempotent by our numbers, a closed or expired payment never paid, paying twice
changing nothing, refunds never above what was paid. The HTTP sandbox and the in-process
:class:`~shop_adapters.payments.fake.FakeGateway` keep the same books, so both follow the same
rules. Refusals raise the port's errors, with the sandbox's code in ``details["reason"]``."""

from __future__ import annotations

import datetime as dt
import secrets

import attrs

from shop_adapters.payments import wire
from shop_app.ordering.gateway import (
    GatewayPaymentMismatch,
    GatewayPaymentRequest,
    GatewayPaymentUnknown,
    GatewayRefundRequest,
    GatewayRefused,
    GatewayState,
    GatewayStatus,
    RefundExceedsPaid,
)
from shop_domain.shared.money import Money


@attrs.frozen
class Refund:
    refund_no: str
    amount: Money
    at: dt.datetime


@attrs.define
class Payment:
    request: GatewayPaymentRequest
    trade_no: str
    state: GatewayState = "pending"
    paid: Money | None = None
    paid_at: dt.datetime | None = None
    refunds: dict[str, Refund] = attrs.field(factory=dict)

    @property
    def payment_no(self) -> str:
        return self.request.payment_no

    @property
    def refunded(self) -> Money:
        return sum(
            (r.amount for r in self.refunds.values()), Money.zero(self.request.amount.currency)
        )

    def status(self) -> GatewayStatus:
        refunded = self.refunded
        return GatewayStatus(
            payment_no=self.payment_no,
            trade_no=self.trade_no,
            state=self.state,
            amount=self.request.amount,
            paid=self.paid,
            paid_at=self.paid_at,
            refunded=None if refunded.is_zero() else refunded,
        )


def _refused(error: type[GatewayRefused], reason: str, message: str) -> GatewayRefused:
    return error(message, details={"reason": reason})


@attrs.define
class Ledger:
    """The books. Nothing here awaits, so one event loop's requests never interleave inside a
    change."""

    payments: dict[str, Payment] = attrs.field(factory=dict)
    by_trade: dict[str, Payment] = attrs.field(factory=dict)

    def create(self, request: GatewayPaymentRequest) -> Payment:
        """The payment ``request`` names — made now, or the one made before under the same
        ``payment_no`` (refused if it asked another amount)."""
        found = self.payments.get(request.payment_no)
        if found is not None:
            if found.request.amount != request.amount:
                raise _refused(
                    GatewayPaymentMismatch,
                    wire.PARAM_MISMATCH,
                    f"payment {request.payment_no} was created with another amount",
                )
            return found
        if not request.amount.is_positive():
            raise _refused(GatewayRefused, wire.INVALID_REQUEST, "the amount must be positive")
        payment = Payment(request, trade_no=f"T{secrets.token_hex(12)}")
        self.payments[request.payment_no] = self.by_trade[payment.trade_no] = payment
        return payment

    def get(self, payment_no: str) -> Payment:
        found = self.payments.get(payment_no)
        if found is None:
            raise _refused(
                GatewayPaymentUnknown, wire.ORDER_NOT_EXIST, f"no payment {payment_no!r}"
            )
        return found

    def trade(self, trade_no: str) -> Payment:
        found = self.by_trade.get(trade_no)
        if found is None:
            raise _refused(GatewayPaymentUnknown, wire.ORDER_NOT_EXIST, f"no trade {trade_no!r}")
        return found

    def close(self, payment_no: str) -> Payment:
        """Closed unless paid (a paid payment stays paid: it is refunded instead)."""
        payment = self.get(payment_no)
        if payment.state == "pending":
            payment.state = "closed"
        return payment

    def pay(self, trade_no: str, *, now: dt.datetime, amount: Money | None = None) -> bool:
        """Pay the trade (with ``amount``, if the payer's gateway took another one); ``True``
        if it was paid now, ``False`` if it had been paid already (nothing changes)."""
        payment = self.trade(trade_no)
        if payment.state == "paid":
            return False
        if payment.state == "closed":
            raise _refused(GatewayRefused, wire.ORDER_CLOSED, "the payment is closed")
        if now >= payment.request.expires_at:
            raise _refused(GatewayRefused, wire.ORDER_EXPIRED, "the payment has expired")
        paid = payment.request.amount if amount is None else amount
        if paid.currency != payment.request.amount.currency or not paid.is_positive():
            raise _refused(GatewayRefused, wire.INVALID_REQUEST, "not an amount of its currency")
        payment.state, payment.paid, payment.paid_at = "paid", paid, now
        return True

    def refund(self, request: GatewayRefundRequest, *, now: dt.datetime) -> tuple[Refund, bool]:
        """The refund ``request`` names, and whether it was made now (``False``: made before
        under the same ``refund_no``). The refunds never add up to more than was paid."""
        payment = self.get(request.payment_no)
        done = payment.refunds.get(request.refund_no)
        if done is not None:
            if done.amount != request.amount:
                raise _refused(
                    GatewayPaymentMismatch,
                    wire.PARAM_MISMATCH,
                    f"refund {request.refund_no} was asked with another amount",
                )
            return done, False
        if payment.paid is None:
            raise _refused(RefundExceedsPaid, wire.NOT_PAID, "the payment was not paid")
        if request.amount.currency != payment.paid.currency or not request.amount.is_positive():
            raise _refused(GatewayRefused, wire.INVALID_REQUEST, "not an amount of its currency")
        if payment.refunded + request.amount > payment.paid:
            raise _refused(
                RefundExceedsPaid,
                wire.REFUND_EXCEEDS,
                f"refunds would total more than the {payment.paid} paid",
            )
        refund = payment.refunds[request.refund_no] = Refund(request.refund_no, request.amount, now)
        return refund, True

    # --- what it says about them ----------------------------------------------------------

    def paid_notification(self, payment: Payment) -> wire.Notification:
        assert payment.paid is not None
        assert payment.paid_at is not None
        return wire.Notification(
            id=f"N-{payment.trade_no}-paid",
            kind="payment",
            payment_no=payment.payment_no,
            trade_no=payment.trade_no,
            status="paid",
            amount=payment.paid.minor,
            currency=payment.paid.currency,
            occurred_at=payment.paid_at,
        )

    def refund_notification(self, payment: Payment, refund: Refund) -> wire.Notification:
        return wire.Notification(
            id=f"N-{payment.trade_no}-refund-{refund.refund_no}",
            kind="refund",
            payment_no=payment.payment_no,
            trade_no=payment.trade_no,
            status="refunded",
            amount=refund.amount.minor,
            currency=refund.amount.currency,
            occurred_at=refund.at,
            refund_no=refund.refund_no,
        )
