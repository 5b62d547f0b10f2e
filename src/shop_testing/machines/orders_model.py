"""A plain model of orders and their payments (ORD-4, ORD-5, PAY-2, PAY-3, PAY-5) for
:mod:`shop_testing.machines.orders`: states as strings, the flow of ORD-4 as a table, tenders
and refunds as integers, and what an order holds as counters. It predicts what every command
answers — its outcome, or the code it is refused with."""

from __future__ import annotations

import uuid
from typing import Final

import attrs

INVALID_STATE: Final = "order.invalid_state"
PAYMENT_STATE: Final = "payment.invalid_state"
REFUND_TOO_LARGE: Final = "payment.refund_too_large"
AFTER_CLOSE_KEY: Final = "paid-after-close"
"""The key of the refund of money paid after the order was cancelled (the application's)."""

Answer = object
"""An outcome (a state, a confirmation, a refund's parts) or the code of a refusal."""

CHILD_MOVES: Final = {
    "ship": ("pending_shipment", "pending_receipt"),
    "receive": ("pending_receipt", "completed"),
}
"""ORD-4 for a shipped child after payment: the command, the state it needs, where it goes."""


@attrs.define
class ModelChild:
    virtual: bool
    state: str = "pending_payment"
    consumed: int = 0
    """Times its stock was taken for shipping: 1 once shipped, never more."""


@attrs.define
class Holds:
    """What a pending order holds — stock, coupons, points, gift-card amounts (ORD-5): taken at
    submission, then released exactly once (cancelled) or settled exactly once (paid)."""

    taken: int = 1
    released: int = 0
    settled: int = 0


@attrs.define
class ModelPayment:
    external: int
    gift_card: int
    state: str = "pending"
    trade_no: str | None = None
    after_close: bool = False
    refunds: dict[str, tuple[int, int]] = attrs.Factory(dict)
    """By key: the gift cards' and the external method's parts."""
    done: set[str] = attrs.Factory(set)

    def refunded(self) -> tuple[int, int]:
        cards = sum(c for c, _ in self.refunds.values())
        return cards, sum(e for _, e in self.refunds.values())

    def refundable(self) -> tuple[int, int]:
        cards, external = self.refunded()
        if self.state == "paid":
            return self.gift_card - cards, self.external - external
        if self.state == "closed" and self.after_close:
            return 0, self.external - external
        return 0, 0


def two_way_split(amount: int, first: int, second: int) -> tuple[int, int]:
    """``amount`` over two parts worth ``first`` and ``second`` (MON-3, stated for two parts):
    each its floor share, the unit left over to the larger remainder, on a tie the second."""
    total = first + second
    a, b = amount * first // total, amount * second // total
    if a + b < amount:
        if amount * first % total > amount * second % total:
            a += 1
        else:
            b += 1
    return a, b


@attrs.define
class OrderModel:
    children: dict[uuid.UUID, ModelChild]
    payment: ModelPayment
    state: str = "pending_payment"
    holds: Holds = attrs.Factory(Holds)

    @classmethod
    def submitted(
        cls, children: dict[uuid.UUID, bool], external: int, gift_card: int
    ) -> OrderModel:
        """``children``: whether each is virtual. Cards paying it all pay it at once."""
        order = cls(
            {c: ModelChild(virtual) for c, virtual in children.items()},
            ModelPayment(external, gift_card),
        )
        if external == 0:
            order.payment.state = "paid"
            order.pay()
        return order

    def pay(self) -> None:
        self.state = "paid"
        self.holds.settled += 1
        for child in self.children.values():
            child.state = "completed" if child.virtual else "pending_shipment"

    def cancel(self) -> Answer:
        if self.state == "cancelled":
            return False
        if self.state != "pending_payment":
            return INVALID_STATE
        self.state = "cancelled"
        self.holds.released += 1
        for child in self.children.values():
            child.state = "cancelled"
        if self.payment.state == "pending":
            self.payment.state = "closed"
        return True

    def move(self, child_id: uuid.UUID, command: str) -> Answer:
        child = self.children[child_id]
        needs, goes = CHILD_MOVES[command]
        if child.state != needs or (command == "ship" and child.virtual):
            return INVALID_STATE
        child.state = goes
        if command == "ship":
            child.consumed += 1
        return goes

    def confirm(self, trade_no: str, amount: int) -> Answer:
        """PAY-2, PAY-3: the gateway's word that ``trade_no`` paid ``amount``."""
        payment = self.payment
        if payment.state == "paid" and payment.trade_no == trade_no:
            return "duplicate"
        if amount != payment.external or payment.state == "paid":
            return "mismatch"
        if payment.state == "closed":
            if payment.after_close:  # the same trade again changes nothing; another is flagged
                return "duplicate" if trade_no == payment.trade_no else "mismatch"
            payment.after_close, payment.trade_no = True, trade_no
            payment.refunds[AFTER_CLOSE_KEY] = (0, payment.external)
            return "after_close"
        payment.state, payment.trade_no = "paid", trade_no
        self.pay()
        return "accepted"

    def refund(self, key: str, amount: int) -> Answer:
        """PAY-5: over the tenders in proportion to what each has left, once per key."""
        payment = self.payment
        if key in payment.refunds:
            known = payment.refunds[key]
            return known if sum(known) == amount else REFUND_TOO_LARGE
        cards, external = payment.refundable()
        if amount > cards + external:
            return REFUND_TOO_LARGE
        parts = two_way_split(amount, cards, external)
        payment.refunds[key] = parts
        if parts[1] == 0:
            payment.done.add(key)
        return parts

    def refund_done(self, key: str) -> Answer:
        if key in self.payment.done:
            return False
        self.payment.done.add(key)
        return True


__all__ = [
    "AFTER_CLOSE_KEY",
    "CHILD_MOVES",
    "INVALID_STATE",
    "PAYMENT_STATE",
    "REFUND_TOO_LARGE",
    "Answer",
    "Holds",
    "ModelChild",
    "ModelPayment",
    "OrderModel",
    "two_way_split",
]
