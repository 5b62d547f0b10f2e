"""The SQL repositories of orders and payments. A payment is always locked after its order
(:mod:`shop_app.ordering.orders`): ``order_of`` reads which order a gateway's number belongs to
without a lock, so the order can be locked first."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import bindparam, func, select

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.ordering.mapping import ORDERS, PAYMENTS
from shop_adapters.sql.ordering.tables import payment_refunds, payments
from shop_adapters.sql.uow import SqlRepository
from shop_domain.ordering.errors import OrderNotFound, PaymentNotFound
from shop_domain.ordering.order import Order
from shop_domain.ordering.payment import Payment, PaymentState, RefundState

P = payments.c
_OF_ORDER = Prepared(
    PAYMENTS.select_all.where(P.order_id == bindparam("order_id")).with_for_update()
)
_ORDER_OF = Prepared(select(P.order_id).where(P.number == bindparam("number")))
_SINCE = Prepared(
    select(func.coalesce(func.sum(P.external_minor), 0)).where(
        P.user_id == bindparam("user_id"),
        P.created_at >= bindparam("since"),
        P.state != PaymentState.CLOSED,
    )
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


class SqlPaymentRepository(SqlRepository[Payment]):
    table = PAYMENTS
    not_found = staticmethod(PaymentNotFound.of)

    async def of_order(self, order_id: uuid.UUID) -> Payment:
        found = await self._load(_OF_ORDER, {"order_id": order_id}, locked=True)
        if not found:
            raise PaymentNotFound("the order has no payment", details={"order_id": str(order_id)})
        return found[0]

    async def order_of(self, number: str) -> uuid.UUID | None:
        rows = await self._link.fetch(_ORDER_OF, {"number": number})
        return rows[0][0] if rows else None

    async def paid_since(self, user_id: uuid.UUID, since: dt.datetime) -> int:
        await self._flush()
        rows = await self._link.fetch(_SINCE, {"user_id": user_id, "since": since})
        return int(rows[0][0])

    async def with_refunds_due(self, limit: int) -> list[uuid.UUID]:
        rows = await self._link.fetch(_DUE, {"limit": limit})
        return [row[0] for row in rows]


__all__ = ["SqlOrderRepository", "SqlPaymentRepository"]
