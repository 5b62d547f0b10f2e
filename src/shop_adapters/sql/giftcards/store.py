"""Bulk storage of new gift cards (GC-1, GC-13) and the rows of an export (GC-12), over an
``AsyncEngine``: the ``CardStore`` and ``ExportSource`` ports.

:class:`SqlCardStore` writes each chunk in one short transaction: lock the batch row, insert at
most ``requested - generated`` cards — any whose number some card of any batch already has is
skipped (``ON CONFLICT (number) DO NOTHING``) — count what went in, and move the batch's
``generated`` and ``version`` on. Memory holds one chunk.

On PostgreSQL the chunk travels as three array parameters (ids, numbers, sealed secrets) on the
raw asyncpg connection, inside the transaction SQLAlchemy began: ``INSERT … SELECT … FROM
unnest($1::uuid[], $2::text[], $3::bytea[]) … ON CONFLICT (number) DO NOTHING``, one statement
and one round trip; the batch's values (face value, currency, sales state) are scalar
parameters. The cards are sent sorted by number, so the three number indexes are filled in key
order. Measured on two busy cores (PostgreSQL 15 on the same machine): 1,000,000 cards in chunks
of 20,000 took 36.2 s (median 700 ms a chunk) against 35.3 s for one ``COPY`` of the same rows
into the same table, commit included (ratio 1.03). Nearly all of it is PostgreSQL maintaining
the indexes; the foreign key to the batch is about a fifth of each chunk (checked at commit),
and ``ON CONFLICT`` costs no more than checking the numbers first and inserting plainly. SQLite
takes an ``executemany`` of the same upsert on the driver.

:class:`SqlExportSource` reads keyset pages over ``(batch_id, number)``: each page is one short
read-only query, so no connection is held while the export writes its file.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop_adapters.sql.engine import reader
from shop_adapters.sql.giftcards.tables import giftcard_batches, giftcards
from shop_app.giftcards.ports import CardChunk, ExportRow
from shop_domain.giftcards.batch import CardKind
from shop_domain.giftcards.card import CardState, SalesState, sales_state_for
from shop_domain.giftcards.errors import BatchNotFound
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.shared.money import Money

_LOOKUP_CHUNK = 5000

_SQLITE_INSERT = (
    "INSERT INTO giftcards (id, number, secret_blob, batch_id, secret_key_id, "
    "face_value_minor, balance_minor, currency, state, sales_state, created_at, version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (number) DO NOTHING"
)

_PG_INSERT = (
    "INSERT INTO giftcards (id, batch_id, number, secret_key_id, secret_blob, "
    "face_value_minor, balance_minor, currency, state, sales_state, created_at, version) "
    "SELECT given.id, $4::uuid, given.number, $5::text, given.blob, "
    "$6::bigint, $6::bigint, $7::text, 'pending', $8::text, $9::timestamptz, 1 "
    "FROM unnest($1::uuid[], $2::text[], $3::bytea[]) AS given(id, number, blob) "
    "ON CONFLICT (number) DO NOTHING"
)


class SqlCardStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    async def insert_chunk(self, batch_id: uuid.UUID, chunk: CardChunk, now: dt.datetime) -> int:
        if now.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware UTC time")
        # a number twice in one chunk goes in once (the first card with it)
        first: dict[str, int] = {}
        for index, number in enumerate(chunk.numbers):
            first.setdefault(number, index)
        b = giftcard_batches.c
        async with self._engine.begin() as conn:
            batch = (
                await conn.execute(
                    select(b.requested, b.generated, b.kind, b.face_value_minor, b.currency)
                    .where(b.id == batch_id)
                    .with_for_update()
                )
            ).one_or_none()
            if batch is None:
                raise BatchNotFound(batch_id)
            room = batch.requested - batch.generated
            if room <= 0 or not first:
                return 0
            numbers = list(first)
            if len(numbers) > room:  # keep the first cards whose numbers are free, up to room
                taken = await self._taken(conn, numbers, postgres=self._postgres)
                numbers = [number for number in numbers if number not in taken][:room]
                if not numbers:
                    return 0
            numbers.sort()  # B-tree friendly; which cards go in is decided above
            rows = [first[number] for number in numbers]
            ids = [chunk.ids[i] for i in rows]
            sealed = [chunk.sealed[i] for i in rows]
            sales_state = sales_state_for(CardKind(batch.kind))
            values = (
                batch_id,
                chunk.key_id,
                int(batch.face_value_minor),
                str(batch.currency),
                sales_state,
                now,
            )
            if self._postgres:
                inserted = await self._insert_postgres(conn, ids, numbers, sealed, values)
            else:
                inserted = await self._insert_sqlite(conn, ids, numbers, sealed, values)
            if inserted:
                await conn.execute(
                    update(giftcard_batches)
                    .where(b.id == batch_id)
                    .values(generated=b.generated + inserted, version=b.version + 1)
                )
            return inserted

    @staticmethod
    async def _taken(conn: AsyncConnection, numbers: list[str], *, postgres: bool) -> set[str]:
        c = giftcards.c
        if postgres:  # one array parameter
            wanted = bindparam("numbers", numbers, type_=ARRAY(c.number.type))
            rows = await conn.execute(select(c.number).where(c.number == any_(wanted)))
            return {row.number for row in rows}
        taken: set[str] = set()
        for start in range(0, len(numbers), _LOOKUP_CHUNK):
            part = numbers[start : start + _LOOKUP_CHUNK]
            rows = await conn.execute(select(c.number).where(c.number.in_(part)))
            taken.update(row.number for row in rows)
        return taken

    @staticmethod
    async def _insert_postgres(
        conn: AsyncConnection,
        ids: list[uuid.UUID],
        numbers: list[str],
        sealed: list[bytes],
        values: tuple[uuid.UUID, str, int, str, SalesState, dt.datetime],
    ) -> int:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg's, inside the transaction begun above
        batch_id, key_id, face_value_minor, currency, sales_state, now = values
        status: str = await driver.execute(
            _PG_INSERT,
            ids,
            numbers,
            sealed,
            batch_id,
            key_id,
            face_value_minor,
            currency,
            sales_state.value,
            now,
        )
        return int(status.rsplit(" ", 1)[-1])  # "INSERT 0 <rows>"

    @staticmethod
    async def _insert_sqlite(
        conn: AsyncConnection,
        ids: list[uuid.UUID],
        numbers: list[str],
        sealed: list[bytes],
        values: tuple[uuid.UUID, str, int, str, SalesState, dt.datetime],
    ) -> int:
        """One ``executemany`` on the driver, the values already in their stored form (each
        column type's own bind processor, applied here once per value rather than by the
        statement per row and column: a third of the time of a 20,000-card chunk)."""
        batch_id, key_id, face_value_minor, currency, sales_state, now = values
        c = giftcards.c
        to_id = _bind(conn, c.id)
        constant = (
            _bind(conn, c.batch_id)(batch_id),
            key_id,
            face_value_minor,
            face_value_minor,
            currency,
            _bind(conn, c.state)(CardState.PENDING),
            _bind(conn, c.sales_state)(sales_state),
            _bind(conn, c.created_at)(now),
        )
        rows = [
            (to_id(card_id), number, blob, *constant)
            for card_id, number, blob in zip(ids, numbers, sealed, strict=True)
        ]
        changes = "SELECT total_changes()"
        before = (await conn.exec_driver_sql(changes)).scalar_one()
        await conn.exec_driver_sql(_SQLITE_INSERT, rows)
        after = (await conn.exec_driver_sql(changes)).scalar_one()
        return int(after - before)


def _bind(conn: AsyncConnection, column: Any) -> Callable[[Any], Any]:
    """``column``'s bind processor on this connection's dialect (identity if it has none)."""
    dialect = conn.dialect
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else (lambda value: value)


class SqlExportSource:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reader(engine)
        self._postgres = engine.dialect.name == "postgresql"

    async def rows(
        self,
        batch_id: uuid.UUID,
        card_ids: Sequence[uuid.UUID] | None,
        *,
        after: str | None,
        limit: int,
    ) -> list[ExportRow]:
        if limit < 1:
            return []
        c = giftcards.c
        statement = select(
            c.id,
            c.number,
            c.secret_key_id,
            c.secret_blob,
            c.face_value_minor,
            c.currency,
            c.state,
        ).where(c.batch_id == batch_id)
        if card_ids is not None:
            if not card_ids:
                return []
            wanted = sorted(set(card_ids))
            if self._postgres:
                statement = statement.where(
                    c.id == any_(bindparam("card_ids", wanted, type_=ARRAY(c.id.type)))
                )
            else:
                statement = statement.where(c.id.in_(wanted))
        if after is not None:
            statement = statement.where(c.number > after)
        statement = statement.order_by(c.number).limit(limit)
        async with self._engine.connect() as conn:
            found = (await conn.execute(statement)).all()
        return [
            ExportRow(
                card_id=row.id,
                number=row.number,
                secret=SealedSecret(row.secret_key_id, bytes(row.secret_blob)),
                face_value=Money(int(row.face_value_minor), row.currency),
                state=CardState(row.state).value,
            )
            for row in found
        ]
