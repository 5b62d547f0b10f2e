"""What :class:`~shop_testing.contracts.backend.SqlBackend` reads and writes on our tables past
the application: the outbox and the stored codes and cards a suite inspects, and the changes
sent by hand that the database's own guards (a CHECK, the ledgers' triggers) must refuse."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.giftcards.tables import (
    giftcard_activations,
    giftcard_operations,
    giftcards,
)
from shop_adapters.sql.loyalty.tables import points_entries
from shop_adapters.sql.messaging_tables import outbox as outbox_table
from shop_adapters.sql.otp import one_time_codes as one_time_codes_table

LEDGERS = {
    "operations": giftcard_operations,
    "activations": giftcard_activations,
    "points": points_entries,
}


async def outbox(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        query = select(outbox_table).order_by(outbox_table.c.position)
        return list((await conn.execute(query)).all())


async def one_time_codes(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(one_time_codes_table))).mappings().all()
    return [dict(row) for row in rows]


async def cards(engine: AsyncEngine) -> list[Any]:
    query = select(giftcards.c.id, giftcards.c.batch_id, giftcards.c.number).order_by(
        giftcards.c.number
    )
    async with engine.connect() as conn:
        return list((await conn.execute(query)).all())


async def operation_actions(engine: AsyncEngine) -> list[str]:
    query = select(giftcard_operations.c.action).order_by(
        giftcard_operations.c.at, giftcard_operations.c.id
    )
    async with engine.connect() as conn:
        return list((await conn.execute(query)).scalars().all())


async def set_card_balance(engine: AsyncEngine, card_id: uuid.UUID, balance_minor: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(giftcards).where(giftcards.c.id == card_id).values(balance_minor=balance_minor)
        )


async def add_activation(
    engine: AsyncEngine,
    activation_id: uuid.UUID,
    batch_id: uuid.UUID,
    card_id: uuid.UUID,
    number: str,
    at: dt.datetime,
) -> None:
    row = {
        "id": activation_id,
        "batch_id": batch_id,
        "card_id": card_id,
        "number": number,
        "amount_minor": 100,
        "currency": "CNY",
        "user_id": None,
        "phone": "13900000000",
        "via": "manual",
        "actor": "op",
        "at": at,
    }
    async with engine.begin() as conn:
        await conn.execute(giftcard_activations.insert().values(**row))


async def change_ledger(engine: AsyncEngine, ledger: str, change: str) -> None:
    table = LEDGERS[ledger]
    statement = (
        table.update().values(actor="someone else") if change == "update" else table.delete()
    )
    async with engine.begin() as conn:
        await conn.execute(statement)
