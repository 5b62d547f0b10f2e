"""The batch publisher's frames are the very bytes pamqp (aio-pika's own marshalling) makes for
the same messages, bodies split by the negotiated frame size included."""

from __future__ import annotations

import datetime as dt
import uuid

import pamqp.frame
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pamqp import commands
from pamqp.body import ContentBody
from pamqp.header import ContentHeader

from shop_adapters.messaging.amqp import FrameEncoder, OutgoingMessage, routing_key

EXCHANGE = "shop.events"


def _reference(message: OutgoingMessage, channel: int, max_content: int) -> bytes:
    properties = commands.Basic.Properties(
        content_type="application/json",
        content_encoding="utf-8",
        headers={"version": message.version},
        delivery_mode=2,
        message_id=str(message.message_id),
        timestamp=message.timestamp,
        message_type=message.type,
        app_id="shop",
    )
    frames: list[object] = [
        commands.Basic.Publish(exchange=EXCHANGE, routing_key=message.routing_key),
        ContentHeader(0, len(message.body), properties),
    ]
    body = message.body
    frames += [ContentBody(body[i : i + max_content]) for i in range(0, len(body), max_content)]
    return b"".join(pamqp.frame.marshal(frame, channel) for frame in frames)  # type: ignore[arg-type]


event_types = st.from_regex(r"[a-z]{1,12}\.[a-z_]{1,40}", fullmatch=True)


@given(
    event_type=event_types,
    version=st.integers(min_value=1, max_value=70_000),
    body=st.binary(max_size=3_000),
    seconds=st.integers(min_value=0, max_value=4_000_000_000),
    channel=st.integers(min_value=1, max_value=2047),
    max_content=st.sampled_from([1, 7, 1_000, 131_064]),
)
def test_frames_equal_pamqps(
    event_type: str, version: int, body: bytes, seconds: int, channel: int, max_content: int
) -> None:
    message = OutgoingMessage(
        routing_key=routing_key(event_type, version),
        body=body,
        message_id=uuid.uuid4(),
        type=event_type,
        version=version,
        timestamp=dt.datetime.fromtimestamp(seconds + 0.75, dt.UTC),
    )
    encoder = FrameEncoder(EXCHANGE, channel, max_content)
    expected = _reference(message, channel, max_content)
    assert encoder.encode(message) == expected
    assert encoder.encode(message) == expected  # from the caches, the same


def test_routing_key_names_type_and_version() -> None:
    assert routing_key("giftcards.card_spent", 1) == "giftcards.card_spent.v1"


def test_a_type_too_long_for_amqp_is_refused() -> None:
    message = OutgoingMessage(
        routing_key="x.y.v1",
        body=b"{}",
        message_id=uuid.uuid4(),
        type="x." + "y" * 300,
        version=1,
        timestamp=dt.datetime.now(dt.UTC),
    )
    with pytest.raises(ValueError, match="255 bytes"):
        FrameEncoder(EXCHANGE, 1, 1000).encode(message)
