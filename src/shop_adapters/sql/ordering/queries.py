"""``OrderQueries`` in SQL, over committed rows."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select

from shop_adapters.sql.ordering.tables import (
    order_children,
    order_lines,
    orders,
    payment_refunds,
    payments,
)
from shop_adapters.sql.reads import SqlReads
from shop_app.ordering.queries import (
    ChildView,
    LineView,
    OrderDetail,
    OrderSearch,
    OrderSummary,
    PaymentView,
    RefundDue,
)
from shop_app.shared.paging import Page, PageRequest
from shop_domain.ordering.lines import AMOUNT_FIELDS
from shop_domain.ordering.order import OrderState
from shop_domain.ordering.payment import RefundState
from shop_domain.shared.money import Money

OR, C, L, P, R = orders.c, order_children.c, order_lines.c, payments.c, payment_refunds.c
_CHILD_TIMES = ("paid_at", "shipped_at", "completed_at", "cancelled_at")


def _amounts(row: Any) -> dict[str, int]:
    figures = {name: int(getattr(row, f"{name}_minor")) for name in AMOUNT_FIELDS}
    figures["payable"] = (
        figures["goods"]
        + figures["shipping"]
        - figures["promotion"]
        - figures["coupon"]
        - figures["points"]
    )
    figures["points_used"] = int(row.points_used)
    return figures


def _summary(row: Any, children: int) -> OrderSummary:
    return OrderSummary(
        id=row.id,
        number=row.number,
        user_id=row.user_id,
        state=OrderState(row.state).value,
        channel=row.channel,
        payable=Money(_amounts(row)["payable"], row.currency),
        created_at=row.created_at,
        expires_at=row.expires_at,
        paid_at=row.paid_at,
        children=children,
    )


def _criteria(query: Select[Any], criteria: OrderSearch) -> Select[Any]:
    if criteria.number is not None:
        parent = criteria.number.split("-", 1)[0]
        query = query.where(OR.number == parent)
    if criteria.user_id is not None:
        query = query.where(OR.user_id == criteria.user_id)
    if criteria.state is not None:
        query = query.where(OR.state == OrderState(criteria.state))
    if criteria.created_from is not None:
        query = query.where(OR.created_at >= criteria.created_from)
    if criteria.created_to is not None:
        query = query.where(OR.created_at < criteria.created_to)
    return query


class SqlOrderQueries(SqlReads):
    async def search(self, criteria: OrderSearch, page: PageRequest) -> Page[OrderSummary]:
        children = (
            select(func.count()).where(C.order_id == OR.id).scalar_subquery().label("children")
        )
        rows = _criteria(select(orders, children), criteria).order_by(
            OR.created_at.desc(), OR.id.desc()
        )
        count = _criteria(select(func.count()).select_from(orders), criteria)
        total, found = await self._page(count, rows, page)
        return Page(
            tuple(_summary(row, int(row.children)) for row in found),
            total,
            page.page,
            page.page_size,
        )

    async def detail(self, order_id: uuid.UUID) -> OrderDetail | None:
        async with self._engine.connect() as conn:
            order = (await conn.execute(select(orders).where(OR.id == order_id))).first()
            if order is None:
                return None
            children = (
                await conn.execute(
                    select(order_children).where(C.order_id == order_id).order_by(C.number)
                )
            ).all()
            lines = (
                await conn.execute(select(order_lines).where(L.order_id == order_id).order_by(L.id))
            ).all()
            payment = (await conn.execute(select(payments).where(P.order_id == order_id))).first()
            refunds = (
                (
                    await conn.execute(select(payment_refunds).where(R.payment_id == payment.id))
                ).all()
                if payment is not None
                else []
            )
        views = tuple(
            ChildView(
                id=child.id,
                number=child.number,
                shop_id=child.shop_id,
                kind=child.kind.value,
                warehouse_id=child.warehouse_id,
                state=OrderState(child.state).value,
                amounts=_amounts(child),
                times={name: getattr(child, name) for name in _CHILD_TIMES},
                lines=tuple(_line(line) for line in lines if line.child_id == child.id),
            )
            for child in children
        )
        return OrderDetail(
            summary=_summary(order, len(children)),
            member_level=order.member_level,
            address=order.address,
            breakdown=tuple(order.breakdown),
            amounts=_amounts(order),
            cancelled_at=order.cancelled_at,
            cancel_reason=order.cancel_reason.value if order.cancel_reason else None,
            children=views,
            payment=_payment(payment, refunds) if payment is not None else None,
        )

    async def overdue(self, now: dt.datetime, limit: int) -> list[uuid.UUID]:
        query = (
            select(OR.id)
            .where(OR.state == OrderState.PENDING_PAYMENT, OR.expires_at <= now)
            .order_by(OR.expires_at)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def order_of_payment(self, payment_number: str) -> uuid.UUID | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(P.order_id).where(P.number == payment_number))
            return found.scalar_one_or_none()

    async def refunds_due(self, order_id: uuid.UUID | None, limit: int) -> list[RefundDue]:
        query = (
            select(P.order_id, P.number, R.id, R.external_minor, R.currency)
            .join(payments, P.id == R.payment_id)
            .where(R.state == RefundState.REQUESTED)
            .order_by(R.created_at)
            .limit(limit)
        )
        if order_id is not None:
            query = query.where(P.order_id == order_id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            RefundDue(
                order_id=row[0],
                payment_number=row[1],
                refund_id=row[2],
                amount=Money(int(row[3]), row[4]),
            )
            for row in rows
        ]


def _line(row: Any) -> LineView:
    return LineView(
        line_id=row.line_id,
        sku_id=row.sku_id,
        name=row.name,
        attributes=dict(row.attributes),
        quantity=row.quantity,
        unit_price=Money(int(row.unit_price_minor), row.currency),
        amounts=_amounts(row),
    )


def _payment(row: Any, refunds: Sequence[Any]) -> PaymentView:
    refunded = sum(int(r.gift_card_minor) + int(r.external_minor) for r in refunds)
    return PaymentView(
        id=row.id,
        number=row.number,
        gateway=row.gateway,
        state=row.state.value,
        external=Money(int(row.external_minor), row.currency),
        gift_card=Money(int(row.gift_card_minor), row.currency),
        trade_no=row.trade_no,
        paid_at=row.paid_at,
        flags=tuple(row.flags),
        refunded=Money(refunded, row.currency),
    )


__all__ = ["SqlOrderQueries"]
