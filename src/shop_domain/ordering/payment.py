"""The Payment aggregate (PAY-1..5): one payment covers a parent order with its tenders — the
gift cards' part, held at submission, and one external method's part, paid through a gateway.

- Opened with its order. An order whose gift cards pay everything is paid at once.
- :meth:`Payment.confirm` takes a gateway's word that the external part was paid. It is
  idempotent (PAY-2): a repeated or late notification of the same trade changes nothing; one
  whose amount is not the amount due is flagged and not accepted; money arriving after the
  payment was closed (the order timed out, PAY-3) is accepted as a fact and answered with a
  refund of all of it, since nothing is sold for it; another trade paying it after that is
  flagged, as a second trade paying a paid payment is.
- :meth:`Payment.refund` splits a refund over the tenders that paid, in proportion to what each
  has left (MON-3, PAY-5), once per key; the gift cards' share is restored by the caller in the
  same transaction, the external share is sent to the gateway and marked done when it answers.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, ClassVar, Final

import attrs

from shop_domain.ordering.errors import PaymentStateConflict, RefundTooLarge
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.events import DomainEvent
from shop_domain.shared.money import Money, allocate

KEY_MAX: Final = 100


class PaymentState(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CLOSED = "closed"


class Confirmation(enum.StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    """Already paid by this trade: nothing changes (PAY-2)."""
    MISMATCH = "mismatch"
    """The amount is not the amount due: flagged, not accepted (PAY-2)."""
    AFTER_CLOSE = "after_close"
    """Paid after the payment closed: all of it goes back (PAY-3)."""


class RefundState(enum.StrEnum):
    REQUESTED = "requested"
    DONE = "done"


@attrs.define(slots=False, eq=False, kw_only=True)
class Refund:
    id: uuid.UUID
    key: str
    reason: str
    gift_card: Money
    external: Money
    state: RefundState
    created_at: dt.datetime
    done_at: dt.datetime | None = None

    @property
    def amount(self) -> Money:
        return self.gift_card + self.external


@attrs.frozen(kw_only=True)
class PaymentEvent(DomainEvent):
    payment_id: uuid.UUID
    order_id: uuid.UUID
    number: str


@attrs.frozen(kw_only=True)
class PaymentSucceeded(PaymentEvent):
    event_type: ClassVar[str] = "payment.succeeded"
    external: int
    gift_card: int
    currency: str
    trade_no: str | None


@attrs.frozen(kw_only=True)
class PaymentFlagged(PaymentEvent):
    """A notification that was not accepted: ``flag`` says why (PAY-2)."""

    event_type: ClassVar[str] = "payment.flagged"
    flag: str
    trade_no: str
    amount: int


@attrs.frozen(kw_only=True)
class PaymentClosed(PaymentEvent):
    event_type: ClassVar[str] = "payment.closed"


@attrs.frozen(kw_only=True)
class RefundRequested(PaymentEvent):
    event_type: ClassVar[str] = "payment.refund_requested"
    refund_id: uuid.UUID
    key: str
    gift_card: int
    external: int
    currency: str


@attrs.frozen(kw_only=True)
class RefundCompleted(PaymentEvent):
    event_type: ClassVar[str] = "payment.refund_completed"
    refund_id: uuid.UUID
    external: int
    currency: str


@attrs.define(slots=False, eq=False, kw_only=True)
class Payment(Aggregate):
    number: str
    """What the gateway knows it by (our idempotency key there)."""
    order_id: uuid.UUID
    user_id: uuid.UUID
    gateway: str
    external: Money
    gift_card: Money
    state: PaymentState
    created_at: dt.datetime
    trade_no: str | None = None
    paid_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    flags: list[str] = attrs.Factory(list)
    refunds: list[Refund] = attrs.Factory(list)

    @classmethod
    def open(
        cls,
        *,
        id: uuid.UUID,
        number: str,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        gateway: str,
        external: Money,
        gift_card: Money,
        now: dt.datetime,
    ) -> Payment:
        if external.is_negative() or gift_card.is_negative():
            raise InvalidValue("a tender is never negative")
        payment = cls(
            id=id,
            number=number,
            order_id=order_id,
            user_id=user_id,
            gateway=gateway,
            external=external,
            gift_card=gift_card,
            state=PaymentState.PENDING,
            created_at=now,
        )
        if external.is_zero():  # the cards pay it all: nothing to wait for
            payment._paid(None, now)
        return payment

    @property
    def currency(self) -> str:
        return self.external.currency

    def _figures(self) -> dict[str, Any]:
        return {"payment_id": self.id, "order_id": self.order_id, "number": self.number}

    def _paid(self, trade_no: str | None, now: dt.datetime) -> None:
        self.state, self.trade_no, self.paid_at = PaymentState.PAID, trade_no, now
        self.record(
            PaymentSucceeded(
                occurred_at=now,
                **self._figures(),
                external=self.external.minor,
                gift_card=self.gift_card.minor,
                currency=self.currency,
                trade_no=trade_no,
            )
        )

    def confirm(self, trade_no: str, amount: Money, now: dt.datetime) -> Confirmation:
        """The gateway says ``trade_no`` paid ``amount`` of the external part."""
        if self.state is PaymentState.PAID and self.trade_no == trade_no:
            return Confirmation.DUPLICATE
        if amount != self.external:
            self._flag("amount_mismatch", trade_no, amount, now)
            return Confirmation.MISMATCH
        if self.state is PaymentState.PAID:  # another trade paid it already: that money goes back
            self._flag("paid_twice", trade_no, amount, now)
            return Confirmation.MISMATCH
        if self.state is PaymentState.CLOSED:
            if "paid_after_close" in self.flags:
                if trade_no == self.trade_no:
                    return Confirmation.DUPLICATE
                self._flag("paid_twice", trade_no, amount, now)  # a second payment, flagged
                return Confirmation.MISMATCH
            self._flag("paid_after_close", trade_no, amount, now)
            self.trade_no, self.paid_at = trade_no, now
            return Confirmation.AFTER_CLOSE
        self._paid(trade_no, now)
        return Confirmation.ACCEPTED

    def _flag(self, flag: str, trade_no: str, amount: Money, now: dt.datetime) -> None:
        if flag not in self.flags:
            self.flags.append(flag)
        self.record(
            PaymentFlagged(
                occurred_at=now,
                **self._figures(),
                flag=flag,
                trade_no=trade_no,
                amount=amount.minor,
            )
        )

    def close(self, now: dt.datetime) -> bool:
        """PAY-3: the order timed out or was cancelled unpaid; ``False`` if closed already."""
        if self.state is PaymentState.CLOSED:
            return False
        if self.state is PaymentState.PAID:
            raise PaymentStateConflict(
                "a paid payment is refunded, not closed", details={"state": self.state.value}
            )
        self.state, self.closed_at = PaymentState.CLOSED, now
        self.record(PaymentClosed(occurred_at=now, **self._figures()))
        return True

    # --- refunds ---------------------------------------------------------------------------------
    def refunded(self) -> tuple[Money, Money]:
        """The gift cards' and the external method's parts refunded so far."""
        zero = Money.zero(self.currency)
        cards = sum((r.gift_card for r in self.refunds), zero)
        external = sum((r.external for r in self.refunds), zero)
        return cards, external

    def refundable(self) -> tuple[Money, Money]:
        """What each tender has left to give back."""
        cards, external = self.refunded()
        if self.state is PaymentState.PAID:
            return self.gift_card - cards, self.external - external
        if self.state is PaymentState.CLOSED and "paid_after_close" in self.flags:
            return Money.zero(self.currency), self.external - external
        return Money.zero(self.currency), Money.zero(self.currency)

    def refund(
        self, *, id: uuid.UUID, key: str, amount: Money, reason: str, now: dt.datetime
    ) -> Refund:
        """``amount`` back to the tenders, in proportion to what each has left (PAY-5); once per
        ``key``: the same key again answers the first refund."""
        if not 1 <= len(key) <= KEY_MAX:
            raise InvalidValue(f"a refund key is 1..{KEY_MAX} characters")
        for done in self.refunds:
            if done.key == key:
                if done.amount != amount:
                    raise RefundTooLarge(
                        f"refund {key} was for {done.amount}", details={"key": key}
                    )
                return done
        if not amount.is_positive():
            raise InvalidValue("a refund is more than nothing")
        cards, external = self.refundable()
        if amount > cards + external:
            raise RefundTooLarge(
                f"{cards + external} is left to refund",
                details={"refundable": (cards + external).minor},
            )
        card_part, external_part = allocate(amount, [cards, external])
        refund = Refund(
            id=id,
            key=key,
            reason=reason,
            gift_card=card_part,
            external=external_part,
            state=RefundState.DONE if external_part.is_zero() else RefundState.REQUESTED,
            created_at=now,
            done_at=now if external_part.is_zero() else None,
        )
        self.refunds.append(refund)
        self.record(
            RefundRequested(
                occurred_at=now,
                **self._figures(),
                refund_id=refund.id,
                key=key,
                gift_card=card_part.minor,
                external=external_part.minor,
                currency=self.currency,
            )
        )
        return refund

    def refund_done(self, refund_id: uuid.UUID, now: dt.datetime) -> bool:
        """The gateway gave the external part back; ``False`` if that was known already."""
        for refund in self.refunds:
            if refund.id == refund_id:
                if refund.state is RefundState.DONE:
                    return False
                refund.state, refund.done_at = RefundState.DONE, now
                self.record(
                    RefundCompleted(
                        occurred_at=now,
                        **self._figures(),
                        refund_id=refund.id,
                        external=refund.external.minor,
                        currency=self.currency,
                    )
                )
                return True
        raise InvalidValue("no such refund", details={"refund_id": str(refund_id)})


__all__ = [
    "Confirmation",
    "Payment",
    "PaymentClosed",
    "PaymentEvent",
    "PaymentFlagged",
    "PaymentState",
    "PaymentSucceeded",
    "Refund",
    "RefundCompleted",
    "RefundRequested",
    "RefundState",
]
