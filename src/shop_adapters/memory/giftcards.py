"""In-memory gift-card repositories, ledger, bulk card store, export source and the reference
``GiftCardQueries``.

``MemoryGiftCardQueries`` is the executable specification of the read side: the SQL
implementation must answer exactly what it answers (the contract suite compares them). Its
choices where the port leaves room:

* every "newest first" list sorts by its time, then by id, both descending; every "oldest
  first" list by time, then id, ascending;
* ``BatchView.cards_by_state`` always has ``pending``, ``activated``, ``discarded`` and
  ``sold`` (cards whose sales state is sold: only ever virtual ones), zero when none;
* a card's history starts with a ``create`` entry made up from the card (id: the card's id,
  actor ``system``, at its ``created_at``, detail ``{"batch_id": …}``); a batch's history and
  the unfiltered history hold only the stored entries;
* ``lookup`` normalises the number it is given, and its ``operations`` are the card's whole
  history (``create`` first);
* ``purchased`` lists the user's bought cards still pending and bound to nobody, newest sale
  first;
* cards written by :class:`MemoryCardStore` are stored as version 1 (as if committed once).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, TypeVar

import attrs

from shop_adapters.memory.kernel import MemoryDatabase, MemoryRepository, MemoryUnitOfWork
from shop_app.giftcards.ledger import ActivationEntry, OperationEntry, ledger_entries
from shop_app.giftcards.ports import CardChunk, ExportRow
from shop_app.giftcards.queries import (
    ActivationFilter,
    ActivationView,
    BatchView,
    CardLookup,
    CardView,
    ExportView,
    OperationView,
    UsageFilter,
    UsageView,
)
from shop_app.shared.errors import PersistenceConflict
from shop_app.shared.paging import Page, PageRequest
from shop_domain.giftcards.batch import GiftCardBatch
from shop_domain.giftcards.card import CardState, GiftCard, SalesState
from shop_domain.giftcards.errors import BatchNotFound, CardNotFound
from shop_domain.giftcards.export import CardExport
from shop_domain.giftcards.numbers import normalise_number
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.giftcards.usage import CardUsage
from shop_domain.shared.errors import NotFound
from shop_domain.shared.events import DomainEvent

T = TypeVar("T")

EXPORT_NOT_FOUND = "giftcard.export_not_found"


@attrs.define
class GiftCardTables:
    """The gift cards' side tables in a :class:`MemoryDatabase` (``db.extras["giftcards"]``)."""

    operations: list[OperationEntry] = attrs.field(factory=list)
    activations: list[ActivationEntry] = attrs.field(factory=list)
    numbers: dict[str, uuid.UUID] = attrs.field(factory=dict)
    """The unique index on card numbers: number → card id, over committed cards."""


def giftcard_tables(db: MemoryDatabase) -> GiftCardTables:
    tables: GiftCardTables = db.extras.setdefault("giftcards", GiftCardTables())
    return tables


def export_not_found(id_: uuid.UUID) -> NotFound:
    return NotFound(
        f"no gift-card export {id_}", code=EXPORT_NOT_FOUND, details={"export_id": str(id_)}
    )


# --- repositories -----------------------------------------------------------------------------


class MemoryBatchRepository(MemoryRepository[GiftCardBatch]):
    aggregate_type = GiftCardBatch
    not_found = staticmethod(BatchNotFound)

    async def get_for_update(self, id_: uuid.UUID) -> GiftCardBatch:
        # no row locks in memory: the version check at commit serialises writers
        return await self.get(id_)


class MemoryCardRepository(MemoryRepository[GiftCard]):
    aggregate_type = GiftCard
    not_found = staticmethod(CardNotFound)

    def add_many(self, cards: Sequence[GiftCard]) -> None:
        """Add new cards; the commit refuses (``persistence.conflict``) a number some committed
        card already has, like a unique index would."""
        if not cards:
            return
        for card in cards:
            super().add(card)
        tables = giftcard_tables(self._uow.db)
        numbers = {card.number: card.id for card in cards}

        def check() -> None:
            if len(numbers) != len(cards) or any(n in tables.numbers for n in numbers):
                raise PersistenceConflict("the change clashes with existing data")

        def apply() -> None:
            tables.numbers.update(numbers)

        self._uow.stage(apply, check)

    def add(self, aggregate: GiftCard) -> None:
        self.add_many([aggregate])

    def _visible(self) -> list[GiftCard]:
        """Committed cards overlaid with this unit of work's own (read-only use)."""
        rows: dict[uuid.UUID, GiftCard] = {
            c.id: c for c in self._table.values() if isinstance(c, GiftCard)
        }
        rows.update(self._identity_map)
        return list(rows.values())

    async def _tracked(self, cards: Iterable[GiftCard]) -> list[GiftCard]:
        found = [await self.find(c.id) for c in cards]
        return [c for c in found if c is not None]

    async def get_for_update(self, id_: uuid.UUID) -> GiftCard:
        return await self.get(id_)

    async def find_by_number_for_update(self, number: str) -> GiftCard | None:
        number = normalise_number(number)
        for card in self._identity_map.values():
            if card.number == number:
                return card
        card_id = giftcard_tables(self._uow.db).numbers.get(number)
        return None if card_id is None else await self.find(card_id)

    async def lock_many(self, ids: Collection[uuid.UUID]) -> list[GiftCard]:
        found = [await self.find(i) for i in sorted(set(ids))]
        return [c for c in found if c is not None]

    async def numbers_taken(self, numbers: Collection[str]) -> set[str]:
        index = giftcard_tables(self._uow.db).numbers
        own = {c.number for c in self._identity_map.values()}
        return {n for n in numbers if n in index or n in own}

    async def unsold(self, batch_id: uuid.UUID, limit: int) -> list[GiftCard]:
        chosen = sorted(
            (
                c
                for c in self._visible()
                if c.batch_id == batch_id
                and c.state is CardState.PENDING
                and c.sales_state is SalesState.UNSOLD
            ),
            key=lambda c: c.number,
        )[: max(limit, 0)]
        return await self._tracked(chosen)

    async def sold_with_ref(self, batch_id: uuid.UUID, sale_ref: str) -> list[GiftCard]:
        chosen = sorted(
            (
                c
                for c in self._visible()
                if c.batch_id == batch_id
                and c.sales_state is SalesState.SOLD
                and c.sale_ref == sale_ref
            ),
            key=lambda c: c.number,
        )
        return await self._tracked(chosen)


class MemoryUsageRepository(MemoryRepository[CardUsage]):
    aggregate_type = CardUsage

    async def for_order(self, order_id: uuid.UUID) -> list[CardUsage]:
        found = await self.find_where(lambda u: u.order_id == order_id)
        return sorted(found, key=lambda u: u.id)


class MemoryExportRepository(MemoryRepository[CardExport]):
    aggregate_type = CardExport
    not_found = staticmethod(export_not_found)


class MemoryGiftCardLedger:
    """The in-transaction operation history and activation records (a ``Projection``)."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def apply(self, events: Sequence[DomainEvent]) -> None:
        entries = ledger_entries(events, self._uow.ids.new_id)
        if entries.empty:
            return
        tables = giftcard_tables(self._uow.db)

        def apply() -> None:
            tables.operations.extend(entries.operations)
            tables.activations.extend(entries.activations)

        self._uow.stage(apply)


# --- bulk storage and exports -----------------------------------------------------------------


class MemoryCardStore:
    """``CardStore`` over a :class:`MemoryDatabase`: each call is one atomic step."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    async def insert_chunk(self, batch_id: uuid.UUID, chunk: CardChunk, now: dt.datetime) -> int:
        async with self._db.lock:
            batch = self._db.tables[GiftCardBatch.__name__].get(batch_id)
            if not isinstance(batch, GiftCardBatch):
                raise BatchNotFound(batch_id)
            tables = giftcard_tables(self._db)
            cards = self._db.tables[GiftCard.__name__]
            room = batch.requested - batch.generated
            inserted = 0
            for card_id, number, blob in zip(chunk.ids, chunk.numbers, chunk.sealed, strict=True):
                if inserted >= room:
                    break
                if number in tables.numbers:
                    continue
                card = GiftCard.new(
                    id=card_id,
                    batch=batch,
                    number=number,
                    secret=SealedSecret(chunk.key_id, bytes(blob)),
                    now=now,
                )
                card.version = 1
                cards[card_id] = card
                tables.numbers[number] = card_id
                inserted += 1
            if inserted:
                batch.generated += inserted
                batch.version += 1
            return inserted


class MemoryExportSource:
    """``ExportSource`` over a :class:`MemoryDatabase` (``state`` is the stored state)."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    async def rows(
        self,
        batch_id: uuid.UUID,
        card_ids: Sequence[uuid.UUID] | None,
        *,
        after: str | None,
        limit: int,
    ) -> list[ExportRow]:
        chosen = None if card_ids is None else set(card_ids)
        cards = sorted(
            (
                c
                for c in _cards(self._db)
                if c.batch_id == batch_id
                and (chosen is None or c.id in chosen)
                and (after is None or c.number > after)
            ),
            key=lambda c: c.number,
        )[: max(limit, 0)]
        return [
            ExportRow(
                card_id=c.id,
                number=c.number,
                secret=c.secret,
                face_value=c.face_value,
                state=c.state.value,
            )
            for c in cards
        ]


# --- read side --------------------------------------------------------------------------------


def _cards(db: MemoryDatabase) -> list[GiftCard]:
    return [c for c in db.rows(GiftCard.__name__) if isinstance(c, GiftCard)]


def _page(items: Sequence[T], paging: PageRequest) -> Page[T]:
    chosen = items[paging.offset : paging.offset + paging.page_size]
    return Page(tuple(chosen), len(items), paging.page, paging.page_size)


def _newest_first(items: Iterable[T], key: Callable[[T], Any]) -> list[T]:
    return sorted(items, key=key, reverse=True)


def card_counts(cards: Iterable[GiftCard]) -> dict[str, int]:
    counts = {state.value: 0 for state in CardState}
    counts[SalesState.SOLD.value] = 0
    for card in cards:
        counts[card.state.value] += 1
        if card.sales_state is SalesState.SOLD:
            counts[SalesState.SOLD.value] += 1
    return counts


def batch_view(batch: GiftCardBatch, counts: dict[str, int]) -> BatchView:
    return BatchView(
        id=batch.id,
        name=batch.name,
        kind=batch.kind.value,
        mode=batch.mode.value,
        face_value=batch.face_value,
        starts_at=batch.validity.starts_at,
        ends_at=batch.validity.ends_at,
        days_from_activation=batch.validity.days_from_activation,
        owner=batch.owner,
        owner_phone=batch.owner_phone,
        card_maker=batch.card_maker,
        remark=batch.remark,
        state=batch.state.value,
        requested=batch.requested,
        generated=batch.generated,
        created_by=batch.created_by,
        created_at=batch.created_at,
        updated_at=batch.updated_at,
        version=batch.version,
        cards_by_state=counts,
    )


def card_view(card: GiftCard, batch: GiftCardBatch, now: dt.datetime) -> CardView:
    valid_from, valid_until = card.validity(batch)
    return CardView(
        id=card.id,
        batch_id=card.batch_id,
        batch_name=batch.name,
        kind=batch.kind.value,
        number=card.number,
        face_value=card.face_value,
        balance=card.balance,
        state=card.effective_state(batch, now),
        sales_state=card.sales_state.value,
        user_id=card.user_id,
        phone=card.phone,
        buyer_id=card.buyer_id,
        sold_at=card.sold_at,
        activated_at=card.activated_at,
        activated_by=card.activated_by,
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=card.created_at,
        batch_state=batch.state.value,
        version=card.version,
    )


def usage_view(usage: CardUsage) -> UsageView:
    tender = (
        None
        if usage.tender is None
        else {
            "cash": usage.tender.cash,
            "points": usage.tender.points,
            "gift_cards": usage.tender.gift_cards,
        }
    )
    return UsageView(
        id=usage.id,
        batch_id=usage.batch_id,
        card_id=usage.card_id,
        number=usage.number,
        user_id=usage.user_id,
        order_id=usage.order_id,
        sub_order_id=usage.sub_order_id,
        amount=usage.amount,
        restored=usage.restored,
        state=usage.state.value,
        tender=tender,
        created_at=usage.created_at,
        updated_at=usage.updated_at,
    )


def operation_view(entry: OperationEntry) -> OperationView:
    return OperationView(
        id=entry.id,
        batch_id=entry.batch_id,
        card_id=entry.card_id,
        number=entry.number,
        action=entry.action,
        actor=entry.actor,
        at=entry.at,
        detail=json.loads(json.dumps(entry.detail)),  # as a JSON column gives it back
    )


def created_entry(card: GiftCard) -> OperationView:
    """The first entry of a card's history, made up from the card (cards are written in bulk
    without a history row each)."""
    return OperationView(
        id=card.id,
        batch_id=card.batch_id,
        card_id=card.id,
        number=card.number,
        action="create",
        actor="system",
        at=card.created_at,
        detail={"batch_id": str(card.batch_id)},
    )


def export_view(export: CardExport) -> ExportView:
    return ExportView(
        id=export.id,
        batch_id=export.batch_id,
        state=export.state.value,
        whole_batch=export.whole_batch,
        chosen=None if export.card_ids is None else len(export.card_ids),
        rows=export.rows,
        file_name=export.file_name,
        requested_by=export.requested_by,
        created_at=export.created_at,
        finished_at=export.finished_at,
        error=export.error,
    )


class MemoryGiftCardQueries:
    """``GiftCardQueries`` over a :class:`MemoryDatabase`'s committed state."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    # --- loading ------------------------------------------------------------------------------

    def _batches(self) -> dict[uuid.UUID, GiftCardBatch]:
        return {
            b.id: b for b in self._db.rows(GiftCardBatch.__name__) if isinstance(b, GiftCardBatch)
        }

    def _cards(self) -> list[GiftCard]:
        return _cards(self._db)

    def _card(self, card_id: uuid.UUID) -> GiftCard | None:
        card = self._db.tables[GiftCard.__name__].get(card_id)
        return card if isinstance(card, GiftCard) else None

    def _usages(self) -> list[CardUsage]:
        return [u for u in self._db.rows(CardUsage.__name__) if isinstance(u, CardUsage)]

    def _exports(self) -> list[CardExport]:
        return [e for e in self._db.rows(CardExport.__name__) if isinstance(e, CardExport)]

    @property
    def _tables(self) -> GiftCardTables:
        return giftcard_tables(self._db)

    def _batch_view(self, batch: GiftCardBatch) -> BatchView:
        cards = (c for c in self._cards() if c.batch_id == batch.id)
        return batch_view(batch, card_counts(cards))

    # --- batches ------------------------------------------------------------------------------

    async def batches(self, page: PageRequest, *, state: str | None = None) -> Page[BatchView]:
        rows = _newest_first(
            (b for b in self._batches().values() if state is None or b.state.value == state),
            key=lambda b: (b.created_at, b.id),
        )
        chosen = rows[page.offset : page.offset + page.page_size]
        return Page(
            tuple(self._batch_view(b) for b in chosen), len(rows), page.page, page.page_size
        )

    async def batch(self, batch_id: uuid.UUID) -> BatchView | None:
        found = self._batches().get(batch_id)
        return None if found is None else self._batch_view(found)

    # --- cards --------------------------------------------------------------------------------

    async def cards(
        self,
        batch_id: uuid.UUID,
        page: PageRequest,
        now: dt.datetime,
        *,
        state: str | None = None,
        sales_state: str | None = None,
    ) -> Page[CardView]:
        batch = self._batches().get(batch_id)
        if batch is None:
            return _page([], page)
        views = [
            card_view(c, batch, now)
            for c in sorted(
                (c for c in self._cards() if c.batch_id == batch_id), key=lambda c: c.number
            )
        ]
        return _page(
            [
                v
                for v in views
                if (state is None or v.state == state)
                and (sales_state is None or v.sales_state == sales_state)
            ],
            page,
        )

    async def card(self, card_id: uuid.UUID, now: dt.datetime) -> CardView | None:
        card = self._card(card_id)
        if card is None:
            return None
        return card_view(card, self._batches()[card.batch_id], now)

    def _activation_view(
        self,
        entry: ActivationEntry,
        batches: dict[uuid.UUID, GiftCardBatch],
        now: dt.datetime,
    ) -> ActivationView:
        batch = batches[entry.batch_id]
        card = self._card(entry.card_id)
        return ActivationView(
            id=entry.id,
            batch_id=entry.batch_id,
            batch_name=batch.name,
            card_id=entry.card_id,
            number=entry.number,
            amount=entry.amount,
            user_id=entry.user_id,
            phone=entry.phone,
            via=entry.via,
            actor=entry.actor,
            at=entry.at,
            card_state=card.effective_state(batch, now) if card is not None else "",
        )

    def _card_history(self, card: GiftCard) -> list[OperationView]:
        stored = sorted(
            (e for e in self._tables.operations if e.card_id == card.id),
            key=lambda e: (e.at, e.id),
        )
        return [created_entry(card), *(operation_view(e) for e in stored)]

    async def lookup(self, number: str, now: dt.datetime) -> CardLookup | None:
        card_id = self._tables.numbers.get(normalise_number(number))
        card = None if card_id is None else self._card(card_id)
        if card is None:
            return None
        batches = self._batches()
        batch = batches[card.batch_id]
        activations = _newest_first(
            (a for a in self._tables.activations if a.card_id == card.id),
            key=lambda a: (a.at, a.id),
        )
        usages = _newest_first(
            (u for u in self._usages() if u.card_id == card.id),
            key=lambda u: (u.created_at, u.id),
        )
        return CardLookup(
            card=card_view(card, batch, now),
            batch=self._batch_view(batch),
            activation=self._activation_view(activations[0], batches, now) if activations else None,
            usages=tuple(usage_view(u) for u in usages),
            operations=tuple(self._card_history(card)),
        )

    # --- records ------------------------------------------------------------------------------

    async def activations(
        self, page: PageRequest, now: dt.datetime, filters: ActivationFilter = ActivationFilter()
    ) -> Page[ActivationView]:
        f = filters
        number = None if f.number is None else normalise_number(f.number)
        rows = _newest_first(
            (
                a
                for a in self._tables.activations
                if (f.batch_id is None or a.batch_id == f.batch_id)
                and (f.user_id is None or a.user_id == f.user_id)
                and (number is None or a.number == number)
                and (f.via is None or a.via == f.via)
                and (f.since is None or a.at >= f.since)
                and (f.until is None or a.at < f.until)
            ),
            key=lambda a: (a.at, a.id),
        )
        batches = self._batches()
        chosen = rows[page.offset : page.offset + page.page_size]
        return Page(
            tuple(self._activation_view(a, batches, now) for a in chosen),
            len(rows),
            page.page,
            page.page_size,
        )

    async def usages(
        self, page: PageRequest, filters: UsageFilter = UsageFilter()
    ) -> Page[UsageView]:
        f = filters
        rows = _newest_first(
            (
                u
                for u in self._usages()
                if (f.batch_id is None or u.batch_id == f.batch_id)
                and (f.card_id is None or u.card_id == f.card_id)
                and (f.user_id is None or u.user_id == f.user_id)
                and (f.order_id is None or u.order_id == f.order_id)
                and (f.state is None or u.state.value == f.state)
                and (f.since is None or u.created_at >= f.since)
                and (f.until is None or u.created_at < f.until)
            ),
            key=lambda u: (u.created_at, u.id),
        )
        return _page([usage_view(u) for u in rows], page)

    async def history(
        self,
        page: PageRequest,
        *,
        batch_id: uuid.UUID | None = None,
        card_id: uuid.UUID | None = None,
    ) -> Page[OperationView]:
        if card_id is not None:
            card = self._card(card_id)
            if card is None or (batch_id is not None and card.batch_id != batch_id):
                return _page([], page)
            return _page(self._card_history(card), page)
        stored = sorted(
            (e for e in self._tables.operations if batch_id is None or e.batch_id == batch_id),
            key=lambda e: (e.at, e.id),
        )
        return _page([operation_view(e) for e in stored], page)

    # --- customers ----------------------------------------------------------------------------

    async def user_cards(
        self, user_id: uuid.UUID, now: dt.datetime, page: PageRequest
    ) -> Page[CardView]:
        batches = self._batches()
        far_past = dt.datetime.min.replace(tzinfo=dt.UTC)
        rows = _newest_first(
            (c for c in self._cards() if c.user_id == user_id),
            key=lambda c: (c.activated_at or far_past, c.id),
        )
        return _page([card_view(c, batches[c.batch_id], now) for c in rows], page)

    async def purchased(self, user_id: uuid.UUID, now: dt.datetime) -> list[CardView]:
        batches = self._batches()
        far_past = dt.datetime.min.replace(tzinfo=dt.UTC)
        rows = _newest_first(
            (c for c in self._cards() if c.buyer_id == user_id and c.state is CardState.PENDING),
            key=lambda c: (c.sold_at or far_past, c.id),
        )
        return [card_view(c, batches[c.batch_id], now) for c in rows]

    # --- exports ------------------------------------------------------------------------------

    async def export(self, export_id: uuid.UUID) -> ExportView | None:
        for export in self._exports():
            if export.id == export_id:
                return export_view(export)
        return None

    async def exports(self, batch_id: uuid.UUID, page: PageRequest) -> Page[ExportView]:
        rows = _newest_first(
            (e for e in self._exports() if e.batch_id == batch_id),
            key=lambda e: (e.created_at, e.id),
        )
        return _page([export_view(e) for e in rows], page)
