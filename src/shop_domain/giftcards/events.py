"""Domain events of the gift-card context (published as the integration events of
``shop_app/giftcards/integration.py``).

Every event names its ``batch_id`` and the ``actor`` who caused it (an operator's subject,
``user:<id>`` for a customer, ``system``), so the operation history (GC-10) and the activation
records (GC-9) are projections of these events, written in the same transaction. No event
carries a card secret (GC-11, SEC-3); card numbers are not secret.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import attrs

from shop_domain.shared.events import DomainEvent
from shop_domain.shared.money import Money


@attrs.frozen(kw_only=True)
class GiftCardEvent(DomainEvent):
    batch_id: uuid.UUID
    actor: str


# --- batches ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BatchCreated(GiftCardEvent):
    event_type: ClassVar[str] = "giftcards.batch_created"
    name: str
    kind: str
    mode: str
    face_value: Money
    count: int
    owner: str


@attrs.frozen(kw_only=True)
class CardsAdded(GiftCardEvent):
    """More cards were asked for (GC-13); the generation job writes them."""

    event_type: ClassVar[str] = "giftcards.cards_added"
    count: int
    requested: int


@attrs.frozen(kw_only=True)
class CardsGenerated(GiftCardEvent):
    """Every requested card of the batch now exists."""

    event_type: ClassVar[str] = "giftcards.cards_generated"
    count: int


@attrs.frozen(kw_only=True)
class BatchOpened(GiftCardEvent):
    event_type: ClassVar[str] = "giftcards.batch_opened"


@attrs.frozen(kw_only=True)
class BatchPaused(GiftCardEvent):
    event_type: ClassVar[str] = "giftcards.batch_paused"


@attrs.frozen(kw_only=True)
class BatchResumed(GiftCardEvent):
    event_type: ClassVar[str] = "giftcards.batch_resumed"


@attrs.frozen(kw_only=True)
class BatchDiscarded(GiftCardEvent):
    event_type: ClassVar[str] = "giftcards.batch_discarded"


@attrs.frozen(kw_only=True)
class BatchEdited(GiftCardEvent):
    """GC-13: ``changes`` maps each edited field to ``[old, new]``."""

    event_type: ClassVar[str] = "giftcards.batch_edited"
    changes: dict[str, Any]


@attrs.frozen(kw_only=True)
class BatchExported(GiftCardEvent):
    event_type: ClassVar[str] = "giftcards.batch_exported"
    export_id: uuid.UUID
    cards: int
    whole_batch: bool


# --- cards ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CardEvent(GiftCardEvent):
    card_id: uuid.UUID
    number: str


@attrs.frozen(kw_only=True)
class CardSold(CardEvent):
    event_type: ClassVar[str] = "giftcards.card_sold"
    buyer_id: uuid.UUID
    sale_ref: str


@attrs.frozen(kw_only=True)
class CardActivated(CardEvent):
    """GC-9: one activation record each."""

    event_type: ClassVar[str] = "giftcards.card_activated"
    user_id: uuid.UUID | None
    phone: str | None
    amount: Money
    via: str


@attrs.frozen(kw_only=True)
class CardSpent(CardEvent):
    event_type: ClassVar[str] = "giftcards.card_spent"
    usage_id: uuid.UUID
    order_id: uuid.UUID
    amount: Money
    balance: Money


@attrs.frozen(kw_only=True)
class CardRestored(CardEvent):
    """Balance given back for a cancelled or refunded order (GC-8)."""

    event_type: ClassVar[str] = "giftcards.card_restored"
    usage_id: uuid.UUID
    order_id: uuid.UUID
    amount: Money
    balance: Money
    usage_state: str
    reason: str


@attrs.frozen(kw_only=True)
class CardDiscarded(CardEvent):
    event_type: ClassVar[str] = "giftcards.card_discarded"
    reason: str


@attrs.frozen(kw_only=True)
class SecretViewed(CardEvent):
    """GC-11: someone with the permission looked at the card's secret."""

    event_type: ClassVar[str] = "giftcards.secret_viewed"
