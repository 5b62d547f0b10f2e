"""Paying an order (PAY-1..6). They do not commit: the bus does.

- :class:`StartPayment`: the customer starts paying the external part; refused over the risk
  limits (PAY-6: per payment, per customer per day). The gateway payment itself is created by
  :class:`~shop_app.ordering.paying.PaymentService` once this has committed.
- :class:`ConfirmPayment`: a verified gateway notification. Idempotent (PAY-2); a wrong amount is
  flagged, not accepted; accepted, the order is paid and its holds settled (coupons used, points
  captured, purchase points pending); money that lands on a cancelled order is refunded in full.
- :class:`RefundPayment`: after-sales gives money back (PAY-5): split over the tenders in
  proportion; the gift cards' share restored here, the external share sent to the gateway after
  the commit (and again by the refund sweep until the gateway answers).
- :class:`CompleteRefund`: the gateway gave the external share back.

Locks: the order first, then its payment (see :mod:`shop_app.ordering.orders`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Final

import attrs

from shop_app.ordering.ports import OrderHolds, OrderingPolicy, OrderingUnitOfWork
from shop_app.shared import codec
from shop_app.shared.messagebus import CommandHandler
from shop_domain.ordering.errors import (
    NotYourOrder,
    OrderNotFound,
    OrderStateConflict,
    PaymentNotFound,
    RiskLimit,
)
from shop_domain.ordering.lines import GoodsKind
from shop_domain.ordering.order import Order, OrderState, overdue
from shop_domain.ordering.payment import Confirmation, PaymentState
from shop_domain.shared.money import Money

AFTER_CLOSE_KEY: Final = "paid-after-close"


@attrs.frozen(kw_only=True)
class StartPayment:
    order_id: uuid.UUID
    user_id: uuid.UUID


@attrs.frozen(kw_only=True)
class PaymentToStart:
    order_id: uuid.UUID
    order_number: str
    payment_id: uuid.UUID
    payment_number: str
    amount: Money
    expires_at: dt.datetime


@attrs.frozen(kw_only=True)
class ConfirmPayment:
    """A gateway's verified word that ``payment_number`` was paid ``amount`` by ``trade_no``."""

    payment_number: str
    trade_no: str
    amount: Money


@attrs.frozen(kw_only=True)
class PaymentConfirmed:
    order_id: uuid.UUID | None
    outcome: str
    order_state: str | None


@attrs.frozen(kw_only=True)
class RefundPayment:
    """Give ``amount`` of a paid order back to its tenders (PAY-5), once per ``key``."""

    order_id: uuid.UUID
    key: str
    amount: Money
    reason: str


@attrs.frozen(kw_only=True)
class RefundMade:
    order_id: uuid.UUID
    refund_id: uuid.UUID
    gift_card: Money
    external: Money
    state: str


@attrs.frozen(kw_only=True)
class CompleteRefund:
    order_id: uuid.UUID
    refund_id: uuid.UUID


codec.register(PaymentToStart, PaymentConfirmed, RefundMade)

RefundSender = Callable[[uuid.UUID], Awaitable[object]]


class PaymentHandlers:
    def __init__(
        self, holds: OrderHolds, policy: OrderingPolicy, send_refunds: RefundSender
    ) -> None:
        """``send_refunds(order_id)``: sends the order's requested refunds to the gateway (run
        after the commit)."""
        self._holds, self._policy, self._send = holds, policy, send_refunds

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            StartPayment: self.start,
            ConfirmPayment: self.confirm,
            RefundPayment: self.refund,
            CompleteRefund: self.complete_refund,
        }

    async def start(self, command: StartPayment, uow: OrderingUnitOfWork) -> PaymentToStart:
        """Checks only (the order and its payment read, not locked: starting writes nothing)."""
        now = uow.clock.now()
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        order = await uow.payments.payable(command.order_id, since=day)
        if order is None:
            raise OrderNotFound.of(command.order_id)
        if order.user_id != command.user_id:
            raise NotYourOrder("this order is not yours", details={"order_id": str(order.order_id)})
        if order.state is not OrderState.PENDING_PAYMENT or overdue(
            order.state, order.expires_at, now
        ):
            raise OrderStateConflict(
                f"order {order.order_number} is not waiting for payment",
                details={"state": order.state.value},
            )
        amount = order.external.minor
        if amount > self._policy.max_payment:
            raise RiskLimit(
                "this payment is over the limit of one payment",
                details={"limit": self._policy.max_payment},
            )
        # today's payments include this one (started since the day began)
        if order.paid_since > self._policy.max_daily:
            raise RiskLimit(
                "this payment is over the customer's daily limit",
                details={"limit": self._policy.max_daily},
            )
        return PaymentToStart(
            order_id=order.order_id,
            order_number=order.order_number,
            payment_id=order.payment_id,
            payment_number=order.payment_number,
            amount=order.external,
            expires_at=order.expires_at,
        )

    async def confirm(self, command: ConfirmPayment, uow: OrderingUnitOfWork) -> PaymentConfirmed:
        order = await uow.orders.for_payment(command.payment_number)
        if order is None:
            raise PaymentNotFound(
                "no such payment", details={"payment_number": command.payment_number}
            )
        order_id = order.id
        payment = await uow.payments.of_order(order_id)
        now = uow.clock.now()
        outcome = payment.confirm(command.trade_no, command.amount, now)
        if outcome is Confirmation.ACCEPTED:
            await self._paid(order, payment.id, uow)
        elif outcome is Confirmation.AFTER_CLOSE:
            payment.refund(
                id=uow.ids.new_id(),
                key=AFTER_CLOSE_KEY,
                amount=payment.external,
                reason="paid after the order was cancelled",
                now=now,
            )
            uow.after_transaction(lambda: self._send(order_id))
        return PaymentConfirmed(
            order_id=order.id, outcome=outcome.value, order_state=order.state.value
        )

    async def _paid(self, order: Order, payment_id: uuid.UUID, uow: OrderingUnitOfWork) -> None:
        order.pay(payment_id, uow.clock.now())
        await self._holds.settle(order, uow)
        for child in order.children:
            if child.kind is GoodsKind.VIRTUAL:
                await self._holds.completed(order, child, uow)

    async def refund(self, command: RefundPayment, uow: OrderingUnitOfWork) -> RefundMade:
        order = await uow.orders.get_for_update(command.order_id)
        payment = await uow.payments.of_order(order.id)
        if payment.state is not PaymentState.PAID:
            raise OrderStateConflict(
                "only a paid order is refunded", details={"state": order.state.value}
            )
        before = len(payment.refunds)
        refund = payment.refund(
            id=uow.ids.new_id(),
            key=command.key,
            amount=command.amount,
            reason=command.reason,
            now=uow.clock.now(),
        )
        if len(payment.refunds) > before and refund.gift_card.is_positive():
            await self._holds.restore_cards(order, command.key, refund.gift_card, uow)
        if payment.refundable() == (Money.zero(order.currency),) * 2:
            order.close_refunded(uow.clock.now())  # ORD-4: everything given back
        if refund.external.is_positive():
            uow.after_transaction(lambda: self._send(order.id))
        return RefundMade(
            order_id=order.id,
            refund_id=refund.id,
            gift_card=refund.gift_card,
            external=refund.external,
            state=refund.state.value,
        )

    async def complete_refund(self, command: CompleteRefund, uow: OrderingUnitOfWork) -> bool:
        await uow.orders.get_for_update(command.order_id)
        payment = await uow.payments.of_order(command.order_id)
        return payment.refund_done(command.refund_id, uow.clock.now())


__all__ = [
    "AFTER_CLOSE_KEY",
    "CompleteRefund",
    "ConfirmPayment",
    "PaymentConfirmed",
    "PaymentHandlers",
    "PaymentToStart",
    "RefundMade",
    "RefundPayment",
    "StartPayment",
]
