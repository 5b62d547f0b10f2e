"""The sandbox gateway's JSON, as both sides read and write it: the sandbox's API and its
notifications (docs/payments-gateway.md, "The API"). Amounts are integers in the minor unit
with their currency; times are ISO 8601 with an offset. Error answers are
``{"code": "ORDER_NOT_EXIST", "message": "…"}`` with the codes below."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

# the sandbox's own error codes (its vocabulary, not ours: the adapter maps them)
SIGN_ERROR = "SIGN_ERROR"
INVALID_REQUEST = "INVALID_REQUEST"
ORDER_NOT_EXIST = "ORDER_NOT_EXIST"
PARAM_MISMATCH = "PARAM_MISMATCH"
ORDER_CLOSED = "ORDER_CLOSED"
ORDER_EXPIRED = "ORDER_EXPIRED"
NOT_PAID = "NOT_PAID"
REFUND_EXCEEDS = "REFUND_EXCEEDS"


Number = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
"""Our ``payment_no`` and ``refund_no``: they go into the sandbox's paths as they are."""


class CreatePayment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    payment_no: Number
    amount: int
    currency: str
    subject: str
    notify_url: str
    return_url: str
    expires_at: dt.datetime


class Payment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    payment_no: str
    trade_no: str
    pay_url: str
    state: Literal["pending", "paid", "closed"]
    amount: int
    currency: str
    paid_amount: int | None = None
    paid_at: dt.datetime | None = None
    refunded: int = 0


class CreateRefund(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    payment_no: Number
    refund_no: Number
    amount: int
    currency: str
    reason: str = ""


class Refund(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    payment_no: str
    refund_no: str
    amount: int
    currency: str
    refunded_total: int


class Notification(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    kind: Literal["payment", "refund"]
    payment_no: str
    trade_no: str
    status: Literal["paid", "refunded"]
    amount: int
    currency: str
    occurred_at: dt.datetime
    refund_no: str | None = None


class Simulate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The sandbox's test route: pay as a person would, optionally with another amount."""

    amount: int | None = None


class Attempt(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    at: dt.datetime
    status: int | None
    """The merchant's HTTP status; ``None``: no answer (or dropped by ``--fail-first``)."""
    error: str | None = None
    duplicate: bool = False


class Delivery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    notification: Notification
    url: str
    delivered: bool
    gave_up: bool
    attempts: list[Attempt]


class Error(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    message: str


encode = msgspec.json.encode
