"""``POST /payments/notify``: where the payment gateway tells us a payment was made or a refund
done (PAY-2). It takes no token: the gateway's signature over the body is the authentication —
a notification whose signature is missing, wrong or too old is refused (403
``payment.bad_signature``) before anything in it is read, and changes nothing.

The body is read as the bytes that were signed (never decoded by the API's JSON rules first).
A verified notification answers 200 ``{"code": "SUCCESS"}`` — applied, a duplicate (PAY-2:
nothing changes twice), or flagged for a wrong amount (recorded, not accepted) — so the gateway
stops sending it; any other answer makes the gateway send it again later.
"""

from __future__ import annotations

from typing import Final

from litestar import Controller, Request, post
from litestar.di import NamedDependency

from shop_adapters.http.auth import PUBLIC
from shop_adapters.http.ordering.schemas import NotifiedOut
from shop_adapters.http.problems import problem_spec
from shop_adapters.payments.notify_url import NOTIFY_PATH
from shop_adapters.runtime import Runtime
from shop_app.ordering.paying import PaymentService

SUCCESS: Final = "SUCCESS"
BAD_SIGNATURE: Final = problem_spec(
    "The signature is missing, wrong or too old (`payment.bad_signature`): nothing was read"
)
UNKNOWN: Final = problem_spec("A payment we never opened (`payment.not_found`)")
MALFORMED: Final = problem_spec(
    "A signed body that is not a notification (`payment.malformed_notification`)"
)


class PaymentNotifyController(Controller):
    path = NOTIFY_PATH
    tags = ["payments"]

    @post(
        "/",
        summary="The payment gateway's signed notification (no token: the signature is checked)",
        opt=PUBLIC,
        status_code=200,
        responses={403: BAD_SIGNATURE, 404: UNKNOWN, 422: MALFORMED},
    )
    async def notify(
        self,
        request: Request,  # type: ignore[type-arg]
        runtime: NamedDependency[Runtime],
    ) -> NotifiedOut:
        body = await request.body()
        headers = dict(request.headers.items())
        await runtime.get(PaymentService).notified(headers, body)
        return NotifiedOut(SUCCESS)


__all__ = ["SUCCESS", "PaymentNotifyController"]
