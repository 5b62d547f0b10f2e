"""Ports the application needs from the outside world, as Protocols."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs


@runtime_checkable
class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> uuid.UUID: ...


@attrs.frozen
class OutboxMessage:
    """One integration event on its way out: written in the aggregate's transaction, sent later.

    ``type`` and ``version`` name the event's contract (``giftcards.card_spent``, 1) and
    ``payload`` is its JSON-compatible content; ``aggregate_type`` is the stable name of the
    aggregate it is about (``giftcards.card``). See :mod:`shop_app.shared.integration`.
    """

    id: uuid.UUID
    type: str
    payload: Mapping[str, Any]
    occurred_at: dt.datetime
    aggregate_type: str
    aggregate_id: str
    version: int = 1


class EventPublisher(Protocol):
    """Sends integration messages to a broker. At-least-once: a message may arrive twice, so
    consumers deduplicate by ``message.id`` (see :class:`InboxStore`)."""

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        """Publish every message or raise; on return the broker has confirmed them all."""
        ...

    async def close(self) -> None: ...


class IdempotencyStore(Protocol):
    """Remembers the outcome of a command by (scope, key) in the command's own transaction."""

    async def get(self, scope: str, key: str) -> StoredOutcome | None: ...

    async def put(self, scope: str, key: str, outcome: StoredOutcome) -> None:
        """Record the outcome; raises ``IdempotencyKeyInUse`` if another transaction did first."""
        ...


@attrs.frozen
class StoredOutcome:
    fingerprint: str
    result: Any
    created_at: dt.datetime
