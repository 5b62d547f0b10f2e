"""What the gift-card context publishes: its integration events, and the one mapping from each of
its domain events (see :mod:`shop_app.shared.integration`).

No integration event carries a card secret (GC-11, SEC-3) or a phone number; card numbers are
not secret. Internal: ``SecretViewed`` and ``BatchExported`` (audit and operation history only).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

import attrs

import shop_domain.giftcards.events as ev
from shop_app.shared.integration import REGISTRY, Amount, IntegrationEvent
from shop_domain.giftcards.batch import GiftCardBatch
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.export import CardExport
from shop_domain.giftcards.usage import CardUsage

REGISTRY.aggregate(GiftCardBatch, "giftcards.batch")
REGISTRY.aggregate(GiftCard, "giftcards.card")
REGISTRY.aggregate(CardUsage, "giftcards.usage")
REGISTRY.aggregate(CardExport, "giftcards.export")
REGISTRY.internal(ev.SecretViewed, ev.BatchExported)

# --- batches ----------------------------------------------------------------------------------


@REGISTRY.event
@attrs.frozen(kw_only=True)
class BatchCreatedV1(IntegrationEvent):
    type: ClassVar[str] = "giftcards.batch_created"
    version: ClassVar[int] = 1
    batch_id: uuid.UUID
    name: str
    kind: str
    mode: str
    face_value: Amount
    count: int
    owner: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CardsAddedV1(IntegrationEvent):
    """More cards were asked for: ``requested`` is the batch's new total."""

    type: ClassVar[str] = "giftcards.cards_added"
    version: ClassVar[int] = 1
    batch_id: uuid.UUID
    added: int
    requested: int


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CardsGeneratedV1(IntegrationEvent):
    """Every requested card of the batch exists."""

    type: ClassVar[str] = "giftcards.cards_generated"
    version: ClassVar[int] = 1
    batch_id: uuid.UUID
    count: int


@attrs.frozen(kw_only=True)
class _BatchChange(IntegrationEvent):
    batch_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class BatchOpenedV1(_BatchChange):
    type: ClassVar[str] = "giftcards.batch_opened"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class BatchPausedV1(_BatchChange):
    type: ClassVar[str] = "giftcards.batch_paused"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class BatchResumedV1(_BatchChange):
    type: ClassVar[str] = "giftcards.batch_resumed"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class BatchDiscardedV1(_BatchChange):
    type: ClassVar[str] = "giftcards.batch_discarded"
    version: ClassVar[int] = 1


@REGISTRY.event
@attrs.frozen(kw_only=True)
class BatchEditedV1(IntegrationEvent):
    """GC-13: the batch's editable settings changed; ``edited_fields`` names them."""

    type: ClassVar[str] = "giftcards.batch_edited"
    version: ClassVar[int] = 1
    batch_id: uuid.UUID
    edited_fields: tuple[str, ...]


@REGISTRY.maps(ev.BatchCreated)
def _batch_created(e: ev.BatchCreated) -> BatchCreatedV1:
    return BatchCreatedV1(
        batch_id=e.batch_id,
        name=e.name,
        kind=e.kind,
        mode=e.mode,
        face_value=Amount.of(e.face_value),
        count=e.count,
        owner=e.owner,
    )


@REGISTRY.maps(ev.CardsAdded)
def _cards_added(e: ev.CardsAdded) -> CardsAddedV1:
    return CardsAddedV1(batch_id=e.batch_id, added=e.count, requested=e.requested)


@REGISTRY.maps(ev.CardsGenerated)
def _cards_generated(e: ev.CardsGenerated) -> CardsGeneratedV1:
    return CardsGeneratedV1(batch_id=e.batch_id, count=e.count)


@REGISTRY.maps(ev.BatchOpened)
def _batch_opened(e: ev.BatchOpened) -> BatchOpenedV1:
    return BatchOpenedV1(batch_id=e.batch_id)


@REGISTRY.maps(ev.BatchPaused)
def _batch_paused(e: ev.BatchPaused) -> BatchPausedV1:
    return BatchPausedV1(batch_id=e.batch_id)


@REGISTRY.maps(ev.BatchResumed)
def _batch_resumed(e: ev.BatchResumed) -> BatchResumedV1:
    return BatchResumedV1(batch_id=e.batch_id)


@REGISTRY.maps(ev.BatchDiscarded)
def _batch_discarded(e: ev.BatchDiscarded) -> BatchDiscardedV1:
    return BatchDiscardedV1(batch_id=e.batch_id)


@REGISTRY.maps(ev.BatchEdited)
def _batch_edited(e: ev.BatchEdited) -> BatchEditedV1:
    return BatchEditedV1(batch_id=e.batch_id, edited_fields=tuple(sorted(e.changes)))


# --- cards ------------------------------------------------------------------------------------


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CardSoldV1(IntegrationEvent):
    type: ClassVar[str] = "giftcards.card_sold"
    version: ClassVar[int] = 1
    card_id: uuid.UUID
    batch_id: uuid.UUID
    number: str
    buyer_id: uuid.UUID
    sale_ref: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CardActivatedV1(IntegrationEvent):
    """GC-9: the card holds ``amount`` from now on; ``user_id`` is its holder, if known."""

    type: ClassVar[str] = "giftcards.card_activated"
    version: ClassVar[int] = 1
    card_id: uuid.UUID
    batch_id: uuid.UUID
    number: str
    user_id: uuid.UUID | None
    amount: Amount
    via: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CardSpentV1(IntegrationEvent):
    """``amount`` of the card paid part of ``order_id``; ``balance`` is what is left."""

    type: ClassVar[str] = "giftcards.card_spent"
    version: ClassVar[int] = 1
    card_id: uuid.UUID
    batch_id: uuid.UUID
    number: str
    usage_id: uuid.UUID
    order_id: uuid.UUID
    amount: Amount
    balance: Amount


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CardRestoredV1(IntegrationEvent):
    """GC-8: ``amount`` went back to the card (cancelled or refunded order)."""

    type: ClassVar[str] = "giftcards.card_restored"
    version: ClassVar[int] = 1
    card_id: uuid.UUID
    batch_id: uuid.UUID
    number: str
    usage_id: uuid.UUID
    order_id: uuid.UUID
    amount: Amount
    balance: Amount
    usage_state: str
    reason: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class CardDiscardedV1(IntegrationEvent):
    type: ClassVar[str] = "giftcards.card_discarded"
    version: ClassVar[int] = 1
    card_id: uuid.UUID
    batch_id: uuid.UUID
    number: str
    reason: str


@REGISTRY.maps(ev.CardSold)
def _card_sold(e: ev.CardSold) -> CardSoldV1:
    return CardSoldV1(
        card_id=e.card_id,
        batch_id=e.batch_id,
        number=e.number,
        buyer_id=e.buyer_id,
        sale_ref=e.sale_ref,
    )


@REGISTRY.maps(ev.CardActivated)
def _card_activated(e: ev.CardActivated) -> CardActivatedV1:
    return CardActivatedV1(
        card_id=e.card_id,
        batch_id=e.batch_id,
        number=e.number,
        user_id=e.user_id,
        amount=Amount.of(e.amount),
        via=e.via,
    )


@REGISTRY.maps(ev.CardSpent)
def _card_spent(e: ev.CardSpent) -> CardSpentV1:
    return CardSpentV1(
        card_id=e.card_id,
        batch_id=e.batch_id,
        number=e.number,
        usage_id=e.usage_id,
        order_id=e.order_id,
        amount=Amount.of(e.amount),
        balance=Amount.of(e.balance),
    )


@REGISTRY.maps(ev.CardRestored)
def _card_restored(e: ev.CardRestored) -> CardRestoredV1:
    return CardRestoredV1(
        card_id=e.card_id,
        batch_id=e.batch_id,
        number=e.number,
        usage_id=e.usage_id,
        order_id=e.order_id,
        amount=Amount.of(e.amount),
        balance=Amount.of(e.balance),
        usage_state=e.usage_state,
        reason=e.reason,
    )


@REGISTRY.maps(ev.CardDiscarded)
def _card_discarded(e: ev.CardDiscarded) -> CardDiscardedV1:
    return CardDiscardedV1(card_id=e.card_id, batch_id=e.batch_id, number=e.number, reason=e.reason)
