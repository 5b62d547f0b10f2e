"""SQL repositories of gift cards (the Protocols of :mod:`shop_app.giftcards.ports`).

A unit of work sees its own writes (pending changes, and cards added in bulk, are written
before a query), and a write refused for a stale version or a clashing row raises the same
errors as the commit would. Row locks are taken where PostgreSQL
has them (``FOR UPDATE`` on a batch, on cards in id order, on an order's usages; ``SKIP LOCKED``
when picking unsold cards to sell); SQLite needs none, as every transaction holds its write lock
from the start (``BEGIN IMMEDIATE``). Locked reads refresh the objects the unit of work holds
already, so what the aggregate decides on is what is locked.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection

from sqlalchemy import Integer, bindparam, func, literal_column, select

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.giftcards.mapping import BATCHES, CARDS, EXPORTS, USAGES
from shop_adapters.sql.giftcards.tables import giftcard_usages, giftcards
from shop_adapters.sql.mapper import member_of
from shop_adapters.sql.uow import A, SqlRepository
from shop_domain.giftcards.batch import GiftCardBatch
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.errors import BatchNotFound, CardNotFound, ExportNotFound
from shop_domain.giftcards.export import CardExport
from shop_domain.giftcards.numbers import normalise_number
from shop_domain.giftcards.usage import CardUsage

_ADVISORY_SPACE = 0x6763  # "gc": the advisory-lock namespace of gift cards


_ADVISORY_LOCK = Prepared(
    select(func.pg_advisory_xact_lock(bindparam("space", type_=Integer), bindparam("key")))
)
_c = giftcards.c
_CARD_BY_NUMBER = Prepared(
    CARDS.select_all.where(_c.number == bindparam("number")).with_for_update()
)
_NUMBERS_TAKEN = Prepared(
    lambda dialect: select(_c.number).where(member_of(_c.number, "numbers", dialect))
)
_UNSOLD = Prepared(
    CARDS.select_all
    # the states inline, not parameters: a generic plan must still see that the partial
    # index of unsold cards (ix_giftcards_unsold) applies
    .where(
        _c.batch_id == bindparam("batch_id"),
        _c.sales_state == literal_column("'unsold'"),
        _c.state == literal_column("'pending'"),
    )
    .order_by(_c.number)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_SOLD_WITH_REF = Prepared(
    CARDS.select_all.where(
        _c.batch_id == bindparam("batch_id"), _c.sale_ref == bindparam("sale_ref")
    ).order_by(_c.number)
)
_USAGES_OF_ORDER = Prepared(
    USAGES.select_all.where(giftcard_usages.c.order_id == bindparam("order_id"))
    .order_by(giftcard_usages.c.id)
    .with_for_update()
)


class _GiftCardsRepository(SqlRepository[A]):
    async def _serialise(self, key: str) -> None:
        """Hold off every other transaction serialising on ``key`` until this one ends — for
        checks with no row to lock yet ("has this order been paid?"). PostgreSQL: a
        transaction-level advisory lock on a 32-bit hash of the key (a collision only makes
        two unrelated callers wait for each other); SQLite has one writer at a time anyway."""
        if self._postgres:
            digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
            await self._link.fetch(
                _ADVISORY_LOCK,
                {"space": _ADVISORY_SPACE, "key": int.from_bytes(digest, "big", signed=True)},
            )


class SqlGiftCardBatchRepository(_GiftCardsRepository[GiftCardBatch]):
    table = BATCHES
    not_found = staticmethod(BatchNotFound)


class SqlGiftCardRepository(_GiftCardsRepository[GiftCard]):
    table = CARDS
    not_found = staticmethod(CardNotFound)

    async def find_by_number_for_update(self, number: str) -> GiftCard | None:
        found = await self._load(_CARD_BY_NUMBER, {"number": normalise_number(number)}, locked=True)
        return found[0] if found else None

    async def numbers_taken(self, numbers: Collection[str]) -> set[str]:
        wanted = list(set(numbers))
        if not wanted:
            return set()
        await self._flush()
        rows = await self._tracker.rows(_NUMBERS_TAKEN, {"numbers": wanted})
        return {row[0] for row in rows}

    async def unsold(self, batch_id: uuid.UUID, limit: int) -> list[GiftCard]:
        if limit < 1:
            return []
        return await self._load(_UNSOLD, {"batch_id": batch_id, "limit": limit}, locked=True)

    async def sold_with_ref(self, batch_id: uuid.UUID, sale_ref: str) -> list[GiftCard]:
        await self._serialise(f"giftcards.sale:{batch_id}:{sale_ref}")
        return await self._load(
            _SOLD_WITH_REF, {"batch_id": batch_id, "sale_ref": sale_ref}, locked=True
        )


class SqlCardUsageRepository(_GiftCardsRepository[CardUsage]):
    table = USAGES

    async def for_order(self, order_id: uuid.UUID) -> list[CardUsage]:
        await self._serialise(f"giftcards.order:{order_id}")
        return await self._load(_USAGES_OF_ORDER, {"order_id": order_id}, locked=True)


class SqlCardExportRepository(_GiftCardsRepository[CardExport]):
    table = EXPORTS
    not_found = staticmethod(ExportNotFound)
