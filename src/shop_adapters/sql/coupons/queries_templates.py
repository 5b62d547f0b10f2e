"""Coupon templates as read (the operator's list, the coupon center), in SQL."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from shop_adapters.sql.coupons.tables import coupon_templates, coupons
from shop_adapters.sql.reads import SqlReads
from shop_app.coupons.queries import CenterItem, TemplateView
from shop_app.shared.paging import Page, PageRequest
from shop_domain.coupons.errors import TemplateNotFound
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

T = coupon_templates.c
C = coupons.c


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


class TemplateQueries(SqlReads):
    """The template part of ``CouponQueries``."""

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
