"""What is left of the hand-written memory adapters: the outbox that ``MemoryOutboxRelay``
(``shop_adapters.messaging.relay``) reads. ``memory://`` no longer uses it — it is an in-memory
SQLite database run by the SQL adapters (:mod:`shop_adapters.sql.memory`, ADR 0028) — and this
module goes with the memory relay."""

from __future__ import annotations

import asyncio
import datetime as dt

import attrs

from shop_app.shared.ports import OutboxMessage


@attrs.define
class OutboxRow:
    message: OutboxMessage
    position: int
    sent_at: dt.datetime | None = None


class MemoryDatabase:
    """An outbox in process memory (the memory relay's test double)."""

    def __init__(self) -> None:
        self.outbox: list[OutboxRow] = []
        self.lock = asyncio.Lock()
