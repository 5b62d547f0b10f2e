"""Orders for operators (ORD-4, ORD-9, PAY-5; SEC-1, SEC-2 — every command audited), and the
customers' ``POST /orders`` (:func:`~shop_adapters.http.ordering.checkout.submit_order`), which
shares the path:

- ``orders.read``: ``GET /orders`` (by ``number``, ``user_id``, ``state``, created between
  ``created_from`` and ``created_to``; paged, newest first) and ``GET /orders/{order_id}``;
- ``orders.write``: ``POST /orders/{order_id}/children/{child_id}/shipment`` (a child left its
  warehouse: its stock consumed) and ``POST /orders/{order_id}/cancel`` (the system cancels an
  unpaid order; everything held given back);
- ``orders.refund``: ``POST /orders/{order_id}/refunds`` — what after-sales calls to give money
  back (PAY-5): split over the tenders that paid, the cards' share restored at once, the
  gateway's sent after the commit; once per ``key``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Final

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import customer_only, operator_only, requires
from shop_adapters.http.giftcards.customer import window
from shop_adapters.http.ordering import checkout
from shop_adapters.http.ordering.customer import moved
from shop_adapters.http.ordering.schemas import (
    MovedOut,
    RefundIn,
    RefundOut,
    SubmitIn,
    SubmittedOut,
    money,
)
from shop_adapters.http.ordering.views import OrderOut, OrderSummaryOut
from shop_adapters.http.problems import problem_spec
from shop_adapters.http.schemas import Page, Pagination, text_pattern
from shop_adapters.runtime import Runtime
from shop_app.ordering.orders import CancelOrder, ShipChildOrder
from shop_app.ordering.payments import RefundMade, RefundPayment
from shop_app.ordering.queries import OrderQueries, OrderSearch
from shop_domain.ordering.errors import OrderNotFound
from shop_domain.ordering.order import CancelReason, OrderState

READ: Final = "orders.read"
WRITE: Final = "orders.write"
REFUND: Final = "orders.refund"
READERS: Final = [requires(READ), operator_only]
WRITERS: Final = [requires(WRITE), operator_only]
REFUNDERS: Final = [requires(REFUND), operator_only]
NOT_FOUND: Final = problem_spec("No such order (`order.not_found`)")
STATE: Final = problem_spec(
    "The order's state does not allow this (`order.invalid_state`), a refund beyond what is "
    "left (`payment.refund_too_large`), or `idempotency.key_reused`"
)


class OrdersController(Controller):
    path = "/orders"
    tags = ["orders"]

    @post(
        "/",
        summary="Submit an order: split by shop, everything held, the payment opened",
        status_code=201,
        guards=[customer_only],
        responses={404: checkout.NOT_FOUND, 409: checkout.CONFLICT},
    )
    async def submit(
        self, data: JSONBody[SubmitIn], commands: NamedDependency[Commands]
    ) -> SubmittedOut:
        return await checkout.submit_order(data, commands)

    @get("/", summary="Search orders, newest first", guards=READERS)
    async def search(
        self,
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        number: Annotated[
            str | None, QueryParameter(max_length=40, pattern=text_pattern(40, min_length=1))
        ] = None,
        user_id: Annotated[uuid.UUID | None, QueryParameter(description="The customer's")] = None,
        order_state: Annotated[
            OrderState | None, QueryParameter(name="state", description="Only this state")
        ] = None,
        created_from: Annotated[dt.datetime | None, QueryParameter()] = None,
        created_to: Annotated[dt.datetime | None, QueryParameter()] = None,
    ) -> Page[OrderSummaryOut]:
        criteria = OrderSearch(
            number=number,
            user_id=user_id,
            state=order_state and order_state.value,
            created_from=created_from,
            created_to=created_to,
        )
        queries = runtime.get(OrderQueries)
        items, total = await window(lambda page: queries.search(criteria, page), pagination)
        return Page.of([OrderSummaryOut.of(item) for item in items], total, pagination)

    @get("/{order_id:uuid}", summary="An order", guards=READERS, responses={404: NOT_FOUND})
    async def one(
        self, order_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> OrderOut:
        detail = await runtime.get(OrderQueries).detail(order_id)
        if detail is None:
            raise OrderNotFound.of(order_id)
        return OrderOut.of(detail)

    @post(
        "/{order_id:uuid}/children/{child_id:uuid}/shipment",
        summary="A child order left its warehouse",
        status_code=200,
        guards=WRITERS,
        responses={404: NOT_FOUND, 409: STATE},
    )
    async def ship(
        self,
        order_id: FromPath[uuid.UUID],
        child_id: FromPath[uuid.UUID],
        commands: NamedDependency[Commands],
    ) -> MovedOut:
        return moved(await commands.send(ShipChildOrder(order_id=order_id, child_id=child_id)))

    @post(
        "/{order_id:uuid}/cancel",
        summary="Cancel an unpaid order (the system's cancellation)",
        status_code=200,
        guards=WRITERS,
        responses={404: NOT_FOUND, 409: STATE},
    )
    async def cancel(
        self, order_id: FromPath[uuid.UUID], commands: NamedDependency[Commands]
    ) -> MovedOut:
        command = CancelOrder(order_id=order_id, reason=CancelReason.SYSTEM)
        return moved(await commands.send(command))

    @post(
        "/{order_id:uuid}/refunds",
        summary="Refund part or all of a paid order to its tenders (for after-sales)",
        status_code=201,
        guards=REFUNDERS,
        responses={404: NOT_FOUND, 409: STATE},
    )
    async def refund(
        self,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[RefundIn],
        commands: NamedDependency[Commands],
    ) -> RefundOut:
        made: RefundMade = await commands.send(
            RefundPayment(
                order_id=order_id,
                key=data.key,
                amount=data.amount.to_domain(),
                reason=data.reason,
            )
        )
        return RefundOut(
            order_id=made.order_id,
            refund_id=made.refund_id,
            gift_card=money(made.gift_card),
            external=money(made.external),
            state=made.state,
        )


__all__ = ["READ", "REFUND", "WRITE", "OrdersController"]
