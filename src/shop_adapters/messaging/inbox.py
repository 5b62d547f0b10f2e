"""Idempotent consumption: a consumer records each message id it handled, in the same
transaction as the handler's own writes, so a redelivered message changes nothing twice.

:class:`Subscriber` is how a consumer (a context reacting to another's events) takes integration
events: it names the event classes it handles, gets the routing keys to bind its queue with,
and receives each message decoded by (type, version) into that class, once, through the inbox.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop_adapters.messaging.amqp import routing_key
from shop_adapters.messaging.contract import decode_payload
from shop_adapters.messaging.envelope import ReceivedMessage
from shop_adapters.shared.system import SystemClock
from shop_adapters.sql.messaging_tables import inbox
from shop_app.shared.integration import IntegrationEvent
from shop_app.shared.ports import Clock

log = logging.getLogger(__name__)

SqlHandler = Callable[[AsyncConnection], Awaitable[None]]


class Inbox:
    """The SQL inbox (table ``inbox``, key ``(consumer, message_id)``).

    ``handle_once`` opens one transaction, inserts the key with ``ON CONFLICT DO NOTHING`` and,
    only if the row is new, runs the handler on the same connection; the handler's writes and the
    inbox row commit together or not at all. A handler error rolls both back and propagates, so
    the broker redelivers and the message is handled again from scratch.

    Two deliveries of one message racing each other: on PostgreSQL the second insert waits for
    the first transaction and then does nothing (or inserts, if the first rolled back); on SQLite
    ``BEGIN IMMEDIATE`` runs them one after the other.
    """

    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock: Clock = clock or SystemClock()
        dialect = engine.dialect.name
        if dialect == "postgresql":
            self._insert: Any = postgresql.insert
        elif dialect == "sqlite":
            self._insert = sqlite.insert
        else:  # pragma: no cover - the two supported backends
            raise ValueError(f"the inbox supports PostgreSQL and SQLite, not {dialect}")

    async def handle_once(self, consumer: str, message_id: uuid.UUID, handler: SqlHandler) -> bool:
        """Run ``handler`` unless ``consumer`` handled ``message_id`` before; ``True`` if it ran."""
        statement = (
            self._insert(inbox)
            .values(consumer=consumer, message_id=message_id, handled_at=self._clock.now())
            .on_conflict_do_nothing(index_elements=[inbox.c.consumer, inbox.c.message_id])
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(statement)
            if result.rowcount == 0:
                log.debug("%s: message %s already handled, skipped", consumer, message_id)
                return False
            await handler(conn)
        return True

    async def was_handled(self, consumer: str, message_id: uuid.UUID) -> bool:
        async with self._engine.connect() as conn:
            found = await conn.scalar(
                inbox.select()
                .with_only_columns(inbox.c.message_id)
                .where(inbox.c.consumer == consumer, inbox.c.message_id == message_id)
            )
        return found is not None


E = TypeVar("E", bound=IntegrationEvent)
EventHandler = Callable[[E, ReceivedMessage, AsyncConnection], Awaitable[None]]
"""A consumer's reaction to one integration event: the event, the message that carried it, and
the open transaction in which the inbox records it (write through it)."""


class _Route(Generic[E]):
    def __init__(self, cls: type[E], handler: EventHandler[E]) -> None:
        self.cls, self.handler = cls, handler


class Subscriber:
    """A consumer of integration events through the SQL :class:`Inbox`.

    ``subscriber.on(CardSpentV1, handler)`` for each (type, version) it decodes; bind the queue
    with :attr:`routing_keys` (``giftcards.card_spent.v1``…) and give the subscriber to a
    :class:`~shop_adapters.messaging.rabbitmq.RabbitMQConsumer` (or an in-process
    subscription) as its message handler. For each message it:

    - ignores (and acknowledges) a (type, version) it did not subscribe to — a queue bound with a
      pattern sees others; a new version needs its own ``on``;
    - decodes the payload into the event class, checked against its schema; a payload that does
      not fit raises ``UndecodablePayload``, which the consumer rejects without requeue (a
      poison message: retrying cannot help);
    - runs the handler once per message id for this consumer (``Inbox.handle_once``): the
      handler's writes and the inbox row commit together.
    """

    def __init__(self, inbox: Inbox, consumer: str) -> None:
        self._inbox = inbox
        self.consumer = consumer
        self._routes: dict[tuple[str, int], _Route[Any]] = {}

    def on(self, cls: type[E], handler: EventHandler[E]) -> None:
        key = (cls.type, cls.version)
        if key in self._routes:
            raise ValueError(f"{self.consumer} already handles {cls.type} v{cls.version}")
        self._routes[key] = _Route(cls, handler)

    @property
    def routing_keys(self) -> list[str]:
        return sorted(routing_key(name, version) for name, version in self._routes)

    async def __call__(self, message: ReceivedMessage) -> None:
        route = self._routes.get((message.type, message.version))
        if route is None:
            log.debug(
                "%s: no handler for %s v%s, ignored", self.consumer, message.type, message.version
            )
            return
        event = decode_payload(route.cls, message.payload)

        async def handle(conn: AsyncConnection) -> None:
            await route.handler(event, message, conn)

        await self._inbox.handle_once(self.consumer, message.id, handle)


MemoryHandler = Callable[[], Awaitable[None]]


class MemoryInbox:
    """The in-memory inbox: the same promise for handlers whose effects live in memory.

    The key is recorded only after the handler succeeded; concurrent deliveries of one message
    wait for each other, so the handler never runs twice for a key (nor twice at once).
    """

    def __init__(self) -> None:
        self.handled: set[tuple[str, uuid.UUID]] = set()
        self._locks: dict[tuple[str, uuid.UUID], tuple[asyncio.Lock, int]] = {}

    async def handle_once(
        self, consumer: str, message_id: uuid.UUID, handler: MemoryHandler
    ) -> bool:
        key = (consumer, message_id)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                if key in self.handled:
                    return False
                await handler()
                self.handled.add(key)
                return True
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def was_handled(self, consumer: str, message_id: uuid.UUID) -> bool:
        return (consumer, message_id) in self.handled
