"""What was done with gift cards, as read in SQL: activations (GC-9), usages (GC-8) and the
operation history of a batch or card (GC-10). Lists are newest first, ties broken by id, except
the history, which is in the order things happened."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql import ColumnElement

from shop_adapters.sql.giftcards.queries_cards import (
    effective_state,
    enum_value,
    validity_window,
)
from shop_adapters.sql.giftcards.tables import (
    giftcard_activations,
    giftcard_batches,
    giftcard_operations,
    giftcard_usages,
    giftcards,
)
from shop_adapters.sql.reads import SqlReads
from shop_app.giftcards.queries import (
    ActivationFilter,
    ActivationView,
    OperationView,
    UsageFilter,
    UsageView,
)
from shop_app.shared.paging import Page, PageRequest
from shop_domain.giftcards.numbers import normalise_number
from shop_domain.shared.money import Money

B = giftcard_batches.c
C = giftcards.c
A = giftcard_activations.c
U = giftcard_usages.c
O = giftcard_operations.c  # noqa: E741

CREATE = "create"
"""The action of the entry that starts every card's history (cards get no stored row)."""

ACTIVATION_COLUMNS = (
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
ACTIVATIONS = giftcard_activations.join(giftcards, C.id == A.card_id).join(
    giftcard_batches, B.id == C.batch_id
)


def activation_view(row: Any, now: dt.datetime) -> ActivationView:
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
        card_state=effective_state(row.card_state, validity_window(row)[1], now),
    )


def usage_view(row: Any) -> UsageView:
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
        state=enum_value(row.state),
        tender=tender,
        created_at=row.created_at,
        updated_at=row.updated_at,
        phone=row.phone,
    )


def operation_view(row: Any) -> OperationView:
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


def created_entry(card: Any) -> OperationView:
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


class RecordQueries(SqlReads):
    """The activation, usage and history part of ``GiftCardQueries``."""

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
            select(*ACTIVATION_COLUMNS)
            .select_from(ACTIVATIONS)
            .where(*where)
            .order_by(A.at.desc(), A.id.desc()),
            page,
        )
        items = tuple(activation_view(r, now) for r in rows)
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
        return Page(tuple(usage_view(r) for r in rows), total, page.page, page.page_size)

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
                    first = created_entry(card)
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
                items.extend(operation_view(r) for r in rows)
        return Page(tuple(items), total, page.page, page.page_size)
