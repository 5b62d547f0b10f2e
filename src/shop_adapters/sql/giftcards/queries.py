"""``GiftCardQueries`` in SQL: Core selects over committed rows, never loading aggregates.

No view holds a secret (GC-11): the secret columns are never selected here. A card's state is
shown effective (GC-4): ``expired`` once it is not discarded and its validity has ended by
``now`` — the end being the batch's ``ends_at`` (a validity window) or the card's own
``expires_at`` (a batch valid N days from activation) — in every filter and every item.
Lists are newest first unless said otherwise, ties broken by id, so pages never overlap.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, func, not_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ColumnElement, Select

from shop_adapters.sql.engine import reader
from shop_adapters.sql.giftcards.tables import (
    giftcard_activations,
    giftcard_batches,
    giftcard_exports,
    giftcard_operations,
    giftcard_usages,
    giftcards,
)
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
from shop_app.shared.paging import Page, PageRequest
from shop_domain.giftcards.card import CardState, SalesState
from shop_domain.giftcards.numbers import normalise_number
from shop_domain.shared.money import Money

B = giftcard_batches.c
C = giftcards.c
A = giftcard_activations.c
U = giftcard_usages.c
O = giftcard_operations.c  # noqa: E741
X = giftcard_exports.c

EXPIRED = "expired"
CREATE = "create"
"""The action of the entry that starts every card's history (cards get no stored row)."""

# --- effective state (GC-4) -------------------------------------------------------------------

card_valid_until: ColumnElement[Any] = case(
    (B.days_from_activation.is_(None), B.ends_at), else_=C.expires_at
)
"""The end of a card's validity (cards joined with their batch); NULL when open."""


def expired_at(now: dt.datetime) -> ColumnElement[bool]:
    """``effective state == expired`` in SQL (cards joined with their batch)."""
    return and_(
        C.state != CardState.DISCARDED, card_valid_until.is_not(None), card_valid_until <= now
    )


def effective_state_is(state: str, now: dt.datetime) -> ColumnElement[bool]:
    if state == EXPIRED:
        return expired_at(now)
    stored = C.state == state
    if state == CardState.DISCARDED.value:
        return stored
    return and_(stored, not_(expired_at(now)))


def _value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def effective_state(state: Any, valid_until: dt.datetime | None, now: dt.datetime) -> str:
    stored = str(_value(state))
    if stored != CardState.DISCARDED.value and valid_until is not None and now >= valid_until:
        return EXPIRED
    return stored


def _window(row: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``(valid_from, valid_until)`` of a card row joined with its batch's validity."""
    if row.days_from_activation is None:
        return row.starts_at, row.ends_at
    return row.activated_at, row.expires_at


# --- rows to views ----------------------------------------------------------------------------

_CARD_COLUMNS = (
    C.id,
    C.batch_id,
    B.name.label("batch_name"),
    B.kind,
    C.number,
    C.face_value_minor,
    C.balance_minor,
    C.currency,
    C.state,
    C.sales_state,
    C.user_id,
    C.phone,
    C.buyer_id,
    C.sold_at,
    C.activated_at,
    C.activated_by,
    C.expires_at,
    C.created_at,
    C.version,
    B.state.label("batch_state"),
    B.starts_at,
    B.ends_at,
    B.days_from_activation,
)
_CARDS = giftcards.join(giftcard_batches, B.id == C.batch_id)


def _card_view(row: Any, now: dt.datetime) -> CardView:
    valid_from, valid_until = _window(row)
    return CardView(
        id=row.id,
        batch_id=row.batch_id,
        batch_name=row.batch_name,
        kind=_value(row.kind),
        number=row.number,
        face_value=Money(int(row.face_value_minor), row.currency),
        balance=Money(int(row.balance_minor), row.currency),
        state=effective_state(row.state, valid_until, now),
        sales_state=_value(row.sales_state),
        user_id=row.user_id,
        phone=row.phone,
        buyer_id=row.buyer_id,
        sold_at=row.sold_at,
        activated_at=row.activated_at,
        activated_by=row.activated_by,
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=row.created_at,
        batch_state=_value(row.batch_state),
        version=row.version,
    )


def _empty_counts() -> dict[str, int]:
    return {
        CardState.PENDING.value: 0,
        CardState.ACTIVATED.value: 0,
        CardState.DISCARDED.value: 0,
        SalesState.SOLD.value: 0,
    }


def _batch_view(row: Any, counts: dict[str, int] | None) -> BatchView:
    return BatchView(
        id=row.id,
        name=row.name,
        kind=_value(row.kind),
        mode=_value(row.mode),
        face_value=Money(int(row.face_value_minor), row.currency),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        days_from_activation=row.days_from_activation,
        owner=row.owner,
        owner_phone=row.owner_phone,
        card_maker=row.card_maker,
        remark=row.remark,
        state=_value(row.state),
        requested=int(row.requested),
        generated=int(row.generated),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        cards_by_state=counts if counts is not None else _empty_counts(),
    )


_ACTIVATION_COLUMNS = (
    A.id,
    A.batch_id,
    B.name.label("batch_name"),
    A.card_id,
    A.number,
    A.amount_minor,
    A.currency,
    A.user_id,
    A.phone,
    A.via,
    A.actor,
    A.at,
    C.state.label("card_state"),
    C.activated_at,
    C.expires_at,
    B.starts_at,
    B.ends_at,
    B.days_from_activation,
)
_ACTIVATIONS = giftcard_activations.join(giftcards, C.id == A.card_id).join(
    giftcard_batches, B.id == C.batch_id
)


def _activation_view(row: Any, now: dt.datetime) -> ActivationView:
    return ActivationView(
        id=row.id,
        batch_id=row.batch_id,
        batch_name=row.batch_name,
        card_id=row.card_id,
        number=row.number,
        amount=Money(int(row.amount_minor), row.currency),
        user_id=row.user_id,
        phone=row.phone,
        via=row.via,
        actor=row.actor,
        at=row.at,
        card_state=effective_state(row.card_state, _window(row)[1], now),
    )


def _usage_view(row: Any) -> UsageView:
    currency = row.currency
    tender: dict[str, Money] | None = None
    if row.tender_currency is not None:
        tender = {
            "cash": Money(int(row.tender_cash_minor), row.tender_currency),
            "points": Money(int(row.tender_points_minor), row.tender_currency),
            "gift_cards": Money(int(row.tender_gift_cards_minor), row.tender_currency),
        }
    return UsageView(
        id=row.id,
        batch_id=row.batch_id,
        card_id=row.card_id,
        number=row.number,
        user_id=row.user_id,
        order_id=row.order_id,
        sub_order_id=row.sub_order_id,
        amount=Money(int(row.amount_minor), currency),
        restored=Money(int(row.restored_minor), currency),
        state=_value(row.state),
        tender=tender,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _operation_view(row: Any) -> OperationView:
    return OperationView(
        id=row.id,
        batch_id=row.batch_id,
        card_id=row.card_id,
        number=row.number,
        action=row.action,
        actor=row.actor,
        at=row.at,
        detail=dict(row.detail),
    )


def _created(card: Any) -> OperationView:
    """The first entry of a card's history: its creation, as no row records it."""
    return OperationView(
        id=card.id,
        batch_id=card.batch_id,
        card_id=card.id,
        number=card.number,
        action=CREATE,
        actor="system",
        at=card.created_at,
        detail={"batch_id": str(card.batch_id)},
    )


def _export_view(row: Any) -> ExportView:
    card_ids = row.card_ids
    return ExportView(
        id=row.id,
        batch_id=row.batch_id,
        state=_value(row.state),
        whole_batch=card_ids is None,
        chosen=None if card_ids is None else len(card_ids),
        rows=int(row.rows),
        file_name=row.file_name,
        requested_by=row.requested_by,
        created_at=row.created_at,
        finished_at=row.finished_at,
        error=row.error,
    )


# --- the queries ------------------------------------------------------------------------------


class SqlGiftCardQueries:
    """``GiftCardQueries`` over an ``AsyncEngine`` (committed state only; read-only
    transactions, which on SQLite never wait for a writer)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reader(engine)

    async def _page(
        self, count: Select[Any], rows: Select[Any], paging: PageRequest
    ) -> tuple[int, Sequence[Any]]:
        async with self._engine.connect() as conn:
            total = int((await conn.execute(count)).scalar_one())
            found = (
                (await conn.execute(rows.offset(paging.offset).limit(paging.page_size))).all()
                if total > paging.offset
                else []
            )
        return total, found

    @staticmethod
    async def _counts(
        conn: AsyncConnection, batch_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, dict[str, int]]:
        """Cards by stored state, and sold, per batch."""
        if not batch_ids:
            return {}
        sold = func.sum(case((C.sales_state == SalesState.SOLD, 1), else_=0))
        statement = (
            select(C.batch_id, C.state, func.count().label("n"), sold.label("sold"))
            .where(C.batch_id.in_(list(batch_ids)))
            .group_by(C.batch_id, C.state)
        )
        counts = {batch_id: _empty_counts() for batch_id in batch_ids}
        for row in await conn.execute(statement):
            tally = counts[row.batch_id]
            tally[str(_value(row.state))] = tally.get(str(_value(row.state)), 0) + int(row.n)
            tally[SalesState.SOLD.value] += int(row.sold or 0)
        return counts

    # --- batches ------------------------------------------------------------------------------
    async def batches(self, page: PageRequest, *, state: str | None = None) -> Page[BatchView]:
        where = [] if state is None else [B.state == state]
        async with self._engine.connect() as conn:
            total = int(
                (
                    await conn.execute(
                        select(func.count()).select_from(giftcard_batches).where(*where)
                    )
                ).scalar_one()
            )
            rows: Sequence[Any] = []
            counts: dict[uuid.UUID, dict[str, int]] = {}
            if total > page.offset:
                rows = (
                    await conn.execute(
                        select(giftcard_batches)
                        .where(*where)
                        .order_by(B.created_at.desc(), B.id.desc())
                        .offset(page.offset)
                        .limit(page.page_size)
                    )
                ).all()
                counts = await self._counts(conn, [row.id for row in rows])
        items = tuple(_batch_view(row, counts.get(row.id)) for row in rows)
        return Page(items, total, page.page, page.page_size)

    async def batch(self, batch_id: uuid.UUID) -> BatchView | None:
        async with self._engine.connect() as conn:
            return await self._batch(conn, batch_id)

    async def _batch(self, conn: AsyncConnection, batch_id: uuid.UUID) -> BatchView | None:
        row = (await conn.execute(select(giftcard_batches).where(B.id == batch_id))).one_or_none()
        if row is None:
            return None
        counts = await self._counts(conn, [batch_id])
        return _batch_view(row, counts.get(batch_id))

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
        where: list[ColumnElement[bool]] = [C.batch_id == batch_id]
        if state is not None:
            where.append(effective_state_is(state, now))
        if sales_state is not None:
            where.append(C.sales_state == sales_state)
        total, rows = await self._page(
            select(func.count()).select_from(_CARDS).where(*where),
            select(*_CARD_COLUMNS).select_from(_CARDS).where(*where).order_by(C.number),
            page,
        )
        return Page(tuple(_card_view(r, now) for r in rows), total, page.page, page.page_size)

    async def card(self, card_id: uuid.UUID, now: dt.datetime) -> CardView | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(*_CARD_COLUMNS).select_from(_CARDS).where(C.id == card_id)
                )
            ).one_or_none()
        return None if row is None else _card_view(row, now)

    async def lookup(self, number: str, now: dt.datetime) -> CardLookup | None:
        number = normalise_number(number)
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(*_CARD_COLUMNS).select_from(_CARDS).where(C.number == number)
                )
            ).one_or_none()
            if row is None:
                return None
            batch = await self._batch(conn, row.batch_id)
            activation = (
                await conn.execute(
                    select(*_ACTIVATION_COLUMNS)
                    .select_from(_ACTIVATIONS)
                    .where(A.card_id == row.id)
                    .order_by(A.at.desc(), A.id.desc())
                    .limit(1)
                )
            ).one_or_none()
            usages = (
                await conn.execute(
                    select(giftcard_usages)
                    .where(U.card_id == row.id)
                    .order_by(U.created_at.desc(), U.id.desc())
                )
            ).all()
            operations = (
                await conn.execute(
                    select(giftcard_operations).where(O.card_id == row.id).order_by(O.at, O.id)
                )
            ).all()
        assert batch is not None  # a card's batch is never deleted
        return CardLookup(
            card=_card_view(row, now),
            batch=batch,
            activation=None if activation is None else _activation_view(activation, now),
            usages=tuple(_usage_view(u) for u in usages),
            operations=(_created(row), *(_operation_view(o) for o in operations)),
        )

    async def user_cards(
        self, user_id: uuid.UUID, now: dt.datetime, page: PageRequest
    ) -> Page[CardView]:
        where = [C.user_id == user_id]
        total, rows = await self._page(
            select(func.count()).select_from(giftcards).where(*where),
            select(*_CARD_COLUMNS)
            .select_from(_CARDS)
            .where(*where)
            .order_by(C.activated_at.desc(), C.id.desc()),
            page,
        )
        return Page(tuple(_card_view(r, now) for r in rows), total, page.page, page.page_size)

    async def purchased(self, user_id: uuid.UUID, now: dt.datetime) -> list[CardView]:
        statement = (
            select(*_CARD_COLUMNS)
            .select_from(_CARDS)
            .where(
                C.buyer_id == user_id,
                C.sales_state == SalesState.SOLD,
                C.state == CardState.PENDING,
            )
            .order_by(C.sold_at.desc(), C.id.desc())
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [_card_view(row, now) for row in rows]

    # --- records (GC-8, GC-9, GC-10) ----------------------------------------------------------
    async def activations(
        self, page: PageRequest, now: dt.datetime, filters: ActivationFilter = ActivationFilter()
    ) -> Page[ActivationView]:
        where: list[ColumnElement[bool]] = []
        if filters.batch_id is not None:
            where.append(A.batch_id == filters.batch_id)
        if filters.user_id is not None:
            where.append(A.user_id == filters.user_id)
        if filters.number is not None:
            where.append(A.number == normalise_number(filters.number))
        if filters.via is not None:
            where.append(A.via == filters.via)
        if filters.since is not None:
            where.append(A.at >= filters.since)
        if filters.until is not None:
            where.append(A.at < filters.until)
        total, rows = await self._page(
            select(func.count()).select_from(giftcard_activations).where(*where),
            select(*_ACTIVATION_COLUMNS)
            .select_from(_ACTIVATIONS)
            .where(*where)
            .order_by(A.at.desc(), A.id.desc()),
            page,
        )
        items = tuple(_activation_view(r, now) for r in rows)
        return Page(items, total, page.page, page.page_size)

    async def usages(
        self, page: PageRequest, filters: UsageFilter = UsageFilter()
    ) -> Page[UsageView]:
        where: list[ColumnElement[bool]] = []
        for column, value in (
            (U.batch_id, filters.batch_id),
            (U.card_id, filters.card_id),
            (U.user_id, filters.user_id),
            (U.order_id, filters.order_id),
            (U.state, filters.state),
        ):
            if value is not None:
                where.append(column == value)
        if filters.since is not None:
            where.append(U.created_at >= filters.since)
        if filters.until is not None:
            where.append(U.created_at < filters.until)
        total, rows = await self._page(
            select(func.count()).select_from(giftcard_usages).where(*where),
            select(giftcard_usages).where(*where).order_by(U.created_at.desc(), U.id.desc()),
            page,
        )
        return Page(tuple(_usage_view(r) for r in rows), total, page.page, page.page_size)

    async def history(
        self,
        page: PageRequest,
        *,
        batch_id: uuid.UUID | None = None,
        card_id: uuid.UUID | None = None,
    ) -> Page[OperationView]:
        where: list[ColumnElement[bool]] = []
        if batch_id is not None:
            where.append(O.batch_id == batch_id)
        if card_id is not None:
            where.append(O.card_id == card_id)
        ordered = select(giftcard_operations).where(*where).order_by(O.at, O.id)
        async with self._engine.connect() as conn:
            first: OperationView | None = None
            if card_id is not None:
                card_where = [C.id == card_id]
                if batch_id is not None:
                    card_where.append(C.batch_id == batch_id)
                card = (
                    await conn.execute(
                        select(C.id, C.batch_id, C.number, C.created_at).where(*card_where)
                    )
                ).one_or_none()
                if card is not None:
                    first = _created(card)
            stored = int(
                (
                    await conn.execute(
                        select(func.count()).select_from(giftcard_operations).where(*where)
                    )
                ).scalar_one()
            )
            total = stored + (first is not None)
            items: list[OperationView] = []
            offset, size = page.offset, page.page_size
            if first is not None:
                if offset == 0:
                    items.append(first)
                    size -= 1
                else:
                    offset -= 1
            if size > 0 and stored > offset:
                rows = (await conn.execute(ordered.offset(offset).limit(size))).all()
                items.extend(_operation_view(r) for r in rows)
        return Page(tuple(items), total, page.page, page.page_size)

    # --- exports (GC-12) ----------------------------------------------------------------------
    async def export(self, export_id: uuid.UUID) -> ExportView | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(giftcard_exports).where(X.id == export_id))
            ).one_or_none()
        return None if row is None else _export_view(row)

    async def exports(self, batch_id: uuid.UUID, page: PageRequest) -> Page[ExportView]:
        where = [X.batch_id == batch_id]
        total, rows = await self._page(
            select(func.count()).select_from(giftcard_exports).where(*where),
            select(giftcard_exports).where(*where).order_by(X.created_at.desc(), X.id.desc()),
            page,
        )
        return Page(tuple(_export_view(r) for r in rows), total, page.page, page.page_size)
