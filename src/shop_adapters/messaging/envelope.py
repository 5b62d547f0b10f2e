"""The wire format of an integration message, shared by every broker adapter.

A message travels as JSON ``{"id", "type", "aggregate_type", "aggregate_id", "occurred_at",
"payload"}``; ``id`` is also the AMQP ``message_id`` and ``type`` the AMQP ``type`` and routing key.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs

from shop_app.shared.ports import OutboxMessage


@attrs.frozen
class ReceivedMessage:
    """A message as a consumer sees it: the outbox message, decoded, and how it arrived.

    ``redelivered`` is the broker's hint that the message may have been seen before; the inbox,
    not this flag, is what makes handling idempotent.
    """

    id: uuid.UUID
    type: str
    aggregate_type: str
    aggregate_id: str
    occurred_at: dt.datetime
    payload: Mapping[str, Any]
    redelivered: bool = False
    routing_key: str = ""

    @classmethod
    def of(cls, message: OutboxMessage, *, redelivered: bool = False) -> ReceivedMessage:
        return cls(
            id=message.id,
            type=message.type,
            aggregate_type=message.aggregate_type,
            aggregate_id=message.aggregate_id,
            occurred_at=message.occurred_at,
            payload=message.payload,
            redelivered=redelivered,
            routing_key=message.type,
        )


MessageHandler = Callable[[ReceivedMessage], Awaitable[None]]
"""What a consumer runs for each message (in-memory subscription or broker consumer alike)."""


def encode(message: OutboxMessage) -> bytes:
    body = {
        "id": str(message.id),
        "type": message.type,
        "aggregate_type": message.aggregate_type,
        "aggregate_id": message.aggregate_id,
        "occurred_at": message.occurred_at.isoformat(),
        "payload": dict(message.payload),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def decode(body: bytes, *, redelivered: bool = False, routing_key: str = "") -> ReceivedMessage:
    """Parse a body written by :func:`encode`; raises ``ValueError`` if it is not one."""
    try:
        data = json.loads(body)
        return ReceivedMessage(
            id=uuid.UUID(data["id"]),
            type=str(data["type"]),
            aggregate_type=str(data["aggregate_type"]),
            aggregate_id=str(data["aggregate_id"]),
            occurred_at=dt.datetime.fromisoformat(data["occurred_at"]),
            payload=dict(data["payload"]),
            redelivered=redelivered,
            routing_key=routing_key,
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"not a shop message envelope: {type(exc).__name__}") from exc
