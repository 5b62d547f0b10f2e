"""The SQL repositories of orders and payments. A payment is always locked after its order
(:mod:`shop_app.ordering.orders`): ``for_payment`` locks the order a gateway's number belongs to
in one statement (the number read in a subquery), ``order_of`` only reads which order it is."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import bindparam, func, select

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.ordering.mapping import ORDERS, PAYMENTS, REFUNDS
from shop_adapters.sql.ordering.tables import orders, payment_refunds, payments
from shop_adapters.sql.uow import SqlRepository
from shop_app.ordering.ports import Payable
from shop_domain.ordering.errors import OrderNotFound, PaymentNotFound
from shop_domain.ordering.order import Order, OrderState
from shop_domain.ordering.payment import Payment, PaymentState, RefundState
from shop_domain.shared.money import Money
from shop_domain.shared.unread import Unread

P = payments.c
_OF_ORDER = Prepared(
    PAYMENTS.select_all.where(P.order_id == bindparam("order_id")).with_for_update()
)
_ORDER_OF = Prepared(select(P.order_id).where(P.number == bindparam("number")))
_O = orders.c
_LINES = ("lines",)
_REFUNDS = ("refunds",)
_DAY = payments.alias("day")
_PAYABLE = Prepared(
    select(
        _O.id,
        _O.number,
        _O.user_id,
        _O.state,
        _O.expires_at,
        P.id,
        P.number,
        P.external_minor,
        P.currency,
        select(func.coalesce(func.sum(_DAY.c.external_minor), 0))
        .where(
            _DAY.c.user_id == _O.user_id,
            _DAY.c.created_at >= bindparam("since"),
            _DAY.c.state != PaymentState.CLOSED,
        )
        .scalar_subquery(),
    )
    .select_from(orders.join(payments, P.order_id == _O.id))
    .where(_O.id == bindparam("order_id")),
    before_transaction=True,  # starting to pay only reads: no BEGIN, no COMMIT
)
_FOR_PAYMENT = Prepared(
    ORDERS.select_all.where(
        _O.id == select(P.order_id).where(P.number == bindparam("number")).scalar_subquery()
    ).with_for_update(of=orders)
)
_DUE = Prepared(
    select(P.order_id)
    .select_from(payment_refunds.join(payments, P.id == payment_refunds.c.payment_id))
    .where(payment_refunds.c.state == RefundState.REQUESTED)
    .group_by(P.order_id)
    .order_by(func.min(payment_refunds.c.created_at))
    .limit(bindparam("limit"))
)


class SqlOrderRepository(SqlRepository[Order]):
    table = ORDERS
    not_found = staticmethod(OrderNotFound.of)

    async def for_payment(self, number: str) -> Order | None:
        # a payment moves the order and its children; its lines are not read
        found = await self._load(_FOR_PAYMENT, {"number": number}, locked=True, without=_LINES)
        return found[0] if found else None


class SqlPaymentRepository(SqlRepository[Payment]):
    table = PAYMENTS
    not_found = staticmethod(PaymentNotFound.of)

    async def of_order(self, order_id: uuid.UUID) -> Payment:
        found = await self._load(_OF_ORDER, {"order_id": order_id}, locked=True, without=_REFUNDS)
        if not found:
            raise PaymentNotFound("the order has no payment", details={"order_id": str(order_id)})
        payment = found[0]
        if isinstance(payment.refunds, Unread):
            await self._attach_refunds(payment)
        return payment

    async def _attach_refunds(self, payment: Payment) -> None:
        """The payment's refunds — read only for a payment that took money: a pending one has
        none (a refund is only ever made of money taken), so confirming it reads none."""
        if payment.state is PaymentState.PENDING:
            payment.refunds = []
            return
        rows = await self._link.fetch(PAYMENTS.children_select["refunds"], {"ids": [payment.id]})
        payment.refunds = [REFUNDS.load(row) for row in rows]
        self._tracker.attached(payment, "refunds", payment.refunds)

    async def payable(self, order_id: uuid.UUID, since: dt.datetime) -> Payable | None:
        await self._flush()
        rows = await self._link.fetch(_PAYABLE, {"order_id": order_id, "since": since})
        if not rows:
            return None
        (order, number, user, state, expires, payment, payment_number, external, currency, day) = (
            rows[0]
        )
        return Payable(
            order_id=order,
            order_number=number,
            user_id=user,
            state=OrderState(state),
            expires_at=expires,
            payment_id=payment,
            payment_number=payment_number,
            external=Money(int(external), currency),
            paid_since=int(day),
        )

    async def order_of(self, number: str) -> uuid.UUID | None:
        rows = await self._link.fetch(_ORDER_OF, {"number": number})
        return rows[0][0] if rows else None

    async def with_refunds_due(self, limit: int) -> list[uuid.UUID]:
        rows = await self._link.fetch(_DUE, {"limit": limit})
        return [row[0] for row in rows]


__all__ = ["SqlOrderRepository", "SqlPaymentRepository"]
