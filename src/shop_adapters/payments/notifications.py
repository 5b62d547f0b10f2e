"""A gateway notification on the wire: signed by the sandbox (and the fake), checked and read
by our adapters (:func:`read_notification`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs
import msgspec

from shop_adapters.payments import signature, wire
from shop_app.ordering.gateway import GatewayNotification, MalformedNotification
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.money import Money


@attrs.frozen
class SignedNotification:
    """What a gateway POSTs to a ``notify_url``: these headers and this body."""

    headers: dict[str, str]
    body: bytes
    notification_id: str


def signed_notification(
    secret: str, notification: wire.Notification, *, now: dt.datetime
) -> SignedNotification:
    """``notification`` as JSON, signed at ``now`` (each delivery is signed afresh: a new
    timestamp and nonce over the same body)."""
    body = wire.encode(notification)
    headers = {"Content-Type": "application/json", **signature.sign(secret, body, now=now)}
    return SignedNotification(headers, body, notification.id)


def read_notification(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
) -> GatewayNotification:
    """The notification in ``body`` once its signature is checked (``BadSignature`` if not);
    a signed body that is not a notification is :class:`MalformedNotification`."""
    signature.check(secret, headers, body, now=now)
    try:
        sent = msgspec.json.decode(body, type=wire.Notification)
        amount = Money(sent.amount, sent.currency)
    except (msgspec.DecodeError, msgspec.ValidationError, InvalidValue) as exc:
        raise MalformedNotification(f"the notification cannot be read: {exc}") from exc
    if sent.occurred_at.tzinfo is None:
        raise MalformedNotification("the notification's time has no offset")
    return GatewayNotification(
        notification_id=sent.id,
        kind=sent.kind,
        payment_no=sent.payment_no,
        trade_no=sent.trade_no,
        status=sent.status,
        amount=amount,
        occurred_at=sent.occurred_at,
        refund_no=sent.refund_no,
    )
