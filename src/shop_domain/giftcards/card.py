"""The gift card (GC-2, GC-4, GC-6, GC-7): a balance held for a customer.

::

    pending ──activate──▶ activated ──spend / restore──▶ activated
       │                      │
       └──────discard─────────┴──▶ discarded (final)

A virtual card also has a sales state: unsold → sold (GC-6); a physical card is
``not_for_sale`` here (it is sold in shops, on paper). Expired is not a state of its own: it
follows from the validity (GC-4), see :meth:`GiftCard.effective_state`.

Every use is checked against the card's batch, passed in (GC-3): a card of a batch that is not
open cannot be sold, activated or spent. The balance never goes below zero and never above the
face value: :meth:`spend` refuses more than the balance, :meth:`restore` is only ever given
back what a usage took (see :mod:`shop_domain.giftcards.usage`).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import attrs

from shop_domain.giftcards import events as ev
from shop_domain.giftcards import rules
from shop_domain.giftcards.batch import CardKind, GiftCardBatch
from shop_domain.giftcards.errors import (
    CardStateConflict,
    InvalidBatch,
    NotYourCard,
    RestoreExceedsFaceValue,
)
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import CurrencyMismatch, InvalidValue
from shop_domain.shared.money import Money
from shop_domain.shared.phones import normalize_phone
from shop_domain.shared.rules import check_rule

REASON_MAX = 500
"""A discard reason is at most this many characters."""
SELF = "self"
"""``activated_by`` of a self-service activation."""


class CardState(enum.StrEnum):
    PENDING = "pending"
    ACTIVATED = "activated"
    DISCARDED = "discarded"


class SalesState(enum.StrEnum):
    NOT_FOR_SALE = "not_for_sale"  # physical cards
    UNSOLD = "unsold"
    SOLD = "sold"


class ActivationVia(enum.StrEnum):
    MANUAL = "manual"  # an operator bound it (GC-5)
    SELF = "self"  # the user typed number and secret (GC-5)
    PURCHASE = "purchase"  # the buyer of a virtual card bound it from the account (GC-6)


def sales_state_for(kind: CardKind) -> SalesState:
    return SalesState.UNSOLD if kind is CardKind.VIRTUAL else SalesState.NOT_FOR_SALE


@attrs.define(slots=False, eq=False)
class GiftCard(Aggregate):
    batch_id: uuid.UUID
    number: str
    secret: SealedSecret
    face_value: Money
    balance: Money
    state: CardState
    sales_state: SalesState
    created_at: dt.datetime
    buyer_id: uuid.UUID | None = None
    sold_at: dt.datetime | None = None
    sale_ref: str | None = None
    user_id: uuid.UUID | None = None
    phone: str | None = None
    """The phone number an operator bound the card to, canonical (GC-5)."""
    activated_at: dt.datetime | None = None
    activated_by: str | None = None
    """``self``, ``purchase`` or the operator's subject."""
    expires_at: dt.datetime | None = None
    """Set at activation for batches valid N days from activation."""
    discarded_at: dt.datetime | None = None

    @classmethod
    def new(
        cls,
        *,
        id: uuid.UUID,
        batch: GiftCardBatch,
        number: str,
        secret: SealedSecret,
        now: dt.datetime,
    ) -> GiftCard:
        """A fresh card of ``batch`` (bulk creation writes the same values as rows)."""
        return cls(
            id=id,
            batch_id=batch.id,
            number=number,
            secret=secret,
            face_value=batch.face_value,
            balance=batch.face_value,
            state=CardState.PENDING,
            sales_state=sales_state_for(batch.kind),
            created_at=now,
        )

    # --- reading ----------------------------------------------------------------------------

    def validity(self, batch: GiftCardBatch) -> tuple[dt.datetime | None, dt.datetime | None]:
        """``(valid_from, valid_until)``; open ends are ``None``."""
        if batch.validity.relative:
            return self.activated_at, self.expires_at
        return batch.validity.starts_at, batch.validity.ends_at

    def is_expired(self, batch: GiftCardBatch, now: dt.datetime) -> bool:
        until = self.validity(batch)[1]
        return until is not None and now >= until

    def effective_state(self, batch: GiftCardBatch, now: dt.datetime) -> str:
        """The state to show: ``expired`` once the validity has ended (GC-4)."""
        if self.state is not CardState.DISCARDED and self.is_expired(batch, now):
            return "expired"
        return self.state.value

    # --- selling (GC-6) ---------------------------------------------------------------------

    def sell(
        self,
        *,
        batch: GiftCardBatch,
        buyer_id: uuid.UUID,
        sale_ref: str,
        actor: str,
        now: dt.datetime,
    ) -> None:
        self._of(batch)
        check_rule(rules.BatchIsOpen(batch.state))
        check_rule(rules.CardNotDiscarded(self.state))
        check_rule(rules.VirtualCardForSale(self.sales_state))
        check_rule(rules.CardIsPending(self.state))
        check_rule(rules.NotExpired(self.validity(batch)[1], now))
        self.sales_state = SalesState.SOLD
        self.buyer_id = buyer_id
        self.sale_ref = sale_ref
        self.sold_at = now
        self.record(
            ev.CardSold(
                occurred_at=now,
                batch_id=self.batch_id,
                actor=actor,
                card_id=self.id,
                number=self.number,
                buyer_id=buyer_id,
                sale_ref=sale_ref,
            )
        )

    # --- activation (GC-5, GC-9) ------------------------------------------------------------

    def activate(
        self,
        *,
        batch: GiftCardBatch,
        via: ActivationVia,
        actor: str,
        now: dt.datetime,
        user_id: uuid.UUID | None = None,
        phone: str | None = None,
    ) -> None:
        """Bind the card to a user (or, by an operator, to a phone number, kept canonical: the
        member who verifies that number may spend it)."""
        self._of(batch)
        if (user_id is None) == (phone is None):
            raise InvalidValue("a card is bound to one user or one phone number")
        if phone is not None and via is not ActivationVia.MANUAL:
            raise InvalidValue("only an operator binds a card to a phone number")
        phone = None if phone is None else normalize_phone(phone)
        check_rule(rules.BatchIsOpen(batch.state))
        check_rule(rules.CardNotDiscarded(self.state))
        check_rule(rules.CardIsPending(self.state))
        check_rule(rules.NotExpired(self.validity(batch)[1], now))
        if via is ActivationVia.PURCHASE and (
            self.sales_state is not SalesState.SOLD or self.buyer_id != user_id
        ):
            raise NotYourCard("only the buyer binds a purchased card")
        self.state = CardState.ACTIVATED
        self.user_id = user_id
        self.phone = phone
        self.activated_at = now
        self.activated_by = SELF if via is ActivationVia.SELF else actor
        if batch.validity.days_from_activation is not None:
            self.expires_at = now + dt.timedelta(days=batch.validity.days_from_activation)
        self.record(
            ev.CardActivated(
                occurred_at=now,
                batch_id=self.batch_id,
                actor=actor,
                card_id=self.id,
                number=self.number,
                user_id=user_id,
                phone=phone,
                amount=self.balance,
                via=via,
            )
        )

    # --- paying (GC-7, GC-8) ----------------------------------------------------------------

    def check_spendable(
        self,
        *,
        batch: GiftCardBatch,
        user_id: uuid.UUID,
        amount: Money,
        now: dt.datetime,
        phone: str | None = None,
    ) -> None:
        """Raise the first broken rule that stops ``user_id`` paying ``amount`` with it;
        ``phone``: the payer's verified phone (canonical), which makes a card bound to that
        number theirs (GC-5)."""
        self._of(batch)
        if amount.currency != self.balance.currency:
            raise CurrencyMismatch(f"the card holds {self.balance.currency}, not {amount.currency}")
        if not amount.is_positive():
            raise InvalidValue("a gift-card payment is a positive amount")
        check_rule(rules.BatchIsOpen(batch.state))
        check_rule(rules.CardNotDiscarded(self.state))
        check_rule(rules.CardIsActivated(self.state))
        valid_from, valid_until = self.validity(batch)
        check_rule(rules.AlreadyValid(valid_from, now))
        check_rule(rules.NotExpired(valid_until, now))
        check_rule(rules.HeldByPayer(self.user_id, self.phone, user_id, phone))
        check_rule(rules.BalanceCovers(self.balance, amount))

    def spend(
        self,
        *,
        batch: GiftCardBatch,
        user_id: uuid.UUID,
        amount: Money,
        order_id: uuid.UUID,
        usage_id: uuid.UUID,
        actor: str,
        now: dt.datetime,
        phone: str | None = None,
    ) -> None:
        self.check_spendable(batch=batch, user_id=user_id, amount=amount, now=now, phone=phone)
        self.balance = self.balance - amount
        self.record(
            ev.CardSpent(
                occurred_at=now,
                batch_id=self.batch_id,
                actor=actor,
                card_id=self.id,
                number=self.number,
                usage_id=usage_id,
                order_id=order_id,
                amount=amount,
                balance=self.balance,
            )
        )

    def restore(
        self,
        *,
        amount: Money,
        order_id: uuid.UUID,
        usage_id: uuid.UUID,
        usage_state: str,
        reason: str,
        actor: str,
        now: dt.datetime,
    ) -> None:
        """Give back what a usage took (GC-8), whatever the card's or batch's state now: the
        money was the customer's. Never above the face value."""
        if not amount.is_positive():
            raise InvalidValue("a restored amount is positive")
        if self.balance + amount > self.face_value:
            raise RestoreExceedsFaceValue("a card's balance never exceeds its face value")
        self.balance = self.balance + amount
        self.record(
            ev.CardRestored(
                occurred_at=now,
                batch_id=self.batch_id,
                actor=actor,
                card_id=self.id,
                number=self.number,
                usage_id=usage_id,
                order_id=order_id,
                amount=amount,
                balance=self.balance,
                usage_state=usage_state,
                reason=reason,
            )
        )

    # --- operator actions -------------------------------------------------------------------

    def discard(self, *, reason: str, actor: str, now: dt.datetime) -> None:
        if self.state is CardState.DISCARDED:
            raise CardStateConflict("the card is already discarded")
        if len(reason) > REASON_MAX:
            raise InvalidValue(f"a reason is at most {REASON_MAX} characters")
        self.state = CardState.DISCARDED
        self.discarded_at = now
        self.record(
            ev.CardDiscarded(
                occurred_at=now,
                batch_id=self.batch_id,
                actor=actor,
                card_id=self.id,
                number=self.number,
                reason=reason,
            )
        )

    def secret_viewed(self, *, actor: str, now: dt.datetime) -> None:
        """GC-11: record that ``actor`` was shown the secret."""
        self.record(
            ev.SecretViewed(
                occurred_at=now,
                batch_id=self.batch_id,
                actor=actor,
                card_id=self.id,
                number=self.number,
            )
        )

    def reseal(self, secret: SealedSecret) -> None:
        """The same secret under another key (key rotation)."""
        self.secret = secret

    def _of(self, batch: GiftCardBatch) -> None:
        if batch.id != self.batch_id:
            raise InvalidBatch("the card belongs to another batch")
