"""The in-memory publisher: the embedded default's event bus, and a fake for tests.

Subscriptions run in process: ``publish`` hands each message to the callbacks subscribed to its
type (and to ``"*"``) and returns once they all succeeded, which is this publisher's
"confirmation". If a callback fails, ``publish`` raises :class:`PublishFailed` and the relay
publishes the batch again later — so callbacks, like broker consumers, must be idempotent (use
:class:`~shop_adapters.messaging.inbox.MemoryInbox` or the SQL ``Inbox``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from shop_adapters.messaging.envelope import MessageHandler, ReceivedMessage
from shop_adapters.messaging.errors import PublishFailed, describe_error
from shop_app.shared.ports import OutboxMessage

log = logging.getLogger(__name__)

ALL = "*"


class InMemoryPublisher:
    """An :class:`~shop_app.shared.ports.EventPublisher` that keeps what it published.

    ``published`` lists every confirmed message in publication order (a batch that failed adds
    nothing). ``fail_next(n)`` makes the next ``n`` calls of ``publish`` fail and
    ``fail_always()`` / ``recover()`` switch failure on and off: a broker that is down.
    """

    def __init__(self) -> None:
        self.published: list[OutboxMessage] = []
        self.calls = 0
        self.closed = False
        self._subscribers: dict[str, list[MessageHandler]] = {}
        self._fail_next = 0
        self._fail_always = False

    # --- test controls --------------------------------------------------------------------
    def fail_next(self, times: int = 1) -> None:
        self._fail_next = times

    def fail_always(self) -> None:
        self._fail_always = True

    def recover(self) -> None:
        self._fail_always = False
        self._fail_next = 0

    @property
    def published_ids(self) -> list[uuid.UUID]:
        return [message.id for message in self.published]

    # --- subscriptions --------------------------------------------------------------------
    def subscribe(self, message_type: str, handler: MessageHandler) -> None:
        """Run ``handler`` for every published message of ``message_type`` (``"*"``: all)."""
        self._subscribers.setdefault(message_type, []).append(handler)

    def unsubscribe(self, message_type: str, handler: MessageHandler) -> None:
        handlers = self._subscribers.get(message_type, [])
        if handler in handlers:
            handlers.remove(handler)

    # --- EventPublisher -------------------------------------------------------------------
    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        self.calls += 1
        if self.closed:
            raise PublishFailed("the in-memory publisher is closed")
        if self._fail_always or self._fail_next > 0:
            self._fail_next = max(0, self._fail_next - 1)
            raise PublishFailed("the in-memory broker is down (simulated)")
        for message in messages:
            handlers = [*self._subscribers.get(message.type, ()), *self._subscribers.get(ALL, ())]
            received = ReceivedMessage.of(message)
            for handler in handlers:
                try:
                    await handler(received)
                except Exception as exc:
                    log.warning(
                        "in-process subscriber %r failed for a %s message: %s",
                        handler,
                        message.type,
                        describe_error(exc),
                    )
                    raise PublishFailed(
                        f"a subscriber of {message.type!r} failed: {type(exc).__name__}"
                    ) from exc
            self.published.append(message)

    async def close(self) -> None:
        self.closed = True
