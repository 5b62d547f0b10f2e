"""The order's life after submission (ORD-4, ORD-5, ORD-8): cancelled unpaid by the customer, a
timeout or the system — everything held given back, the payment closed (PAY-3) —, shipped by
child (its stock consumed), received (growth recorded, MEM-2). They do not commit: the bus does.

Every command that changes an order locks the order first and its payment second, so a payment
and a timeout arriving in the same instant wait for each other and exactly one wins: paid first,
the timeout finds a paid order and leaves it; cancelled first, the payment finds its payment
closed and the money is given back (:mod:`shop_app.ordering.payments`).
"""

from __future__ import annotations

import uuid
from typing import Final

import attrs

from shop_app.ordering.gateway import PaymentGateway
from shop_app.ordering.ports import OrderHolds, OrderingUnitOfWork
from shop_app.shared import codec
from shop_app.shared.messagebus import CommandHandler
from shop_domain.ordering.errors import NotYourOrder, OrderStateConflict
from shop_domain.ordering.order import CancelReason, Order, OrderState

SYSTEM: Final = "system"


@attrs.frozen(kw_only=True)
class CancelOrder:
    """Cancel an unpaid order (ORD-5). ``user_id``: the customer cancelling (their own order
    only); None for the system. Cancelling a cancelled order changes nothing."""

    order_id: uuid.UUID
    reason: CancelReason
    user_id: uuid.UUID | None = None


@attrs.frozen(kw_only=True)
class ShipChildOrder:
    """A child order left its warehouse: pending shipment → pending receipt; its stock is
    consumed (STK-1)."""

    order_id: uuid.UUID
    child_id: uuid.UUID


@attrs.frozen(kw_only=True)
class ConfirmReceipt:
    """The customer (or the system, after the receipt window) says a child arrived: pending
    receipt → completed."""

    order_id: uuid.UUID
    child_id: uuid.UUID
    user_id: uuid.UUID | None = None


@attrs.frozen(kw_only=True)
class OrderMoved:
    order_id: uuid.UUID
    state: str
    changed: bool


codec.register(OrderMoved)


def _owned(order: Order, user_id: uuid.UUID | None) -> Order:
    if user_id is not None and order.user_id != user_id:
        raise NotYourOrder("this order is not yours", details={"order_id": str(order.id)})
    return order


class OrderHandlers:
    def __init__(self, holds: OrderHolds, gateway: PaymentGateway) -> None:
        self._holds, self._gateway = holds, gateway

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            CancelOrder: self.cancel,
            ShipChildOrder: self.ship,
            ConfirmReceipt: self.receive,
        }

    async def cancel(self, command: CancelOrder, uow: OrderingUnitOfWork) -> OrderMoved:
        order = _owned(await uow.orders.get_for_update(command.order_id), command.user_id)
        now = uow.clock.now()
        waiting = order.state is OrderState.PENDING_PAYMENT
        if command.reason is CancelReason.TIMEOUT and waiting and not order.is_overdue(now):
            raise OrderStateConflict(
                f"order {order.number} has until {order.expires_at.isoformat()} to be paid",
                details={"state": order.state.value},
            )
        if not order.cancel(command.reason, now):
            return OrderMoved(order_id=order.id, state=order.state.value, changed=False)
        await self._holds.release(order, uow)
        payment = await uow.payments.of_order(order.id)
        if payment.close(now) and payment.external.is_positive():
            number = payment.number

            async def close_at_gateway() -> None:
                if uow.committed_events:  # only once the cancellation is in the books
                    await self._gateway.close(number)

            uow.after_transaction(close_at_gateway)
        return OrderMoved(order_id=order.id, state=order.state.value, changed=True)

    async def ship(self, command: ShipChildOrder, uow: OrderingUnitOfWork) -> OrderMoved:
        order = await uow.orders.get_for_update(command.order_id)
        child = order.ship(command.child_id, uow.clock.now())
        await self._holds.ship(order, child, uow)
        return OrderMoved(order_id=order.id, state=child.state.value, changed=True)

    async def receive(self, command: ConfirmReceipt, uow: OrderingUnitOfWork) -> OrderMoved:
        order = _owned(await uow.orders.get_for_update(command.order_id), command.user_id)
        child = order.receive(command.child_id, uow.clock.now())
        await self._holds.completed(order, child, uow)
        return OrderMoved(order_id=order.id, state=child.state.value, changed=True)


__all__ = [
    "SYSTEM",
    "CancelOrder",
    "ConfirmReceipt",
    "OrderHandlers",
    "OrderMoved",
    "ShipChildOrder",
]
