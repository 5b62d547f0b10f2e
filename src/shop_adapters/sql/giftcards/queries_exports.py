"""Exports of gift cards for printing (GC-12), as read in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from shop_adapters.sql.giftcards.queries_cards import enum_value
from shop_adapters.sql.giftcards.tables import giftcard_exports
from shop_adapters.sql.reads import SqlReads
from shop_app.giftcards.queries import ExportView
from shop_app.shared.paging import Page, PageRequest

X = giftcard_exports.c


def _export_view(row: Any) -> ExportView:
    card_ids = row.card_ids
    return ExportView(
        id=row.id,
        batch_id=row.batch_id,
        state=enum_value(row.state),
        whole_batch=card_ids is None,
        chosen=None if card_ids is None else len(card_ids),
        rows=int(row.rows),
        file_name=row.file_name,
        requested_by=row.requested_by,
        created_at=row.created_at,
        finished_at=row.finished_at,
        error=row.error,
    )


class ExportQueries(SqlReads):
    """The export part of ``GiftCardQueries``."""

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
