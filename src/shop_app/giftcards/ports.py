"""Ports of the gift-card context: repositories, its unit of work, bulk card storage, the
source of an export's rows, and the payer's verified phone (:class:`VerifiedPhones`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Protocol, Self

import attrs

from shop_app.shared.jobs import JobQueue
from shop_app.shared.ports import Clock, IdempotencyStore, IdGenerator
from shop_app.shared.unit_of_work import Projection
from shop_domain.giftcards.batch import GiftCardBatch
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.export import CardExport
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.giftcards.usage import CardUsage
from shop_domain.shared.money import Money


class BatchRepository(Protocol):
    def add(self, batch: GiftCardBatch) -> None: ...

    async def get(self, id_: uuid.UUID) -> GiftCardBatch:
        """The batch, or raise ``BatchNotFound``."""
        ...

    async def get_for_update(self, id_: uuid.UUID) -> GiftCardBatch:
        """The batch, locked until the transaction ends where the backend has row locks."""
        ...


class CardRepository(Protocol):
    def add_many(self, cards: Sequence[GiftCard]) -> None:
        """Add new cards in bulk (one statement where the backend allows)."""
        ...

    async def get(self, id_: uuid.UUID) -> GiftCard:
        """The card, or raise ``CardNotFound``."""
        ...

    async def get_for_update(self, id_: uuid.UUID) -> GiftCard:
        """The card locked for update, or raise ``CardNotFound``."""
        ...

    async def find_by_number_for_update(self, number: str) -> GiftCard | None:
        """The card with this (normalised) number, locked for update."""
        ...

    async def lock_many(self, ids: Collection[uuid.UUID]) -> list[GiftCard]:
        """The cards that exist among ``ids``, locked for update in id order (two orders
        paying with overlapping cards cannot deadlock)."""
        ...

    async def numbers_taken(self, numbers: Collection[str]) -> set[str]:
        """Those of ``numbers`` some card (of any batch) already has."""
        ...

    async def unsold(self, batch_id: uuid.UUID, limit: int) -> list[GiftCard]:
        """Up to ``limit`` pending, unsold cards of the batch, lowest number first, locked;
        rows another seller holds are skipped where the backend can."""
        ...

    async def sold_with_ref(self, batch_id: uuid.UUID, sale_ref: str) -> list[GiftCard]:
        """The cards of the batch sold under ``sale_ref``, by number. Serialises callers asking
        for the same (batch, sale_ref) until the transaction ends, so one sale reference
        sells once even when the same sale arrives twice at once."""
        ...


class UsageRepository(Protocol):
    def add(self, usage: CardUsage) -> None: ...

    async def for_order(self, order_id: uuid.UUID) -> list[CardUsage]:
        """The usage records of an order, locked for update, in id order. Serialises callers
        asking for the same order until the transaction ends (there may be no row to lock
        yet), so an order is charged once even when the same payment arrives twice at once."""
        ...


class ExportRepository(Protocol):
    def add(self, export: CardExport) -> None: ...

    async def get(self, id_: uuid.UUID) -> CardExport:
        """The export, or raise ``NotFound`` (code ``giftcard.export_not_found``)."""
        ...


class GiftCardsUnitOfWork(Protocol):
    giftcard_batches: BatchRepository
    giftcards: CardRepository
    giftcard_usages: UsageRepository
    giftcard_exports: ExportRepository
    idempotency: IdempotencyStore
    jobs: JobQueue
    clock: Clock
    ids: IdGenerator

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    def projections(self) -> Sequence[Projection]: ...


@attrs.frozen
class CardChunk:
    """New cards of one batch, as parallel columns (cheap to build and to send in bulk):
    ``ids[i]``, ``numbers[i]`` and ``sealed[i]`` (sealed with key ``key_id``) make card i."""

    ids: Sequence[uuid.UUID]
    numbers: Sequence[str]
    key_id: str
    sealed: Sequence[bytes]

    def __len__(self) -> int:
        return len(self.ids)


class CardStore(Protocol):
    """Bulk storage of new cards, outside any unit of work: each call is one short transaction,
    so a million cards are written in bounded memory, chunk by chunk."""

    async def insert_chunk(self, batch_id: uuid.UUID, chunk: CardChunk, now: dt.datetime) -> int:
        """In one transaction: lock the batch row; insert at most ``requested - generated``
        of the cards, skipping any whose number some card (of any batch) already has; add the
        number inserted to the batch's ``generated`` (and bump its version); return it.
        Each card gets the batch's face value as face value and balance, state ``pending``,
        sales state ``unsold`` (virtual batch) or ``not_for_sale`` (physical), and ``now`` as
        its creation time. Raise ``BatchNotFound`` for an unknown batch."""
        ...


@attrs.frozen
class ExportRow:
    card_id: uuid.UUID
    number: str
    secret: SealedSecret
    face_value: Money
    state: str


class ExportSource(Protocol):
    """Reads an export's cards, with their sealed secrets, in number order, a page at a
    time (keyset: numbers after ``after``)."""

    async def rows(
        self,
        batch_id: uuid.UUID,
        card_ids: Sequence[uuid.UUID] | None,
        *,
        after: str | None,
        limit: int,
    ) -> list[ExportRow]: ...


class VerifiedPhones(Protocol):
    """GC-5: whose phone is whose. A card an operator bound to a phone number is the card of the
    user who verified that number; the gift cards ask here, and whoever keeps verified phones
    (membership, through its plug-in) answers. Read as committed, outside any unit of work."""

    async def verified_phone(self, user_id: uuid.UUID) -> str | None:
        """The user's verified phone, canonical (:func:`shop_domain.shared.phones.
        normalize_phone`), or ``None``."""
        ...


class NoVerifiedPhones:
    """The answer of a shop that verifies no phones: nobody's (a card bound to a phone number
    then pays for no one)."""

    async def verified_phone(self, user_id: uuid.UUID) -> str | None:
        return None
