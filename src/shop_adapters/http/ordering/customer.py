"""The signed-in customer's orders (ORD-4, ORD-5, PAY-1; SEC-1): a customer token, the user id
its subject. Another customer's order is as unknown as a missing one (404 ``order.not_found``),
whatever is asked of it — read, pay, cancel, confirm receipt.

- ``GET /me/orders`` (``?state=``, paged, newest first) and ``GET /me/orders/{order_id}``;
- ``POST /me/orders/{order_id}/pay``: the page to pay the external part on (the payment is made
  at the gateway, which notifies ``POST /payments/notify``); paying again answers the same page;
- ``POST /me/orders/{order_id}/cancel``: an unpaid order cancelled, everything it held given
  back (cancelling it again changes nothing);
- ``POST /me/orders/{order_id}/children/{child_id}/receipt``: a child order arrived.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Final

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import customer_only
from shop_adapters.http.giftcards.customer import user_id_of, window
from shop_adapters.http.ordering.schemas import MovedOut, PayIn, PayPageOut, money
from shop_adapters.http.ordering.views import OrderOut, OrderSummaryOut
from shop_adapters.http.problems import problem_spec
from shop_adapters.http.schemas import Page, Pagination
from shop_adapters.payments.notify_url import NotifySettings
from shop_adapters.runtime import Runtime
from shop_app.ordering.orders import CancelOrder, ConfirmReceipt
from shop_app.ordering.paying import PaymentService
from shop_app.ordering.queries import OrderDetail, OrderQueries, OrderSearch
from shop_app.shared.auth import Principal
from shop_domain.ordering.errors import OrderNotFound
from shop_domain.ordering.order import CancelReason, OrderState

NOT_FOUND: Final = problem_spec("No such order of the caller's (`order.not_found`)")
STATE: Final = problem_spec("The order's state does not allow this (`order.invalid_state`)")
PAY_REFUSED: Final = problem_spec(
    "Over a risk limit (`payment.risk_limit`), or another customer's token (`auth.*`)"
)
TOO_MANY: Final = problem_spec(
    "Too many payment attempts this minute (`payment.too_many_attempts`); see `Retry-After`"
)
GATEWAY: Final = problem_spec(
    "The payment gateway did not answer (`payment.gateway_unavailable`): pay again later"
)


async def mine(runtime: Runtime, order_id: uuid.UUID, user_id: uuid.UUID) -> OrderDetail:
    """The caller's order; another's is ``order.not_found`` like a missing one."""
    detail = await runtime.get(OrderQueries).detail(order_id)
    if detail is None or detail.summary.user_id != user_id:
        raise OrderNotFound.of(order_id)
    return detail


def moved(result: object) -> MovedOut:
    return MovedOut(
        order_id=result.order_id,  # type: ignore[attr-defined]
        state=result.state,  # type: ignore[attr-defined]
        changed=result.changed,  # type: ignore[attr-defined]
    )


class MyOrdersController(Controller):
    path = "/me/orders"
    tags = ["orders"]
    guards = [customer_only]

    @get("/", summary="The caller's orders, newest first")
    async def list_mine(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        pagination: NamedDependency[Pagination],
        order_state: Annotated[
            OrderState | None, QueryParameter(name="state", description="Only this state")
        ] = None,
    ) -> Page[OrderSummaryOut]:
        criteria = OrderSearch(
            user_id=user_id_of(principal), state=order_state and order_state.value
        )
        queries = runtime.get(OrderQueries)
        items, total = await window(lambda page: queries.search(criteria, page), pagination)
        return Page.of([OrderSummaryOut.of(item) for item in items], total, pagination)

    @get("/{order_id:uuid}", summary="One of the caller's orders", responses={404: NOT_FOUND})
    async def one(
        self,
        order_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> OrderOut:
        return OrderOut.of(await mine(runtime, order_id, user_id_of(principal)))

    @post(
        "/{order_id:uuid}/pay",
        summary="Start paying: the gateway's page to pay the order on",
        status_code=200,
        responses={
            403: PAY_REFUSED,
            404: NOT_FOUND,
            409: STATE,
            429: TOO_MANY,
            503: GATEWAY,
        },
    )
    async def pay(
        self,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[PayIn],
        request: Request,  # type: ignore[type-arg]
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> PayPageOut:
        user_id = user_id_of(principal)
        await mine(runtime, order_id, user_id)
        notify_url = runtime.settings.section(NotifySettings).notify_url(str(request.base_url))
        page = await runtime.get(PaymentService).pay(
            order_id, user_id, notify_url=notify_url, return_url=data.return_url
        )
        return PayPageOut(
            order_id=page.order_id,
            payment_number=page.payment_number,
            amount=money(page.amount),
            pay_url=page.pay_url,
            expires_at=page.expires_at,
        )

    @post(
        "/{order_id:uuid}/cancel",
        summary="Cancel an unpaid order: everything it held given back",
        status_code=200,
        responses={404: NOT_FOUND, 409: STATE},
    )
    async def cancel(
        self,
        order_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> MovedOut:
        user_id = user_id_of(commands.principal)
        await mine(runtime, order_id, user_id)
        result = await commands.send(
            CancelOrder(order_id=order_id, reason=CancelReason.USER, user_id=user_id)
        )
        return moved(result)

    @post(
        "/{order_id:uuid}/children/{child_id:uuid}/receipt",
        summary="Confirm a child order arrived",
        status_code=200,
        responses={404: NOT_FOUND, 409: STATE},
    )
    async def receipt(
        self,
        order_id: FromPath[uuid.UUID],
        child_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> MovedOut:
        user_id = user_id_of(commands.principal)
        await mine(runtime, order_id, user_id)
        result = await commands.send(
            ConfirmReceipt(order_id=order_id, child_id=child_id, user_id=user_id)
        )
        return moved(result)


__all__ = ["MyOrdersController", "mine", "moved"]
