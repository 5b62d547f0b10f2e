"""SQL repositories of gift cards (the Protocols of :mod:`shop_app.giftcards.ports`).

They behave like the in-memory ones: a unit of work sees its own writes (pending changes, and
cards added in bulk, are written before a query), and a flush refused for a stale version or a
clashing row raises the same errors as the commit would. Row locks are taken where PostgreSQL
has them (``FOR UPDATE`` on a batch, on cards in id order, on an order's usages; ``SKIP LOCKED``
when picking unsold cards to sell); SQLite needs none, as every transaction holds its write lock
from the start (``BEGIN IMMEDIATE``). Locked reads refresh the rows already in the session
(``populate_existing``), so what the aggregate decides on is what is locked.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import insert, literal_column, select, text

from shop_adapters.sql.giftcards.tables import (
    giftcard_batches,
    giftcard_usages,
    giftcards,
)
from shop_adapters.sql.uow import A, SqlRepository, SqlUnitOfWork
from shop_domain.giftcards.batch import GiftCardBatch
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.errors import BatchNotFound, CardNotFound
from shop_domain.giftcards.export import CardExport
from shop_domain.giftcards.numbers import normalise_number
from shop_domain.giftcards.usage import CardUsage
from shop_domain.shared.errors import NotFound

_LOOKUP_CHUNK = 5000
"""Numbers asked about per statement on SQLite (it binds each one)."""
_ADVISORY_SPACE = 0x6763  # "gc": the advisory-lock namespace of gift cards


def card_row(card: GiftCard) -> dict[str, Any]:
    """Every column of a card, for a Core insert."""
    return {
        "id": card.id,
        "batch_id": card.batch_id,
        "number": card.number,
        "secret_key_id": card.secret.key_id,
        "secret_blob": card.secret.blob,
        "face_value_minor": card.face_value.minor,
        "balance_minor": card.balance.minor,
        "currency": card.balance.currency,
        "state": card.state,
        "sales_state": card.sales_state,
        "buyer_id": card.buyer_id,
        "sold_at": card.sold_at,
        "sale_ref": card.sale_ref,
        "user_id": card.user_id,
        "phone": card.phone,
        "activated_at": card.activated_at,
        "activated_by": card.activated_by,
        "expires_at": card.expires_at,
        "discarded_at": card.discarded_at,
        "created_at": card.created_at,
        "version": 1,
    }


class _GiftCardsRepository(SqlRepository[A]):
    async def _serialise(self, key: str) -> None:
        """Hold off every other transaction serialising on ``key`` until this one ends — for
        checks with no row to lock yet ("has this order been paid?"). PostgreSQL: a
        transaction-level advisory lock on a 32-bit hash of the key (a collision only makes
        two unrelated callers wait for each other); SQLite has one writer at a time anyway."""
        if self._postgres:
            digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:space, :key)"),
                {"space": _ADVISORY_SPACE, "key": int.from_bytes(digest, "big", signed=True)},
            )


class SqlGiftCardBatchRepository(_GiftCardsRepository[GiftCardBatch]):
    aggregate_type = GiftCardBatch
    not_found = staticmethod(BatchNotFound)

    async def get_for_update(self, id_: uuid.UUID) -> GiftCardBatch:
        found = await self._select(
            select(GiftCardBatch).where(giftcard_batches.c.id == id_).with_for_update(),
            locked=True,
        )
        if not found:
            raise BatchNotFound(id_)
        return found[0]


class SqlGiftCardRepository(_GiftCardsRepository[GiftCard]):
    aggregate_type = GiftCard
    not_found = staticmethod(CardNotFound)

    def __init__(self, uow: SqlUnitOfWork) -> None:
        super().__init__(uow)
        self._new: list[GiftCard] = []

    def add_many(self, cards: Sequence[GiftCard]) -> None:
        """New cards in bulk (given numbers): written with one Core ``INSERT`` of many rows
        rather than through the ORM's flush. The unit of work still tracks each card."""
        self._new.extend(cards)
        track = self._uow.track
        for card in cards:
            track(card)

    async def write_new(self) -> None:
        """Insert the cards of :meth:`add_many` (before any read of cards, and at commit)."""
        new, self._new = self._new, []
        if not new:
            return
        await self.session.execute(insert(giftcards), [card_row(card) for card in new])
        for card in new:
            card.version = 1

    async def _flush(self) -> None:
        await self.write_new()
        await super()._flush()

    async def find(self, id_: uuid.UUID) -> GiftCard | None:
        await self.write_new()
        return await super().find(id_)

    async def get_for_update(self, id_: uuid.UUID) -> GiftCard:
        found = await self._select(
            select(GiftCard).where(giftcards.c.id == id_).with_for_update(), locked=True
        )
        if not found:
            raise CardNotFound(id_)
        return found[0]

    async def find_by_number_for_update(self, number: str) -> GiftCard | None:
        found = await self._select(
            select(GiftCard)
            .where(giftcards.c.number == normalise_number(number))
            .with_for_update(),
            locked=True,
        )
        return found[0] if found else None

    async def lock_many(self, ids: Collection[uuid.UUID]) -> list[GiftCard]:
        if not ids:
            return []
        return await self._select(
            select(GiftCard)
            .where(self._among(giftcards.c.id, sorted(set(ids))))
            .order_by(giftcards.c.id)
            .with_for_update(),
            locked=True,
        )

    async def numbers_taken(self, numbers: Collection[str]) -> set[str]:
        wanted = list(set(numbers))
        if not wanted:
            return set()
        await self._flush()
        c = giftcards.c
        taken: set[str] = set()
        step = len(wanted) if self._postgres else _LOOKUP_CHUNK
        for start in range(0, len(wanted), step):
            part = wanted[start : start + step]
            rows = await self.session.execute(select(c.number).where(self._among(c.number, part)))
            taken.update(row.number for row in rows)
        return taken

    async def unsold(self, batch_id: uuid.UUID, limit: int) -> list[GiftCard]:
        if limit < 1:
            return []
        c = giftcards.c
        return await self._select(
            select(GiftCard)
            # the states inline, not parameters: a generic plan must still see that the
            # partial index of unsold cards (ix_giftcards_unsold) applies
            .where(
                c.batch_id == batch_id,
                c.sales_state == literal_column("'unsold'"),
                c.state == literal_column("'pending'"),
            )
            .order_by(c.number)
            .limit(limit)
            .with_for_update(skip_locked=True),
            locked=True,
        )

    async def sold_with_ref(self, batch_id: uuid.UUID, sale_ref: str) -> list[GiftCard]:
        await self._serialise(f"giftcards.sale:{batch_id}:{sale_ref}")
        c = giftcards.c
        return await self._select(
            select(GiftCard)
            .where(c.batch_id == batch_id, c.sale_ref == sale_ref)
            .order_by(c.number),
            locked=True,
        )


class SqlCardUsageRepository(_GiftCardsRepository[CardUsage]):
    aggregate_type = CardUsage

    async def for_order(self, order_id: uuid.UUID) -> list[CardUsage]:
        await self._serialise(f"giftcards.order:{order_id}")
        u = giftcard_usages.c
        return await self._select(
            select(CardUsage).where(u.order_id == order_id).order_by(u.id).with_for_update(),
            locked=True,
        )


def _export_not_found(id_: uuid.UUID) -> NotFound:
    return NotFound(
        f"no gift-card export {id_}",
        code="giftcard.export_not_found",
        details={"export_id": str(id_)},
    )


class SqlCardExportRepository(_GiftCardsRepository[CardExport]):
    aggregate_type = CardExport
    not_found = staticmethod(_export_not_found)
