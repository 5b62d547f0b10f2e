"""``GiftCardQueries`` in SQL: Core selects over committed rows, never loading aggregates.

No view holds a secret (GC-11): the secret columns are never selected here. A card's state is
shown effective (GC-4, :mod:`~shop_adapters.sql.giftcards.queries_cards`). Lists are newest
first unless said otherwise, ties broken by id, so pages never overlap.

The methods are grouped by view, one module each: batches and cards (``queries_cards``),
activations, usages and history (``queries_records``), exports (``queries_exports``); the
lookup of one card, which shows all of them at once, is here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from shop_adapters.sql.giftcards.queries_cards import CARD_COLUMNS, CARDS, CardQueries, card_view
from shop_adapters.sql.giftcards.queries_exports import ExportQueries
from shop_adapters.sql.giftcards.queries_records import (
    ACTIVATION_COLUMNS,
    ACTIVATIONS,
    RecordQueries,
    activation_view,
    created_entry,
    operation_view,
    usage_view,
)
from shop_adapters.sql.giftcards.tables import (
    giftcard_activations,
    giftcard_operations,
    giftcard_usages,
    giftcards,
)
from shop_app.giftcards.queries import CardLookup
from shop_domain.giftcards.numbers import normalise_number

C = giftcards.c
A = giftcard_activations.c
U = giftcard_usages.c
O = giftcard_operations.c  # noqa: E741


class SqlGiftCardQueries(CardQueries, RecordQueries, ExportQueries):
    """``GiftCardQueries`` over an ``AsyncEngine`` (committed state only; read-only
    transactions, which on SQLite never wait for a writer)."""

    async def lookup(self, number: str, now: dt.datetime) -> CardLookup | None:
        number = normalise_number(number)
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(*CARD_COLUMNS).select_from(CARDS).where(C.number == number)
                )
            ).one_or_none()
            if row is None:
                return None
            batch = await self._batch(conn, row.batch_id)
            activation = (
                await conn.execute(
                    select(*ACTIVATION_COLUMNS)
                    .select_from(ACTIVATIONS)
                    .where(A.card_id == row.id)
                    .order_by(A.at.desc(), A.id.desc())
                    .limit(1)
                )
            ).one_or_none()
            usages = (
                await conn.execute(
                    select(giftcard_usages)
                    .where(U.card_id == row.id)
                    .order_by(U.created_at.desc(), U.id.desc())
                )
            ).all()
            operations = (
                await conn.execute(
                    select(giftcard_operations).where(O.card_id == row.id).order_by(O.at, O.id)
                )
            ).all()
        assert batch is not None  # a card's batch is never deleted
        return CardLookup(
            card=card_view(row, now),
            batch=batch,
            activation=None if activation is None else activation_view(activation, now),
            usages=tuple(usage_view(u) for u in usages),
            operations=(created_entry(row), *(operation_view(o) for o in operations)),
        )
