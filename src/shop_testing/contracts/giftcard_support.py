"""Builders of the gift-card contract suites: batch definitions, batches and cards, chunks as
the generation job writes them, usages, and storing them through the unit of work. Card
numbers and the secrets of generated cards are fixed, so that two backends hold the same
cards. The shared scenario is in :mod:`~shop_testing.contracts.giftcard_scenario`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import attrs

from shop_app.giftcards.ports import CardChunk
from shop_domain.giftcards.batch import (
    BatchDefinition,
    CardKind,
    CreationMode,
    GiftCardBatch,
    Validity,
)
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.numbers import luhn_check_digit
from shop_domain.giftcards.usage import CardUsage
from shop_domain.shared.money import Money
from shop_testing.contracts.backend import T0, Backend

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-7000-8000-{n:012x}")


U1, U2, U3, U4 = (_id(0xA1), _id(0xA2), _id(0xA3), _id(0xA4))
USERS = (U1, U2, U3, U4)
O1, O2, O3, O4 = (_id(0xD1), _id(0xD2), _id(0xD3), _id(0xD4))
ORDERS = (O1, O2, O3, O4)
UNKNOWN = _id(0xDEAD)
OWNER, OTHER_OWNER, OPS = "alice", "bob", "ops"


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def number(prefix: str, n: int) -> str:
    """The ``n``-th 16-digit, Luhn-valid card number starting with ``prefix``."""
    payload = prefix + str(n).zfill(15 - len(prefix))
    return payload + luhn_check_digit(payload)


def secret_for(card_number: str) -> str:
    """The fixed secret the suites give a generated card (16 symbols, no look-alikes)."""
    digits = "".join("23456789"[int(d) % 8] for d in card_number[-8:])
    return f"GCAB{digits}XY"[:16].ljust(16, "Z")


def definition(
    name: str = "Spring gifts",
    *,
    kind: CardKind = CardKind.VIRTUAL,
    value: str = "100.00",
    validity: Validity | None = None,
    **overrides: Any,
) -> BatchDefinition:
    fields: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "face_value": cny(value),
        "validity": validity or Validity(),
        "owner": OWNER,
    }
    return BatchDefinition(**(fields | overrides))


def every_field_definition() -> BatchDefinition:
    """A physical batch using every field: a validity window, a card maker, a remark, the
    owner's phone and a number prefix."""
    return definition(
        "Autumn cards",
        kind=CardKind.PHYSICAL,
        value="88.88",
        validity=Validity(starts_at=T0, ends_at=T0 + 30 * DAY),
        card_maker="PrintCo",
        remark="for the autumn fair",
        owner_phone="13800000000",
        number_prefix="61",
    )


def new_batch(
    backend: Backend,
    batch_definition: BatchDefinition | None = None,
    *,
    count: int = 5,
    mode: CreationMode = CreationMode.GENERATED,
    now: dt.datetime = T0,
) -> GiftCardBatch:
    return GiftCardBatch.create(
        id=backend.ids.new_id(),
        definition=batch_definition or definition(),
        mode=mode,
        count=count,
        created_by=OPS,
        now=now,
    )


def new_card(
    backend: Backend, batch: GiftCardBatch, card_number: str, *, now: dt.datetime = T0
) -> GiftCard:
    return GiftCard.new(
        id=backend.ids.new_id(),
        batch=batch,
        number=card_number,
        secret=backend.secret_box.seal(card_number, secret_for(card_number)),
        now=now,
    )


def chunk(backend: Backend, numbers: Sequence[str]) -> CardChunk:
    """New cards with these numbers and their fixed secrets, as the generation job makes them
    (ids from the backend's generator)."""
    sealed = backend.secret_box.seal_many([(n, secret_for(n)) for n in numbers])
    return CardChunk(
        ids=[backend.ids.new_id() for _ in numbers],
        numbers=list(numbers),
        key_id=backend.secret_box.key_id,
        sealed=[s.blob for s in sealed],
    )


async def store_batch(backend: Backend, *batches: GiftCardBatch) -> None:
    async with backend.uow() as uow:
        for batch in batches:
            uow.giftcard_batches.add(batch)
        await uow.commit()


async def store_cards(backend: Backend, cards: Sequence[GiftCard]) -> None:
    async with backend.uow() as uow:
        uow.giftcards.add_many(cards)
        await uow.commit()


def state(obj: Any) -> dict[str, Any]:
    """Every attrs field (value objects compare by value)."""
    return {f.name: getattr(obj, f.name) for f in attrs.fields(type(obj))}


def opened(batch: GiftCardBatch) -> GiftCardBatch:
    batch.open(actor=OWNER, has_open_permission=False, now=T0)
    return batch


async def stored_cards(
    backend: Backend, batch: GiftCardBatch, numbers: list[str], *, now: dt.datetime = T0
) -> list[GiftCard]:
    cards = [new_card(backend, batch, n, now=now) for n in numbers]
    await store_cards(backend, cards)
    return cards


def usage(
    backend: Backend,
    card: GiftCard,
    order: uuid.UUID,
    amount: str,
    *,
    now: dt.datetime = T0,
    **extra: Any,
) -> CardUsage:
    extra.setdefault("sub_order_id", None)
    extra.setdefault("tender", None)
    return CardUsage.record_spend(
        id=backend.ids.new_id(),
        card=card,
        user_id=U1,
        order_id=order,
        amount=cny(amount),
        now=now,
        **extra,
    )
