"""The payment-gateway port (PAY-1): what the ordering context asks of WeChat Pay, Alipay, a
card acquirer — or the sandbox and the fake that stand in for them (docs/payments-gateway.md).

A gateway knows a payment by *our* ``payment_no``, which is also our idempotency key there:
creating the same payment twice answers the same payment, a refund is known by our
``refund_no`` the same way. What the gateway tells us on its own (a payment made, a refund
done) comes as a signed notification that :meth:`PaymentGateway.verify` checks before anything
reads it.

Two failures must never be confused by a caller:

- :class:`GatewayUnavailable` — the outcome is **unknown** (no answer, a timeout, the gateway's
  own 5xx): the request may or may not have been done; retry with the same ``payment_no`` /
  ``refund_no``, or query later;
- :class:`GatewayRefused` and its subclasses — the gateway answered **no**: nothing was done,
  and repeating the same request gets the same answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal, Protocol

import attrs

from shop_domain.shared.errors import Conflict, DomainError, Forbidden, InvalidValue
from shop_domain.shared.money import Money

GatewayState = Literal["pending", "paid", "closed"]
"""``pending``: created, not paid (an expired one stays pending until closed, and cannot be
paid); ``paid``: the money is in (refunds do not change it); ``closed``: it can never be paid."""

NotificationKind = Literal["payment", "refund"]


# --- errors ------------------------------------------------------------------------------------


class GatewayUnavailable(DomainError):
    """The gateway could not be reached or did not answer in time, or answered that it failed:
    the outcome is unknown — retry the same request (it is idempotent) or query later."""

    code = "payment.gateway_unavailable"
    kind = "unavailable"


class GatewayRefused(Conflict):
    """The gateway answered and refused the request: nothing was done there. ``details``
    carries the gateway's own ``reason``."""

    code = "payment.gateway_refused"


class GatewayPaymentUnknown(GatewayRefused):
    """The gateway knows no payment by this ``payment_no`` (it was never created there)."""

    code = "payment.gateway_unknown_payment"
    kind = "not_found"


class GatewayPaymentMismatch(GatewayRefused):
    """A payment was created again under the same ``payment_no`` (or a refund under the same
    ``refund_no``) with a different amount or currency."""

    code = "payment.gateway_mismatch"


class RefundExceedsPaid(GatewayRefused):
    """The refunds of a payment would add up to more than was paid (or it was never paid)."""

    code = "payment.refund_exceeds_paid"


class MalformedNotification(InvalidValue):
    """A notification whose signature is right but whose body is not a notification (a gateway's
    fault: nothing in it is used)."""

    code = "payment.malformed_notification"


class BadSignature(Forbidden):
    """A notification (or a request) whose signature is missing, wrong, or too old (a replay):
    nothing in it is read."""

    code = "payment.bad_signature"


# --- values ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class GatewayPaymentRequest:
    payment_no: str
    """Ours, unique: the payment's key at the gateway (creating it again is harmless). Gateways
    take 1 to 64 of ``A-Z a-z 0-9 _ -`` (WeChat Pay: 6 to 32), as ``refund_no``."""
    amount: Money
    subject: str
    """What the payer sees on the gateway's page."""
    notify_url: str
    """Where the gateway sends its signed notifications."""
    return_url: str
    """Where the payer's browser goes back to once paid."""
    expires_at: dt.datetime
    """After this the payment cannot be paid (PAY-3: the order times out)."""


@attrs.frozen(kw_only=True)
class GatewayPayment:
    payment_no: str
    trade_no: str
    """The gateway's id of the payment."""
    pay_url: str
    """The page the payer opens to pay."""


@attrs.frozen(kw_only=True)
class GatewayStatus:
    payment_no: str
    trade_no: str
    state: GatewayState
    amount: Money
    """What was asked."""
    paid: Money | None = None
    """What was paid (``paid`` only) — compare it with ``amount`` (PAY-2)."""
    paid_at: dt.datetime | None = None
    refunded: Money | None = None
    """The refunds' total so far (``None``: none)."""


@attrs.frozen(kw_only=True)
class GatewayRefundRequest:
    payment_no: str
    refund_no: str
    """Ours, unique: asking again with the same one answers the same refund."""
    amount: Money
    reason: str = ""


@attrs.frozen(kw_only=True)
class GatewayRefund:
    payment_no: str
    refund_no: str
    amount: Money
    refunded_total: Money
    """All of the payment's refunds, this one included."""


@attrs.frozen(kw_only=True)
class GatewayNotification:
    """A notification whose signature was checked."""

    notification_id: str
    """The gateway's id of this notification: the same on every redelivery of it."""
    kind: NotificationKind
    payment_no: str
    trade_no: str
    status: Literal["paid", "refunded"]
    amount: Money
    """What was paid (``payment``) or refunded (``refund``): check it (PAY-2)."""
    occurred_at: dt.datetime
    """When it was paid or refunded, by the gateway's clock."""
    refund_no: str | None = None


# --- the port ----------------------------------------------------------------------------------


class PaymentGateway(Protocol):
    """One external payment method. Every call may raise :class:`GatewayUnavailable` (unknown
    outcome) besides the refusals named."""

    @property
    def name(self) -> str:
        """``fake``, ``sandbox``, …: recorded with the tender it took."""
        ...

    async def create(self, request: GatewayPaymentRequest) -> GatewayPayment:
        """Open the payment at the gateway; the same ``payment_no`` again answers the same
        payment (:class:`GatewayPaymentMismatch` if the amount differs)."""
        ...

    async def query(self, payment_no: str) -> GatewayStatus:
        """Where the payment is (:class:`GatewayPaymentUnknown` if never created)."""
        ...

    async def close(self, payment_no: str) -> GatewayStatus:
        """Make the payment unpayable (PAY-3). A payment already paid is *not* closed: the
        answer says ``paid``, and the caller refunds it."""
        ...

    async def refund(self, request: GatewayRefundRequest) -> GatewayRefund:
        """Give back part or all of what was paid; the same ``refund_no`` again answers the
        same refund. :class:`RefundExceedsPaid` if the total would pass what was paid."""
        ...

    def verify(
        self, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
    ) -> GatewayNotification:
        """The notification in ``body`` once its signature in ``headers`` is checked (names
        of headers in any case); :class:`BadSignature` if it is missing, wrong, or older than
        the replay window at ``now``."""
        ...
