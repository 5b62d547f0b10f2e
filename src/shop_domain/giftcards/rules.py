"""Business rules of gift cards as objects, each testable on its own.

A card is used (sold, activated, spent) only when every rule that applies holds, in this order:
its batch is open (GC-3), the card is not discarded (GC-4), it is in the state the action
needs, it is within its validity (GC-4, GC-7), it belongs to whoever uses it (the user it is
bound to, or the member whose verified phone it is bound to: GC-5), and its balance covers the
amount (GC-7).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

import attrs

from shop_domain.giftcards.errors import InsufficientBalance, KeyRequired, NotYourCard
from shop_domain.shared.money import Money


@attrs.frozen
class BatchIsOpen:
    """GC-3: until opened, while paused and once discarded, no card can be sold, activated or
    spent."""

    code: ClassVar[str] = "giftcard.batch_not_open"
    kind: ClassVar[str] = "conflict"
    state: str

    def is_broken(self) -> bool:
        return self.state != "opened"

    def message(self) -> str:
        return f"the card's batch is {self.state}, not open"


@attrs.frozen
class HoldsTheKey:
    """GC-3: only the batch's owner or a holder of the open permission opens it."""

    code: ClassVar[str] = KeyRequired.code
    kind: ClassVar[str] = KeyRequired.kind
    actor: str
    owner: str
    has_open_permission: bool

    def is_broken(self) -> bool:
        return not (self.has_open_permission or self.actor == self.owner)

    def message(self) -> str:
        return "only the batch's owner or a holder of the open permission may do this"


@attrs.frozen
class CardNotDiscarded:
    """GC-4: a discarded card is never sold, bound or spent again."""

    code: ClassVar[str] = "giftcard.card_discarded"
    kind: ClassVar[str] = "conflict"
    state: str

    def is_broken(self) -> bool:
        return self.state == "discarded"

    def message(self) -> str:
        return "the card is discarded"


@attrs.frozen
class CardIsPending:
    """Only a card waiting for activation can be activated."""

    code: ClassVar[str] = "giftcard.already_activated"
    kind: ClassVar[str] = "conflict"
    state: str

    def is_broken(self) -> bool:
        return self.state != "pending"

    def message(self) -> str:
        return "the card is already activated"


@attrs.frozen
class CardIsActivated:
    code: ClassVar[str] = "giftcard.not_activated"
    kind: ClassVar[str] = "conflict"
    state: str

    def is_broken(self) -> bool:
        return self.state != "activated"

    def message(self) -> str:
        return "the card is not activated"


@attrs.frozen
class NotExpired:
    """GC-4: expired follows from the validity window."""

    code: ClassVar[str] = "giftcard.expired"
    kind: ClassVar[str] = "conflict"
    valid_until: dt.datetime | None
    now: dt.datetime

    def is_broken(self) -> bool:
        return self.valid_until is not None and self.now >= self.valid_until

    def message(self) -> str:
        return "the card's validity has ended"


@attrs.frozen
class AlreadyValid:
    code: ClassVar[str] = "giftcard.not_yet_valid"
    kind: ClassVar[str] = "conflict"
    valid_from: dt.datetime | None
    now: dt.datetime

    def is_broken(self) -> bool:
        return self.valid_from is not None and self.now < self.valid_from

    def message(self) -> str:
        return "the card cannot be used yet"


@attrs.frozen
class HeldByPayer:
    """GC-5, GC-7: a card pays only for its holder — the user it is bound to, or, for a card an
    operator bound to a phone number, the user whose verified phone it is (both canonical:
    ``payer_phone`` is what the payer verified, ``None`` for none)."""

    code: ClassVar[str] = NotYourCard.code
    kind: ClassVar[str] = NotYourCard.kind
    card_user: uuid.UUID | None
    card_phone: str | None
    payer: uuid.UUID
    payer_phone: str | None

    def is_broken(self) -> bool:
        if self.card_user is not None:
            return self.card_user != self.payer
        return self.card_phone is None or self.card_phone != self.payer_phone

    def message(self) -> str:
        if self.card_user is None and self.card_phone is not None:
            return "this card is bound to a phone number the payer has not verified"
        return "this card belongs to another user"


@attrs.frozen
class BalanceCovers:
    """GC-7: never beyond the balance."""

    code: ClassVar[str] = InsufficientBalance.code
    kind: ClassVar[str] = InsufficientBalance.kind
    balance: Money
    amount: Money

    def is_broken(self) -> bool:
        return self.amount > self.balance

    def message(self) -> str:
        return f"the card holds {self.balance}, less than {self.amount}"


@attrs.frozen
class VirtualCardForSale:
    """GC-6: only an unsold virtual card can be sold."""

    code: ClassVar[str] = "giftcard.not_for_sale"
    kind: ClassVar[str] = "conflict"
    sales_state: str

    def is_broken(self) -> bool:
        return self.sales_state != "unsold"

    def message(self) -> str:
        if self.sales_state == "not_for_sale":
            return "physical cards are not sold here"
        return "the card is already sold"
