"""Errors of orders and payments (ORD-*, PAY-*); each code is defined once, here."""

from __future__ import annotations

import uuid

from shop_domain.shared.errors import Conflict, Forbidden, InvalidValue, NotFound


class InvalidOrder(InvalidValue):
    """An order that cannot be made: no lines, a line with nothing to pay for, a bad split."""

    code = "order.invalid"


class OrderNotFound(NotFound):
    code = "order.not_found"

    @classmethod
    def of(cls, order_id: uuid.UUID) -> OrderNotFound:
        return cls("no such order", details={"order_id": str(order_id)})


class OrderStateConflict(Conflict):
    """The order's state does not allow this (ORD-4). ``details``: ``state``."""

    code = "order.invalid_state"


class OverValueLimit(InvalidValue):
    """A cross-border unit worth more than the per-child value limit (ORD-3)."""

    code = "order.over_value_limit"


class PriceChanged(Conflict):
    """The price at submission is not the one the customer confirmed; ``details.quote`` is the
    new one."""

    code = "order.price_changed"


class NotYourOrder(Forbidden):
    code = "order.not_yours"


class PaymentNotFound(NotFound):
    code = "payment.not_found"

    @classmethod
    def of(cls, payment_id: uuid.UUID) -> PaymentNotFound:
        return cls("no such payment", details={"payment_id": str(payment_id)})


class PaymentStateConflict(Conflict):
    """The payment's state does not allow this. ``details``: ``state``."""

    code = "payment.invalid_state"


class RefundTooLarge(Conflict):
    """A refund beyond what the payment has left to refund. ``details``: ``refundable``."""

    code = "payment.refund_too_large"


class RiskLimit(Forbidden):
    """A payment over a risk limit (PAY-6). ``details``: ``limit``."""

    code = "payment.risk_limit"


__all__ = [
    "InvalidOrder",
    "NotYourOrder",
    "OrderNotFound",
    "OrderStateConflict",
    "OverValueLimit",
    "PaymentNotFound",
    "PaymentStateConflict",
    "PriceChanged",
    "RefundTooLarge",
    "RiskLimit",
]
