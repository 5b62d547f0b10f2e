"""Builders for gift-card tests: money, a valid batch definition with overrides, batches in
every state, cards (pending, sold, activated) and a secret box with a fixed key.

Import them as ``from tests.unit.giftcards.giftcard_builders import ...``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from shop_adapters.shared.crypto import AesGcmSecretBox
from shop_domain.giftcards.batch import (
    BatchDefinition,
    BatchState,
    CardKind,
    CreationMode,
    GiftCardBatch,
    Validity,
)
from shop_domain.giftcards.card import ActivationVia, GiftCard
from shop_domain.shared import DomainError, Money

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
STARTS = NOW - DAY
ENDS = NOW + 30 * DAY

OWNER = "op-owner"
KEYHOLDER = "op-keyholder"
"""An operator who is not the owner but holds the open permission."""
CLERK = "op-clerk"
"""An operator who is neither the owner nor a holder of the open permission."""

BATCH_ID = uuid.UUID("00000000-0000-7000-8000-0000000000b1")
OTHER_BATCH_ID = uuid.UUID("00000000-0000-7000-8000-0000000000b2")
USER = uuid.UUID("00000000-0000-7000-8000-0000000000a1")
OTHER_USER = uuid.UUID("00000000-0000-7000-8000-0000000000a2")
ORDER = uuid.UUID("00000000-0000-7000-8000-0000000000d1")
USAGE = uuid.UUID("00000000-0000-7000-8000-0000000000e1")

SECRET = "ABCDEFGHJKMNPQRS"
KEY_ID = "k1"


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def secret_box() -> AesGcmSecretBox:
    """A secret box with one fixed all-zero key ``k1`` (tests only)."""
    return AesGcmSecretBox({KEY_ID: bytes(32)}, KEY_ID)


def window(starts_at: dt.datetime | None = STARTS, ends_at: dt.datetime | None = ENDS) -> Validity:
    return Validity(starts_at=starts_at, ends_at=ends_at)


def days_from_activation(days: int = 7) -> Validity:
    return Validity(days_from_activation=days)


def definition(**fields: Any) -> BatchDefinition:
    """A valid definition: virtual 100.00 CNY cards valid from a day ago for 30 days, owned by
    :data:`OWNER`. Override any field by name."""
    base = BatchDefinition(
        name="Spring gift cards",
        kind=CardKind.VIRTUAL,
        face_value=cny("100.00"),
        validity=window(),
        owner=OWNER,
    )
    return attrs.evolve(base, **fields) if fields else base


def new_batch(
    the_definition: BatchDefinition | None = None,
    *,
    state: BatchState = BatchState.CREATED,
    count: int = 3,
    id: uuid.UUID = BATCH_ID,
    mode: CreationMode = CreationMode.GENERATED,
    now: dt.datetime = NOW,
    **fields: Any,
) -> GiftCardBatch:
    """A batch brought to ``state`` through its own transitions, its events already pulled."""
    batch = GiftCardBatch.create(
        id=id,
        definition=the_definition or definition(**fields),
        mode=mode,
        count=count,
        created_by=OWNER,
        now=now,
    )
    if state is not BatchState.CREATED:
        batch.open(actor=OWNER, has_open_permission=False, now=now)
    if state is BatchState.PAUSED:
        batch.pause(actor=OWNER, now=now)
    elif state is BatchState.DISCARDED:
        batch.discard(actor=OWNER, has_open_permission=False, now=now)
    batch.pull_events()
    return batch


def opened_batch(the_definition: BatchDefinition | None = None, **kwargs: Any) -> GiftCardBatch:
    return new_batch(the_definition, state=BatchState.OPENED, **kwargs)


def new_card(
    batch: GiftCardBatch,
    *,
    number: str | None = None,
    secret: str = SECRET,
    id: uuid.UUID | None = None,
    now: dt.datetime = NOW,
) -> GiftCard:
    """A pending card of ``batch`` whose secret is sealed with :func:`secret_box`."""
    number = number or f"{uuid.uuid4().int % 10**15:015d}0"
    return GiftCard.new(
        id=id or uuid.uuid4(),
        batch=batch,
        number=number,
        secret=secret_box().seal(number, secret),
        now=now,
    )


def activated_card(
    batch: GiftCardBatch,
    *,
    user: uuid.UUID = USER,
    now: dt.datetime = NOW,
    pull: bool = True,
    **fields: Any,
) -> GiftCard:
    """A card of ``batch`` (which must be open) bound by an operator to ``user``."""
    card = new_card(batch, now=now, **fields)
    card.activate(batch=batch, via=ActivationVia.MANUAL, actor=OWNER, now=now, user_id=user)
    if pull:
        card.pull_events()
    return card


def batch_with_cards(
    count: int = 3, *, state: BatchState = BatchState.OPENED, **fields: Any
) -> tuple[GiftCardBatch, list[GiftCard]]:
    """A batch in ``state`` holding ``count`` pending cards, written and announced."""
    batch = new_batch(state=state, count=count, **fields)
    cards = [new_card(batch) for _ in range(count)]
    batch.cards_written(count, now=NOW)
    batch.pull_events()
    return batch, cards


def event_types(aggregate: object) -> list[str]:
    return [e.event_type for e in aggregate.pending_events]  # type: ignore[attr-defined]


def code_of(call: Callable[[], object]) -> str:
    """The ``code`` of the domain error ``call`` raises."""
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code
