"""RabbitMQ through aio-pika: a confirming publisher and an explicitly acknowledging consumer.

Topology: one durable topic exchange (``shop.events``); the routing key of a message is its type
and version (``ordering.order_placed.v1``, see :func:`~shop_adapters.messaging.amqp.routing_key`),
so a consumer binds its durable queue to the versions it decodes, or with patterns such as
``ordering.#``. Messages are persistent, so a durable queue keeps them across a broker restart
while its consumer is away.

Unroutable messages: published with ``mandatory=False``. An event nobody subscribed to yet is
normal on an event bus, not an error; the broker confirms it and drops it. (With
``mandatory=True`` the broker would return it and aio-pika would log or raise for each one.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
)

from shop_adapters.messaging import envelope
from shop_adapters.messaging.amqp import BatchChannel, OutgoingMessage, routing_key
from shop_adapters.messaging.contract import UndecodablePayload
from shop_adapters.messaging.envelope import MessageHandler
from shop_adapters.messaging.errors import PublishFailed, describe_error
from shop_app.shared.ports import OutboxMessage

log = logging.getLogger(__name__)

DEFAULT_EXCHANGE = "shop.events"
DEFAULT_QUEUE_ARGUMENTS: Mapping[str, Any] = {"x-queue-type": "quorum"}
"""What a consumer's queue is declared with unless told otherwise: a quorum queue, RabbitMQ's
durable queue type for messages that must not be lost; it also takes about half the broker CPU
per persistent message of a classic queue (ADR 0025)."""


async def _connect(
    url: str, connect_timeout: float, reconnect_interval: float
) -> AbstractRobustConnection:
    connection: AbstractRobustConnection = await aio_pika.connect_robust(
        url, timeout=connect_timeout, reconnect_interval=reconnect_interval
    )
    return connection


async def _declare_exchange(channel: AbstractRobustChannel, name: str) -> AbstractRobustExchange:
    exchange: AbstractRobustExchange = await channel.declare_exchange(
        name, aio_pika.ExchangeType.TOPIC, durable=True
    )
    return exchange


class RabbitMQPublisher:
    """An :class:`~shop_app.shared.ports.EventPublisher` for RabbitMQ with publisher confirms.

    ``publish`` sends the batch in order on one confirming channel — its frames in a single
    write (:class:`~shop_adapters.messaging.amqp.BatchChannel`) — and returns only when the
    broker confirmed every message; otherwise — refusal (nack), connection lost, broker down,
    no answer within ``timeout`` seconds — it raises :class:`PublishFailed`. Several calls may
    be in flight at once (the relay publishes its next batch while the broker confirms the
    last); their messages never interleave. The connection is opened on first use and is
    robust: after a loss it reconnects in the background every ``reconnect_interval`` seconds;
    publications in between fail fast enough (``timeout``) for the relay to back off and retry.
    """

    def __init__(
        self,
        url: str,
        exchange: str = DEFAULT_EXCHANGE,
        *,
        timeout: float = 10.0,
        reconnect_interval: float = 2.0,
    ) -> None:
        self._url = url
        self.exchange_name = exchange
        self._timeout = timeout
        self._reconnect_interval = reconnect_interval
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._batches: BatchChannel | None = None
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Open the connection, the confirming channel and the exchange (done lazily otherwise)."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._ensure_channel()
        except PublishFailed:
            raise
        except Exception as exc:
            raise PublishFailed(self._failure("connecting", exc)) from exc

    async def _ensure_channel(self) -> AbstractRobustChannel:
        async with self._lock:
            if self._channel is not None:
                return self._channel
            connection = await _connect(self._url, self._timeout, self._reconnect_interval)
            try:
                channel = await connection.channel(publisher_confirms=True)
                await _declare_exchange(channel, self.exchange_name)
            except BaseException:
                await connection.close()
                raise
            self._connection, self._channel = connection, channel
            return channel

    async def _batch_channel(self) -> BatchChannel:
        """The batch publisher of the channel's current underlying channel (a new one after
        the robust connection came back)."""
        channel = await self._ensure_channel()
        underlay = await channel.get_underlay_channel()
        if self._batches is None or self._batches.channel is not underlay:
            self._batches = BatchChannel(underlay, self.exchange_name)
        return self._batches

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        if not messages:
            return
        try:
            async with asyncio.timeout(self._timeout):
                batches = await self._batch_channel()
                await (await batches.publish([_outgoing(m) for m in messages]))
        except TimeoutError as exc:
            raise PublishFailed(
                f"the broker did not confirm {len(messages)} messages within {self._timeout}s"
            ) from exc
        except aiormq.exceptions.DeliveryError as exc:
            raise PublishFailed(
                f"the broker refused a message of {len(messages)} ({describe_error(exc, 300)})"
            ) from exc
        except Exception as exc:
            raise PublishFailed(self._failure(f"publishing {len(messages)} messages", exc)) from exc

    def _failure(self, what: str, exc: BaseException) -> str:
        return f"{what} on exchange {self.exchange_name!r} failed: {describe_error(exc, 300)}"

    async def close(self) -> None:
        async with self._lock:
            connection, self._connection, self._channel = self._connection, None, None
            self._batches = None
        if connection is not None:
            await connection.close()


def _outgoing(message: OutboxMessage) -> OutgoingMessage:
    return OutgoingMessage(
        routing_key=routing_key(message.type, message.version),
        body=envelope.encode(message),
        message_id=message.id,
        type=message.type,
        version=message.version,
        timestamp=message.occurred_at,
    )


class RabbitMQConsumer:
    """Consumes a durable queue bound to the event exchange, acknowledging explicitly.

    For each message the ``handler`` gets the decoded :class:`ReceivedMessage`. The message is
    acknowledged only after the handler returned. If the handler raises, the consumer waits
    ``requeue_delay`` seconds and rejects it with ``requeue=True``: the broker delivers it again
    (``redelivered`` set) — a failed message is never dropped. At most ``prefetch_count``
    messages are in flight at once; they are handled concurrently.

    A body that is not a message envelope, or a payload that does not fit its event's schema
    (the handler raised :class:`~shop_adapters.messaging.contract.UndecodablePayload`), can
    never succeed: it is rejected without requeue (the broker dead-letters it if the queue has a
    dead-letter exchange, see ``queue_arguments``) and logged.

    The queue is a quorum queue unless ``queue_arguments`` say otherwise
    (:data:`DEFAULT_QUEUE_ARGUMENTS`; pass ``{}`` for a classic queue, or to keep consuming a
    classic queue declared before — RabbitMQ refuses to declare a queue again with another type).

    If the consumer stops or the connection drops before the ack, the broker requeues the
    message itself. Handlers are therefore run at least once per message: make them idempotent
    with the inbox.
    """

    def __init__(
        self,
        url: str,
        queue: str,
        routing_keys: Iterable[str],
        handler: MessageHandler,
        *,
        exchange: str = DEFAULT_EXCHANGE,
        prefetch_count: int = 16,
        requeue_delay: float = 1.0,
        timeout: float = 10.0,
        reconnect_interval: float = 2.0,
        queue_arguments: Mapping[str, Any] | None = None,
    ) -> None:
        if not 1 <= prefetch_count <= 1000:
            raise ValueError("prefetch_count must be between 1 and 1000")
        self._url = url
        self.queue_name = queue
        self.routing_keys = tuple(routing_keys)
        self._handler = handler
        self.exchange_name = exchange
        self._prefetch_count = prefetch_count
        self._requeue_delay = requeue_delay
        self._timeout = timeout
        self._reconnect_interval = reconnect_interval
        self._queue_arguments = dict(
            DEFAULT_QUEUE_ARGUMENTS if queue_arguments is None else queue_arguments
        )
        self._connection: AbstractRobustConnection | None = None
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Declare the exchange, the durable queue and its bindings, and start consuming."""
        if self._connection is not None:
            return
        async with asyncio.timeout(self._timeout):
            connection = await _connect(self._url, self._timeout, self._reconnect_interval)
            try:
                channel = await connection.channel()
                await channel.set_qos(prefetch_count=self._prefetch_count)
                exchange = await _declare_exchange(channel, self.exchange_name)
                queue = await channel.declare_queue(
                    self.queue_name, durable=True, arguments=self._queue_arguments or None
                )
                for key in self.routing_keys:
                    await queue.bind(exchange, routing_key=key)
                self._consumer_tag = await queue.consume(self._on_message, no_ack=False)
            except BaseException:
                await connection.close()
                raise
        self._connection, self._queue = connection, queue

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            received = envelope.decode(
                message.body,
                redelivered=bool(message.redelivered),
                routing_key=message.routing_key or "",
            )
        except ValueError as exc:
            log.error(
                "%s: rejected a message that is not an envelope (message_id=%s): %s",
                self.queue_name,
                message.message_id,
                describe_error(exc),
            )
            await self._settle(message.reject(requeue=False))
            return
        try:
            await self._handler(received)
        except UndecodablePayload as exc:
            log.error(
                "%s: rejected %s %s, its payload does not fit the event's schema: %s",
                self.queue_name,
                received.type,
                received.id,
                describe_error(exc),
            )
            await self._settle(message.reject(requeue=False))
            return
        except Exception as exc:
            log.warning(
                "%s: handler failed for %s %s, requeued in %.1fs: %s",
                self.queue_name,
                received.type,
                received.id,
                self._requeue_delay,
                describe_error(exc),
            )
            await asyncio.sleep(self._requeue_delay)
            await self._settle(message.reject(requeue=True))
            return
        await self._settle(message.ack())

    async def _settle(self, settlement: Any) -> None:
        try:
            await settlement
        except Exception as exc:
            # the channel is gone: the broker requeues unacknowledged messages by itself
            log.warning("%s: could not settle a message: %s", self.queue_name, describe_error(exc))

    async def close(self) -> None:
        """Stop consuming and close the connection; unacknowledged messages go back to the queue."""
        connection, queue, tag = self._connection, self._queue, self._consumer_tag
        self._connection, self._queue, self._consumer_tag = None, None, None
        if connection is None:
            return
        try:
            if queue is not None and tag is not None and not connection.is_closed:
                async with asyncio.timeout(self._timeout):
                    await queue.cancel(tag)
        except Exception as exc:
            log.debug(
                "%s: cancelling the consumer failed: %s", self.queue_name, describe_error(exc)
            )
        finally:
            await connection.close()
