"""Carts in SQL: the mapping (ADR 0023), the repository (``uow.carts``, carts read locked with
their lines), the read side (committed carts, no lock) and the purge of expired guest carts
(ADR 0020: ``SHOP_RETENTION_GUEST_CARTS_DAYS``, 30 days by default, is also how long a guest
cart lives after its last change)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.mapper import Children, TableMap, member_of
from shop_adapters.sql.ordering.cart_tables import cart_lines, carts
from shop_adapters.sql.reads import SqlReads
from shop_adapters.sql.uow import SqlRepository
from shop_app.ordering.cart_ports import StoredCart, StoredLine
from shop_app.shared.retention import DAY, RetentionRule
from shop_domain.ordering.cart import Cart, CartLine

LINES = TableMap(CartLine, cart_lines, parent_column="cart_id", versioned=False)
CARTS = TableMap(
    Cart, carts, children=[Children("lines", LINES, "cart_id", "added_at", keyed_by="sku_id")]
)

GUEST_CARTS = RetentionRule(table="guest_carts", setting="GUEST_CARTS", default=30 * DAY)
"""How long a guest cart lives after its last change (``SHOP_RETENTION_GUEST_CARTS_DAYS``); the
purge deletes those older (their lines with them), counting carts."""

C, L = carts.c, cart_lines.c
_BY_USER = Prepared(CARTS.select_all.where(C.user_id == bindparam("user_id")).with_for_update())
_BY_TOKEN = Prepared(
    CARTS.select_all.where(C.token_digest == bindparam("digest")).with_for_update()
)


class SqlCartRepository(SqlRepository[Cart]):
    table = CARTS

    async def of_user(self, user_id: uuid.UUID) -> Cart | None:
        found = await self._load(_BY_USER, {"user_id": user_id}, locked=True)
        return found[0] if found else None

    async def opened_for(self, user_id: uuid.UUID, new_id: uuid.UUID, now: dt.datetime) -> Cart:
        empty = Cart.for_user(id=new_id, user_id=user_id, now=now)
        return await self._opened_once(_BY_USER, {"user_id": user_id}, empty)

    async def by_token(self, digest: str) -> Cart | None:
        found = await self._load(_BY_TOKEN, {"digest": digest}, locked=True)
        return found[0] if found else None


class SqlCartReads(SqlReads):
    """:class:`~shop_app.ordering.cart_ports.CartReads`: a cart and its lines in one read."""

    _COLUMNS = (C.id, C.user_id, C.touched_at, L.sku_id, L.quantity, L.selected, L.added_at)

    def _query(self, *where: Any) -> Any:
        return (
            select(*self._COLUMNS)
            .select_from(carts.outerjoin(cart_lines, L.cart_id == C.id))
            .where(*where)
            .order_by(L.added_at, L.sku_id)
        )

    async def _one(self, statement: Any, values: dict[str, Any]) -> StoredCart | None:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(statement, values)).all()
        if not rows:
            return None
        first = rows[0]
        lines = tuple(
            StoredLine(row.sku_id, row.quantity, row.selected, row.added_at)
            for row in rows
            if row.sku_id is not None
        )
        return StoredCart(first.id, first.user_id, first.touched_at, lines)

    async def of_user(self, user_id: uuid.UUID) -> StoredCart | None:
        return await self._one(self._query(C.user_id == bindparam("u")), {"u": user_id})

    async def by_token(self, digest: str) -> StoredCart | None:
        return await self._one(self._query(C.token_digest == bindparam("d")), {"d": digest})


class SqlGuestCartPurge:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def purge(self, cutoff: dt.datetime, limit: int) -> int:
        """Delete at most ``limit`` guest carts untouched since before ``cutoff`` (and their
        lines), in one transaction; how many carts went."""
        async with self._engine.begin() as conn:
            old = (
                await conn.execute(
                    select(C.id)
                    .where(C.user_id.is_(None), C.touched_at < cutoff)
                    .order_by(C.touched_at)
                    .limit(limit)
                )
            ).scalars()
            ids = list(old)
            if not ids:
                return 0
            dialect = conn.dialect.name
            await conn.execute(
                delete(cart_lines).where(member_of(L.cart_id, "ids", dialect)), {"ids": ids}
            )
            gone = await conn.execute(
                delete(carts).where(member_of(C.id, "ids", dialect)), {"ids": ids}
            )
            return int(gone.rowcount)


__all__ = [
    "CARTS",
    "GUEST_CARTS",
    "LINES",
    "SqlCartReads",
    "SqlCartRepository",
    "SqlGuestCartPurge",
]
