"""``CouponQueries`` in SQL: Core selects over committed rows, never loading aggregates.

The one read side of coupons (``memory://`` runs it too); the contract suite checks that SQLite
and PostgreSQL answer alike for the same data, in the same order. Expiry is
applied on read (CPN-12): an ``available`` coupon whose validity has ended by ``now`` is
``expired`` to every filter, count and item here, sweep or no sweep.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from shop_adapters.sql.coupons.tables import (
    STATS_COLUMNS,
    coupon_code_batches,
    coupon_codes,
    coupon_stats,
    coupon_templates,
    coupon_usage_log,
    coupons,
)
from shop_adapters.sql.engine import reader
from shop_app.coupons.queries import (
    EXPIRING_SOON,
    CenterItem,
    CodeBatchView,
    TemplateStatistics,
    TemplateView,
    UsageAction,
    UsageEntry,
    UsageFilter,
    Wallet,
    WalletItem,
    WalletQuery,
)
from shop_app.shared.paging import Page, PageRequest
from shop_domain.coupons.batches import BatchState
from shop_domain.coupons.coupon import CouponState, Via
from shop_domain.coupons.errors import CodeBatchNotFound, CouponNotFound, TemplateNotFound
from shop_domain.coupons.template import TemplateDefinition, TemplateState
from shop_domain.coupons.terms import (
    Acquisition,
    ClaimWindow,
    Distribution,
    Issuer,
    IssuerKind,
    Limits,
    ReturnPolicy,
    Validity,
    ValidityKind,
)
from shop_domain.shared.money import Money

T = coupon_templates.c
C = coupons.c


# --- expiry on read (CPN-12) ------------------------------------------------------------------


def available_at(now: dt.datetime) -> ColumnElement[bool]:
    """Effectively available: stored ``available`` and still inside validity at ``now``."""
    return and_(C.state == CouponState.AVAILABLE, C.valid_until > now)


def effective_state_is(state: CouponState, now: dt.datetime) -> ColumnElement[bool]:
    """``Coupon.effective_state(now) is state`` in SQL."""
    if state is CouponState.AVAILABLE:
        return available_at(now)
    if state is CouponState.EXPIRED:
        return or_(
            C.state == CouponState.EXPIRED,
            and_(C.state == CouponState.AVAILABLE, C.valid_until <= now),
        )
    return C.state == state


def expiring_soon_at(now: dt.datetime) -> ColumnElement[bool]:
    return and_(available_at(now), C.valid_until <= now + EXPIRING_SOON)


def claimable_at(now: dt.datetime) -> ColumnElement[bool]:
    """``CouponTemplate.claimable_at(now)`` with quantity left, in SQL."""
    return and_(
        T.state == TemplateState.ACTIVE,
        T.distribution != Distribution.ISSUE_ONLY,
        or_(T.claim_starts_at.is_(None), T.claim_starts_at <= now),
        or_(T.claim_ends_at.is_(None), T.claim_ends_at > now),
        not_(
            and_(
                T.validity_kind == ValidityKind.ABSOLUTE,
                T.validity_ends_at.is_not(None),
                T.validity_ends_at <= now,
            )
        ),
        T.total_quantity > T.issued,
    )


# --- rows to views ----------------------------------------------------------------------------


def _definition(row: Any) -> TemplateDefinition:
    return TemplateDefinition(
        name=row.name,
        description=row.description,
        terms=row.terms,
        issuer=Issuer(IssuerKind(row.issuer_kind), row.issuer_shop_id),
        validity=_validity(row),
        limits=_limits(row),
        claim_window=_claim_window(row),
        distribution=Distribution(row.distribution),
        acquisition=Acquisition(row.acquisition_points),
        public=bool(row.public),
        return_policy=ReturnPolicy(row.return_policy),
        public_code=row.public_code,
    )


def _validity(row: Any) -> Validity:
    return Validity(
        ValidityKind(row.validity_kind),
        starts_at=row.validity_starts_at,
        ends_at=row.validity_ends_at,
        days=row.validity_days,
    )


def _limits(row: Any) -> Limits:
    return Limits(row.total_quantity, row.per_user, row.per_user_per_day)


def _claim_window(row: Any) -> ClaimWindow:
    return ClaimWindow(row.claim_starts_at, row.claim_ends_at)


def _template_view(row: Any) -> TemplateView:
    return TemplateView(
        id=row.id,
        state=TemplateState(row.state),
        definition=_definition(row),
        issued=row.issued,
        codes_reserved=row.codes_reserved,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _effective(state: CouponState, valid_until: dt.datetime, now: dt.datetime) -> CouponState:
    if state is CouponState.AVAILABLE and now >= valid_until:
        return CouponState.EXPIRED
    return state


def _wallet_item(row: Any, now: dt.datetime) -> WalletItem:
    state = _effective(CouponState(row.state), row.valid_until, now)
    return WalletItem(
        coupon_id=row.id,
        template_id=row.template_id,
        name=row.name,
        terms=row.terms,
        state=state,
        via=Via(row.via),
        acquired_at=row.acquired_at,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        expiring_soon=state is CouponState.AVAILABLE and row.valid_until - now <= EXPIRING_SOON,
        order_id=row.order_id,
    )


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


_WALLET_COLUMNS = (
    C.id,
    C.template_id,
    T.name,
    T.terms,
    C.state,
    C.via,
    C.acquired_at,
    C.valid_from,
    C.valid_until,
    C.order_id,
)
_WALLET_SOURCE = coupons.join(coupon_templates, T.id == C.template_id)


class SqlCouponQueries:
    """``CouponQueries`` over an ``AsyncEngine`` (committed state only; read-only transactions,
    which on SQLite never wait for a writer)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reader(engine)

    async def _page(self, count: Any, rows: Any, paging: PageRequest) -> tuple[int, Sequence[Any]]:
        async with self._engine.connect() as conn:
            total = int((await conn.execute(count)).scalar_one())
            found = (
                (await conn.execute(rows.offset(paging.offset).limit(paging.page_size))).all()
                if total > paging.offset
                else []
            )
        return total, found

    # --- templates ----------------------------------------------------------------------------
    async def template(self, template_id: uuid.UUID) -> TemplateView:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(coupon_templates).where(T.id == template_id))
            ).one_or_none()
        if row is None:
            raise TemplateNotFound(template_id)
        return _template_view(row)

    async def templates(
        self, state: TemplateState | None, paging: PageRequest
    ) -> Page[TemplateView]:
        where = [] if state is None else [T.state == state]
        total, rows = await self._page(
            select(func.count()).select_from(coupon_templates).where(*where),
            select(coupon_templates).where(*where).order_by(T.created_at.desc(), T.id.desc()),
            paging,
        )
        return Page(tuple(_template_view(r) for r in rows), total, paging.page, paging.page_size)

    async def center(
        self, now: dt.datetime, user_id: uuid.UUID | None, paging: PageRequest
    ) -> Page[CenterItem]:
        where = [T.public.is_(True), T.acquisition_points == 0, claimable_at(now)]
        columns: list[Any] = [coupon_templates]
        if user_id is not None:
            held = (
                select(func.count())
                .where(C.template_id == T.id, C.user_id == user_id)
                .scalar_subquery()
            )
            columns.append(held.label("held"))
        total, rows = await self._page(
            select(func.count()).select_from(coupon_templates).where(*where),
            select(*columns)
            .where(*where)
            .order_by(
                case((T.claim_ends_at.is_(None), 1), else_=0),
                T.claim_ends_at,
                T.created_at.desc(),
                T.id,
            ),
            paging,
        )
        items = []
        for row in rows:
            limits = _limits(row)
            held_by_user = None if user_id is None else int(row.held)
            items.append(
                CenterItem(
                    template_id=row.id,
                    name=row.name,
                    description=row.description,
                    terms=row.terms,
                    validity=_validity(row),
                    claim_window=_claim_window(row),
                    limits=limits,
                    remaining=limits.total_quantity - row.issued,
                    held_by_user=held_by_user,
                    user_may_claim=None
                    if held_by_user is None
                    else (limits.per_user is None or held_by_user < limits.per_user),
                )
            )
        return Page(tuple(items), total, paging.page, paging.page_size)

    # --- wallets ------------------------------------------------------------------------------
    async def wallet(self, query: WalletQuery, now: dt.datetime) -> Wallet:
        mine = C.user_id == query.user_id
        past = case((C.valid_until <= now, 1), else_=0)
        soon = case((and_(C.valid_until > now, C.valid_until <= now + EXPIRING_SOON), 1), else_=0)
        tally = (
            select(
                C.state,
                func.count().label("n"),
                func.sum(past).label("past"),
                func.sum(soon).label("soon"),
            )
            .where(mine)
            .group_by(C.state)
        )
        where = [mine]
        if query.state is not None:
            where.append(effective_state_is(query.state, now))
        if query.expiring_soon:
            where.append(expiring_soon_at(now))
        paging = query.paging
        page = (
            select(*_WALLET_COLUMNS)
            .select_from(_WALLET_SOURCE)
            .where(*where)
            .order_by(C.valid_until, C.id)
            .offset(paging.offset)
            .limit(paging.page_size)
        )
        async with self._engine.connect() as conn:
            tallies = (await conn.execute(tally)).all()
            rows = (await conn.execute(page)).all()
        counts = {state.value: 0 for state in CouponState}
        expiring_soon = 0
        for t in tallies:
            state = CouponState(t.state)
            if state is CouponState.AVAILABLE:  # expiry on read
                counts[CouponState.EXPIRED.value] += int(t.past)
                counts[state.value] += int(t.n) - int(t.past)
                expiring_soon += int(t.soon)
            else:
                counts[state.value] += int(t.n)
        return Wallet(
            items=tuple(_wallet_item(row, now) for row in rows),
            counts=counts,
            expiring_soon=expiring_soon,
        )

    async def owned(self, user_id: uuid.UUID, coupon_id: uuid.UUID, now: dt.datetime) -> WalletItem:
        statement = (
            select(*_WALLET_COLUMNS)
            .select_from(_WALLET_SOURCE)
            .where(C.id == coupon_id, C.user_id == user_id)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(statement)).one_or_none()
        if row is None:  # another user's coupon is as unknown as a missing one
            raise CouponNotFound(coupon_id)
        return _wallet_item(row, now)

    async def usable(self, user_id: uuid.UUID, now: dt.datetime) -> Sequence[WalletItem]:
        statement = (
            select(*_WALLET_COLUMNS)
            .select_from(_WALLET_SOURCE)
            .where(C.user_id == user_id, available_at(now), C.valid_from <= now)
            .order_by(C.valid_until, C.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [_wallet_item(row, now) for row in rows]

    # --- statistics and usage (CPN-11, CPN-9) -------------------------------------------------
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
