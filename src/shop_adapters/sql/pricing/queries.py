"""``PromotionQueries`` in SQL: Core selects over committed rows, never loading aggregates.

The status filter reads the status at ``now`` as :meth:`Promotion.status_at` does: a scheduled
promotion is active inside its window, and a scheduled or paused one has ended once its window
is over.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from shop_adapters.sql.pricing.mapping import DEFINITION_COLUMNS, definition_from_columns
from shop_adapters.sql.pricing.repositories import promotion_not_found
from shop_adapters.sql.pricing.tables import promotions
from shop_adapters.sql.reads import SqlReads
from shop_app.pricing.queries import PromotionFilter, PromotionView
from shop_app.shared.paging import Page, PageRequest
from shop_domain.pricing.promotion import Level, PromotionStatus

P = promotions.c
_HOLDS = (PromotionStatus.SCHEDULED, PromotionStatus.PAUSED)


def status_at(status: PromotionStatus, now: dt.datetime) -> ColumnElement[bool]:
    """The promotions whose status at ``now`` is ``status``, in SQL."""
    open_window = P.ends_at > now
    if status is PromotionStatus.ACTIVE:
        return and_(P.status == PromotionStatus.SCHEDULED, P.starts_at <= now, open_window)
    if status is PromotionStatus.SCHEDULED:
        return and_(P.status == PromotionStatus.SCHEDULED, P.starts_at > now)
    if status is PromotionStatus.PAUSED:
        return and_(P.status == PromotionStatus.PAUSED, open_window)
    if status is PromotionStatus.ENDED:
        return or_(P.status == PromotionStatus.ENDED, and_(P.status.in_(_HOLDS), P.ends_at <= now))
    return P.status == status


def _status(stored: PromotionStatus, row: Any, now: dt.datetime) -> PromotionStatus:
    """``Promotion.status_at`` of a row."""
    if stored in _HOLDS:
        if now >= row.ends_at:
            return PromotionStatus.ENDED
        if stored is PromotionStatus.SCHEDULED and now >= row.starts_at:
            return PromotionStatus.ACTIVE
    return stored


def _view(row: Any, now: dt.datetime) -> PromotionView:
    definition = definition_from_columns(*(getattr(row, name) for name in DEFINITION_COLUMNS))
    return PromotionView(
        id=row.id,
        definition=definition,
        status=_status(PromotionStatus(row.status), row, now),
        level=Level(row.level),
        created_at=row.created_at,
        created_by=row.created_by,
        version=row.version,
    )


class SqlPromotionQueries(SqlReads):
    """``PromotionQueries`` over an ``AsyncEngine`` (committed state only)."""

    async def promotion(self, promotion_id: uuid.UUID, now: dt.datetime) -> PromotionView:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(promotions).where(P.id == promotion_id))).one_or_none()
        if row is None:
            raise promotion_not_found(promotion_id)
        return _view(row, now)

    async def promotions(self, filter: PromotionFilter, paging: PageRequest) -> Page[PromotionView]:
        where: list[ColumnElement[bool]] = []
        if filter.status is not None:
            where.append(status_at(filter.status, filter.now))
        if filter.level is not None:
            where.append(P.level == int(filter.level))
        if filter.kind is not None:
            where.append(P.kind == filter.kind)
        total, rows = await self._page(
            select(func.count()).select_from(promotions).where(*where),
            select(promotions).where(*where).order_by(P.created_at.desc(), P.id.desc()),
            paging,
        )
        views = tuple(_view(row, filter.now) for row in rows)
        return Page(views, total, paging.page, paging.page_size)


__all__ = ["SqlPromotionQueries", "status_at"]
