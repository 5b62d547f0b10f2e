"""Submitting an order (ORD-2, ORD-3, ORD-5, PAY-1): price again, refuse if the price is not the
one confirmed, split into children by shop, allocate every amount, take every hold, open the
payment — in one transaction, so that whatever fails, nothing stays held (decision 0043).

The command carries the customer's intent only (items, address, coupons, points, cards); every
amount comes from pricing, never from the sender. Pricing reads a good deal (the catalog, the
live promotions, the wallet, the stock, the freight) on connections of its own, so it runs
*before* the transaction, in :class:`PriceFirst` (a bus middleware): a transaction that held its
connection while pricing would need two at once, and a burst of submissions would starve the
pool. Without the middleware (a command run as a step of another) the handler prices itself.
A retry with the same idempotency key answers the first order (SEC-5, the bus's middleware);
without one, each submission is a new order.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import attrs

from shop_app.ordering.checkout import CheckoutPricer, CheckoutRequest, Priced
from shop_app.ordering.ports import OrderHolds, OrderIds, OrderingPolicy, OrderingUnitOfWork
from shop_app.shared import codec
from shop_app.shared.middleware import Call, Middleware, Proceed
from shop_app.shared.ports import Clock
from shop_domain.ordering.errors import PriceChanged
from shop_domain.ordering.numbers import order_number
from shop_domain.ordering.order import Order
from shop_domain.ordering.payment import Payment, PaymentState
from shop_domain.ordering.split import plan_children
from shop_domain.pricing.engine.quote import Source
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money


@attrs.frozen(kw_only=True)
class SubmitOrder(CheckoutRequest):
    """``expected_payable``: the payable the customer confirmed (minor units); a different one
    now is ``order.price_changed`` with the new figures. ``from_cart``: take the lines out of
    the customer's cart (a cart checkout, not buy-now)."""

    expected_payable: int | None = None
    from_cart: bool = False


@attrs.frozen(kw_only=True)
class SubmittedOrder:
    order_id: uuid.UUID
    number: str
    state: str
    payable: Money
    external: Money
    gift_card: Money
    payment_id: uuid.UUID
    payment_number: str
    expires_at: dt.datetime
    children: tuple[str, ...]


codec.register(SubmittedOrder)


def payment_number(order: Order) -> str:
    return f"P{order.number}"


_PRICED: contextvars.ContextVar[tuple[SubmitOrder, Priced | DomainError]] = contextvars.ContextVar(
    "priced_submission"
)


class PriceFirst(Middleware):
    """Prices a :class:`SubmitOrder` before its transaction begins and hands the result to the
    handler. An error is handed on too, not raised here: a retry of a submission that was made
    (whose coupon is now locked by the order it made) must reach the idempotency middleware and
    get the first answer back."""

    def __init__(
        self,
        pricer: Callable[[], CheckoutPricer],
        clock: Clock,
        reads: Callable[[], AbstractAsyncContextManager[object]] = contextlib.nullcontext,
    ) -> None:
        """``reads``: the scope pricing's reads run in (an adapter may send them all on one
        connection)."""
        self._pricer, self._clock, self._reads = pricer, clock, reads

    def applies_to(self, command_type: type) -> bool:
        return command_type is SubmitOrder

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        command: SubmitOrder = call.message
        priced: Priced | DomainError
        try:
            async with self._reads():
                priced = await self._pricer().price(command, self._clock.now(), every_coupon=False)
        except DomainError as refused:
            priced = refused
        token = _PRICED.set((command, priced))
        try:
            return await proceed(call)
        finally:
            _PRICED.reset(token)


class Submission:
    def __init__(
        self,
        *,
        pricer: CheckoutPricer,
        holds: OrderHolds,
        policy: OrderingPolicy,
        numbers: OrderIds,
    ) -> None:
        self._pricer, self._holds, self._policy = pricer, holds, policy
        self._numbers = numbers

    async def submit(self, command: SubmitOrder, uow: OrderingUnitOfWork) -> SubmittedOrder:
        now = uow.clock.now()
        priced = await self._priced(command, now)
        if (
            command.expected_payable is not None
            and command.expected_payable != priced.payable.minor
        ):
            raise PriceChanged(
                f"the price is now {priced.payable}", details={"quote": priced.summary()}
            )
        order = self._order(command, priced, uow, now)
        uow.orders.add(order)
        cart = sorted({item.sku_id for item in command.items}) if command.from_cart else None
        await self._holds.take(order, uow, promotions=_promotions(priced), cart_skus=cart)
        payment = Payment.open(
            id=uow.ids.new_id(),
            number=payment_number(order),
            order_id=order.id,
            user_id=order.user_id,
            gateway=self._policy.gateway,
            external=order.external,
            gift_card=order.gift_card,
            now=now,
        )
        uow.payments.add(payment)
        if payment.state is PaymentState.PAID:  # the cards paid it all
            order.pay(payment.id, now)
            await self._holds.settle(order, uow)
        return SubmittedOrder(
            order_id=order.id,
            number=order.number,
            state=order.state.value,
            payable=order.payable,
            external=order.external,
            gift_card=order.gift_card,
            payment_id=payment.id,
            payment_number=payment.number,
            expires_at=order.expires_at,
            children=tuple(child.number for child in order.children),
        )

    async def _priced(self, command: SubmitOrder, now: dt.datetime) -> Priced:
        held = _PRICED.get(None)
        if held is None or held[0] is not command:
            return await self._pricer.price(command, now, every_coupon=False)
        found = held[1]
        if isinstance(found, DomainError):
            raise found
        return found

    def _order(
        self, command: SubmitOrder, priced: Priced, uow: OrderingUnitOfWork, now: dt.datetime
    ) -> Order:
        currency = priced.currency
        plan = plan_children(
            priced.lines,
            shipping=priced.shipping,
            gift_card=Money(command.gift_card, currency),
            value_limit=Money(self._policy.cross_border_limit, currency),
        )
        count = len(plan) + sum(len(child.lines) for child in plan)
        return Order.submit(
            id=uow.ids.new_id(),
            number=order_number(now, self._numbers.draw()),
            user_id=command.user_id,
            member_level=priced.member_level,
            channel=command.channel,
            address=priced.address,
            breakdown=priced.breakdown(),
            card_ids=command.card_ids,
            plan=plan,
            ids=[uow.ids.new_id() for _ in range(count)],
            now=now,
            expires_at=now + self._policy.payment_timeout,
        )


def _promotions(priced: Priced) -> list[uuid.UUID]:
    found = {
        adj.source_id
        for line in priced.quote.lines
        for adj in line.adjustments
        if adj.source is Source.PROMOTION and adj.source_id is not None
    }
    found |= {gift.promotion_id for gift in priced.quote.gifts}
    return sorted(found)


__all__ = ["PriceFirst", "SubmitOrder", "SubmittedOrder", "Submission", "payment_number"]
