"""Helpers for the messaging tests: outbox rows written straight into the tables."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.messaging_tables import new_outbox_rows, outbox
from shop_app.shared.ports import OutboxMessage

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def make_message(n: int, type_: str = "test.thing_happened") -> OutboxMessage:
    return OutboxMessage(
        id=uuid.uuid4(),
        type=type_,
        payload={"n": n, "note": f"event {n}"},
        occurred_at=T0 + dt.timedelta(seconds=n),
        aggregate_type="Thing",
        aggregate_id=f"thing-{n}",
    )


async def insert_outbox(
    engine: AsyncEngine, messages: list[OutboxMessage], now: dt.datetime
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            outbox.insert(),
            new_outbox_rows(messages, now),
        )


async def outbox_rows(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(outbox).order_by(outbox.c.position))).all())
