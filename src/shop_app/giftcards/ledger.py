"""The gift cards' in-transaction ledger: the operation history (GC-10) and the activation
records (GC-9), both derived from the events of a commit and written in that same commit, so
history exists exactly when the operation does and nothing is recorded twice.

Storage adapters implement :class:`~shop_app.shared.unit_of_work.Projection` with
:func:`ledger_entries`. Cards are not given one history row each when they are created (a batch
of a million would write a million more rows): the batch's ``create``/``add_cards``/
``cards_generated`` entries say when its cards were made, and a card's own history starts
from its ``created_at`` (the queries show it as the first entry, ``create``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from shop_domain.giftcards import events as ev
from shop_domain.shared.events import DomainEvent
from shop_domain.shared.money import Money

ACTIONS: dict[type[ev.GiftCardEvent], str] = {
    ev.BatchCreated: "create",
    ev.CardsAdded: "add_cards",
    ev.CardsGenerated: "cards_generated",
    ev.BatchOpened: "open",
    ev.BatchPaused: "pause",
    ev.BatchResumed: "resume",
    ev.BatchDiscarded: "discard",
    ev.BatchEdited: "edit",
    ev.BatchExported: "export",
    ev.CardSold: "sell",
    ev.CardActivated: "activate",
    ev.CardSpent: "spend",
    ev.CardRestored: "refund",
    ev.CardDiscarded: "discard",
    ev.SecretViewed: "secret_viewed",
}
"""GC-10's names for each operation."""

_NOT_DETAIL = {"batch_id", "actor", "card_id", "number", "occurred_at"}


@attrs.frozen
class OperationEntry:
    id: uuid.UUID
    batch_id: uuid.UUID
    card_id: uuid.UUID | None
    number: str | None
    action: str
    actor: str
    at: dt.datetime
    detail: dict[str, Any]


@attrs.frozen
class ActivationEntry:
    id: uuid.UUID
    batch_id: uuid.UUID
    card_id: uuid.UUID
    number: str
    amount: Money
    user_id: uuid.UUID | None
    phone: str | None
    via: str
    actor: str
    at: dt.datetime


@attrs.frozen
class LedgerEntries:
    operations: tuple[OperationEntry, ...]
    activations: tuple[ActivationEntry, ...]

    @property
    def empty(self) -> bool:
        return not self.operations and not self.activations


def ledger_entries(events: Sequence[DomainEvent], new_id: Callable[[], uuid.UUID]) -> LedgerEntries:
    operations: list[OperationEntry] = []
    activations: list[ActivationEntry] = []
    for event in events:
        if not isinstance(event, ev.GiftCardEvent):
            continue
        card = event if isinstance(event, ev.CardEvent) else None
        payload = event.payload()
        operations.append(
            OperationEntry(
                id=new_id(),
                batch_id=event.batch_id,
                card_id=card.card_id if card else None,
                number=card.number if card else None,
                action=ACTIONS.get(type(event), event.event_type.rsplit(".", 1)[-1]),
                actor=event.actor,
                at=event.occurred_at,
                detail={k: v for k, v in payload.items() if k not in _NOT_DETAIL},
            )
        )
        if isinstance(event, ev.CardActivated):
            activations.append(
                ActivationEntry(
                    id=new_id(),
                    batch_id=event.batch_id,
                    card_id=event.card_id,
                    number=event.number,
                    amount=event.amount,
                    user_id=event.user_id,
                    phone=event.phone,
                    via=str(event.via),
                    actor=event.actor,
                    at=event.occurred_at,
                )
            )
    return LedgerEntries(tuple(operations), tuple(activations))
