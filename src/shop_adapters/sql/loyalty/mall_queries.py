"""``MallQueries`` in SQL: the mall's items and redemptions, over committed rows."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from shop_adapters.sql.loyalty.tables import mall_items, mall_redemptions
from shop_adapters.sql.reads import SqlReads
from shop_app.loyalty.queries import MallItemView, RedemptionView
from shop_app.shared.paging import Page, PageRequest
from shop_domain.loyalty.mall import RedemptionState
from shop_domain.shared.money import Money

I = mall_items.c  # noqa: E741
R = mall_redemptions.c


def _cash(minor: int | None, currency: str | None) -> Money | None:
    return None if minor is None or currency is None else Money(int(minor), currency)


def _item(row: Any) -> MallItemView:
    return MallItemView(
        id=row.id,
        name=row.name,
        points=row.points,
        cash=_cash(row.cash_minor, row.cash_currency),
        stock=row.stock,
        low_stock=row.low_stock,
        active=row.active,
    )


def _redemption(row: Any) -> RedemptionView:
    return RedemptionView(
        id=row.id,
        user_id=row.user_id,
        item_id=row.item_id,
        quantity=row.quantity,
        points=row.points,
        cash=_cash(row.cash_minor, row.cash_currency),
        state=RedemptionState(row.state),
        created_at=row.created_at,
        changed_at=row.changed_at,
    )


class SqlMallQueries(SqlReads):
    async def items(self, paging: PageRequest, *, active_only: bool = True) -> Page[MallItemView]:
        where = [I.active.is_(True)] if active_only else []
        total, rows = await self._page(
            select(func.count()).select_from(mall_items).where(*where),
            select(mall_items).where(*where).order_by(I.name, I.id),
            paging,
        )
        return Page(tuple(_item(row) for row in rows), total, paging.page, paging.page_size)

    async def redemptions(
        self, paging: PageRequest, user_id: uuid.UUID | None = None
    ) -> Page[RedemptionView]:
        where = [R.user_id == user_id] if user_id is not None else []
        total, rows = await self._page(
            select(func.count()).select_from(mall_redemptions).where(*where),
            select(mall_redemptions).where(*where).order_by(R.created_at.desc(), R.id.desc()),
            paging,
        )
        return Page(tuple(_redemption(row) for row in rows), total, paging.page, paging.page_size)


__all__ = ["SqlMallQueries"]
