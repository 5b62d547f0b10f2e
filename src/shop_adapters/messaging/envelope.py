"""The wire format of an integration message, shared by every broker adapter.

A message travels as the JSON object ``{"id", "type", "version", "aggregate_type",
"aggregate_id", "occurred_at", "payload"}`` (in that order, no spaces; ``occurred_at`` in RFC 3339,
UTC as ``Z``). ``type`` and ``version`` name the integration event and its payload schema
(:mod:`shop_app.shared.integration`, ``docs/asyncapi.json``). On RabbitMQ ``id`` is also the
AMQP ``message_id``, ``type`` the AMQP ``type``, the version a ``version`` header, and the routing
key is ``<type>.v<version>`` (:func:`routing_key`).

Encoding and decoding use msgspec; a body without ``version`` (written before versions existed)
is version 1.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
import msgspec

from shop_app.shared.ports import OutboxMessage


def routing_key(event_type: str, version: int) -> str:
    """The routing key of an integration event: ``giftcards.card_spent.v1``.

    Consumers bind to one version of one event (``giftcards.card_spent.v1``), to every version
    of it (``giftcards.card_spent.*``) or to a whole context (``giftcards.#``); a new version of
    an event never reaches a queue bound to the old one.
    """
    return f"{event_type}.v{version}"


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
    version: int = 1

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
            routing_key=routing_key(message.type, message.version),
            version=message.version,
        )


MessageHandler = Callable[[ReceivedMessage], Awaitable[None]]
"""What a consumer runs for each message (in-memory subscription or broker consumer alike)."""


class Envelope(msgspec.Struct, frozen=True):
    """The body of a message (see the module's docstring)."""

    id: uuid.UUID
    type: str
    version: int
    aggregate_type: str
    aggregate_id: str
    occurred_at: dt.datetime
    payload: dict[str, Any]


class _Incoming(msgspec.Struct, frozen=True):
    id: uuid.UUID
    type: str
    aggregate_type: str
    aggregate_id: str
    occurred_at: dt.datetime
    payload: dict[str, Any]
    version: int = 1


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(_Incoming)


def encode(message: OutboxMessage) -> bytes:
    return _encoder.encode(
        Envelope(
            id=message.id,
            type=message.type,
            version=message.version,
            aggregate_type=message.aggregate_type,
            aggregate_id=message.aggregate_id,
            occurred_at=message.occurred_at,
            payload=message.payload,  # type: ignore[arg-type]  # any mapping encodes alike
        )
    )


def decode(body: bytes, *, redelivered: bool = False, routing_key: str = "") -> ReceivedMessage:
    """Parse a body written by :func:`encode`; raises ``ValueError`` if it is not one."""
    try:
        data = _decoder.decode(body)
    except msgspec.MsgspecError as exc:
        raise ValueError(f"not a shop message envelope: {exc}") from exc
    if data.occurred_at.tzinfo is None:
        raise ValueError("not a shop message envelope: occurred_at has no time zone")
    return ReceivedMessage(
        id=data.id,
        type=data.type,
        aggregate_type=data.aggregate_type,
        aggregate_id=data.aggregate_id,
        occurred_at=data.occurred_at,
        payload=data.payload,
        redelivered=redelivered,
        routing_key=routing_key,
        version=data.version,
    )
