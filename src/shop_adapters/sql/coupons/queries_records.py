"""What happened to a template's coupons (statistics, the usage log, CPN-11, CPN-9) and its
code batches (CPN-4), as read in SQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import func, select

from shop_adapters.sql.coupons.tables import (
    STATS_COLUMNS,
    coupon_code_batches,
    coupon_codes,
    coupon_stats,
    coupon_templates,
    coupon_usage_log,
)
from shop_adapters.sql.reads import SqlReads
from shop_app.coupons.queries import (
    CodeBatchView,
    TemplateStatistics,
    UsageAction,
    UsageEntry,
    UsageFilter,
)
from shop_app.shared.paging import Page, PageRequest
from shop_domain.coupons.batches import BatchState
from shop_domain.coupons.errors import CodeBatchNotFound, TemplateNotFound
from shop_domain.shared.money import Money

T = coupon_templates.c


def _batch_view(row: Any) -> CodeBatchView:
    return CodeBatchView(
        id=row.id,
        template_id=row.template_id,
        requested=row.requested,
        generated=row.generated,
        state=BatchState(row.state),
        created_by=row.created_by,
        created_at=row.created_at,
        completed_at=row.completed_at,
    )


def _usage_entry(row: Any) -> UsageEntry:
    return UsageEntry(
        id=row.id,
        coupon_id=row.coupon_id,
        template_id=row.template_id,
        user_id=row.user_id,
        order_id=row.order_id,
        action=UsageAction(row.action),
        discount=Money(int(row.discount_minor), row.currency),
        order_amount=Money(int(row.order_amount_minor), row.currency),
        at=row.at,
    )


class RecordQueries(SqlReads):
    """The statistics, usage-log and code-batch part of ``CouponQueries``."""

    async def statistics(self, template_id: uuid.UUID) -> TemplateStatistics:
        s = coupon_stats.c
        sums = select(*(func.coalesce(func.sum(s[name]), 0).label(name) for name in STATS_COLUMNS))
        async with self._engine.connect() as conn:
            currency = (
                await conn.execute(select(T.currency).where(T.id == template_id))
            ).scalar_one_or_none()
            if currency is None:
                raise TemplateNotFound(template_id)
            row = (await conn.execute(sums.where(s.template_id == template_id))).one()
        totals = {name: int(getattr(row, name)) for name in STATS_COLUMNS}
        return TemplateStatistics(
            template_id=template_id,
            issued=totals["issued"],
            claimed=totals["claimed"],
            available=totals["available"],
            locked=totals["locked"],
            used=totals["used"],
            expired=totals["expired"],
            voided=totals["voided"],
            discount=Money(totals["discount_minor"], currency),
            gmv=Money(totals["gmv_minor"], currency),
            orders=totals["orders"],
            distinct_users=totals["distinct_users"],
        )

    async def usage(self, filter: UsageFilter, paging: PageRequest) -> Page[UsageEntry]:
        u = coupon_usage_log.c
        where: list[Any] = []
        for column, value in (
            (u.template_id, filter.template_id),
            (u.user_id, filter.user_id),
            (u.order_id, filter.order_id),
            (u.coupon_id, filter.coupon_id),
        ):
            if value is not None:
                where.append(column == value)
        if filter.action is not None:
            where.append(u.action == filter.action.value)
        if filter.since is not None:
            where.append(u.at >= filter.since)
        if filter.until is not None:
            where.append(u.at < filter.until)
        total, rows = await self._page(
            select(func.count()).select_from(coupon_usage_log).where(*where),
            select(coupon_usage_log).where(*where).order_by(u.at.desc(), u.id.desc()),
            paging,
        )
        return Page(tuple(_usage_entry(r) for r in rows), total, paging.page, paging.page_size)

    # --- code batches (CPN-4) -----------------------------------------------------------------
    async def code_batches(self, template_id: uuid.UUID) -> Sequence[CodeBatchView]:
        b = coupon_code_batches.c
        statement = (
            select(coupon_code_batches)
            .where(b.template_id == template_id)
            .order_by(b.created_at.desc(), b.id.desc())
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [_batch_view(row) for row in rows]

    async def code_batch(self, batch_id: uuid.UUID) -> CodeBatchView:
        b = coupon_code_batches.c
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(coupon_code_batches).where(b.id == batch_id))
            ).one_or_none()
        if row is None:
            raise CodeBatchNotFound(batch_id)
        return _batch_view(row)

    async def batch_codes(
        self, batch_id: uuid.UUID, chunk: int = 10_000
    ) -> AsyncIterator[list[str]]:
        """Keyset pages over (batch_id, code): each page is one short query, so neither the
        rows nor a connection are held while the consumer works."""
        await self.code_batch(batch_id)
        k = coupon_codes.c
        after: str | None = None
        while True:
            statement = select(k.code).where(k.batch_id == batch_id)
            if after is not None:
                statement = statement.where(k.code > after)
            async with self._engine.connect() as conn:
                page = list((await conn.execute(statement.order_by(k.code).limit(chunk))).scalars())
            if not page:
                return
            yield page
            if len(page) < chunk:
                return
            after = page[-1]
