"""Gift-card batches and cards as read, in SQL, with the effective state of a card (GC-4).

A card's state is shown effective: ``expired`` once it is not discarded and its validity has
ended by ``now`` — the end being the batch's ``ends_at`` (a validity window) or the card's own
``expires_at`` (a batch valid N days from activation) — in every filter and every item.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from shop_adapters.sql.giftcards.tables import giftcard_batches, giftcards
from shop_adapters.sql.reads import SqlReads
from shop_app.giftcards.queries import BatchView, CardView
from shop_app.shared.paging import Page, PageRequest
from shop_domain.giftcards.card import CardState, SalesState
from shop_domain.shared.money import Money

B = giftcard_batches.c
C = giftcards.c

EXPIRED = "expired"

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


def enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def effective_state(state: Any, valid_until: dt.datetime | None, now: dt.datetime) -> str:
    stored = str(enum_value(state))
    if stored != CardState.DISCARDED.value and valid_until is not None and now >= valid_until:
        return EXPIRED
    return stored


def validity_window(row: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``(valid_from, valid_until)`` of a card row joined with its batch's validity."""
    if row.days_from_activation is None:
        return row.starts_at, row.ends_at
    return row.activated_at, row.expires_at


# --- rows to views ----------------------------------------------------------------------------

CARD_COLUMNS = (
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
CARDS = giftcards.join(giftcard_batches, B.id == C.batch_id)


def card_view(row: Any, now: dt.datetime) -> CardView:
    valid_from, valid_until = validity_window(row)
    return CardView(
        id=row.id,
        batch_id=row.batch_id,
        batch_name=row.batch_name,
        kind=enum_value(row.kind),
        number=row.number,
        face_value=Money(int(row.face_value_minor), row.currency),
        balance=Money(int(row.balance_minor), row.currency),
        state=effective_state(row.state, valid_until, now),
        sales_state=enum_value(row.sales_state),
        user_id=row.user_id,
        phone=row.phone,
        buyer_id=row.buyer_id,
        sold_at=row.sold_at,
        activated_at=row.activated_at,
        activated_by=row.activated_by,
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=row.created_at,
        batch_state=enum_value(row.batch_state),
        version=row.version,
    )


def _empty_counts() -> dict[str, int]:
    return {
        CardState.PENDING.value: 0,
        CardState.ACTIVATED.value: 0,
        CardState.DISCARDED.value: 0,
        SalesState.SOLD.value: 0,
    }


def batch_view(row: Any, counts: dict[str, int] | None) -> BatchView:
    return BatchView(
        id=row.id,
        name=row.name,
        kind=enum_value(row.kind),
        mode=enum_value(row.mode),
        face_value=Money(int(row.face_value_minor), row.currency),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        days_from_activation=row.days_from_activation,
        owner=row.owner,
        owner_phone=row.owner_phone,
        card_maker=row.card_maker,
        remark=row.remark,
        state=enum_value(row.state),
        requested=int(row.requested),
        generated=int(row.generated),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        cards_by_state=counts if counts is not None else _empty_counts(),
    )


class CardQueries(SqlReads):
    """The batch and card part of ``GiftCardQueries``."""

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
            state = str(enum_value(row.state))
            tally[state] = tally.get(state, 0) + int(row.n)
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
        items = tuple(batch_view(row, counts.get(row.id)) for row in rows)
        return Page(items, total, page.page, page.page_size)

    async def batch(self, batch_id: uuid.UUID) -> BatchView | None:
        async with self._engine.connect() as conn:
            return await self._batch(conn, batch_id)

    async def _batch(self, conn: AsyncConnection, batch_id: uuid.UUID) -> BatchView | None:
        row = (await conn.execute(select(giftcard_batches).where(B.id == batch_id))).one_or_none()
        if row is None:
            return None
        counts = await self._counts(conn, [batch_id])
        return batch_view(row, counts.get(batch_id))

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
            select(func.count()).select_from(CARDS).where(*where),
            select(*CARD_COLUMNS).select_from(CARDS).where(*where).order_by(C.number),
            page,
        )
        return Page(tuple(card_view(r, now) for r in rows), total, page.page, page.page_size)

    async def card(self, card_id: uuid.UUID, now: dt.datetime) -> CardView | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(*CARD_COLUMNS).select_from(CARDS).where(C.id == card_id))
            ).one_or_none()
        return None if row is None else card_view(row, now)

    async def user_cards(
        self, user_id: uuid.UUID, now: dt.datetime, page: PageRequest, *, phone: str | None = None
    ) -> Page[CardView]:
        mine = C.user_id == user_id
        where = [mine if phone is None else or_(mine, C.phone == phone)]
        total, rows = await self._page(
            select(func.count()).select_from(giftcards).where(*where),
            select(*CARD_COLUMNS)
            .select_from(CARDS)
            .where(*where)
            .order_by(C.activated_at.desc(), C.id.desc()),
            page,
        )
        return Page(tuple(card_view(r, now) for r in rows), total, page.page, page.page_size)

    async def purchased(self, user_id: uuid.UUID, now: dt.datetime) -> list[CardView]:
        statement = (
            select(*CARD_COLUMNS)
            .select_from(CARDS)
            .where(
                C.buyer_id == user_id,
                C.sales_state == SalesState.SOLD,
                C.state == CardState.PENDING,
            )
            .order_by(C.sold_at.desc(), C.id.desc())
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [card_view(row, now) for row in rows]
