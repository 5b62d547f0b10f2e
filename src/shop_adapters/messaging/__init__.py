"""Messaging: the transactional outbox carried to a broker, at least once.

The guarantees, end to end:

- **No dual writes.** The unit of work writes a committed aggregate's events to the ``outbox`` in
  the same transaction; there is no event without its change, nor a change without its event.
- **Nothing lost.** :class:`OutboxRelay` publishes outbox rows (``memory://`` included)
  through an :class:`~shop_app.shared.ports.EventPublisher` and mark a row sent only after the
  broker confirmed it. A failed publication is recorded (``attempts``, ``last_error``,
  ``next_attempt_at`` with capped exponential backoff and jitter) and retried until it succeeds.
- **Several relays at once.** On PostgreSQL each batch is taken ``FOR UPDATE SKIP LOCKED``; on
  SQLite a short claim transaction leases the rows. Relays that stay alive never publish a row
  twice.
- **At least once, not exactly once.** A relay that dies between the broker's confirm and its
  commit publishes those rows again, and a consumer may see a message twice (requeue, lost ack).
  Consumers deduplicate by message id with :class:`Inbox` / :class:`MemoryInbox`, which record the
  id in the same transaction as the handler's effects.
- **A contract on the wire.** Outbox rows carry integration events (a type, a version and an
  explicit payload, :mod:`shop_app.shared.integration`); :class:`Subscriber` decodes them by
  (type, version) for a consumer, through the inbox; ``docs/asyncapi.json`` lists them
  (:mod:`shop_adapters.messaging.asyncapi`).
- **Consumers never drop a failed message.** :class:`RabbitMQConsumer` acknowledges after the
  handler succeeded and requeues (after a short delay) when it fails.
- **Order** is kept within a batch, not across retries: consumers must not depend on it.

Brokers: :class:`InMemoryPublisher` (the embedded default, with in-process subscriptions) and
:class:`RabbitMQPublisher` (durable topic exchange, persistent messages, publisher confirms).
"""

from shop_adapters.messaging.contract import UndecodablePayload
from shop_adapters.messaging.envelope import MessageHandler, ReceivedMessage
from shop_adapters.messaging.errors import PublishFailed
from shop_adapters.messaging.inbox import Inbox, MemoryInbox, Subscriber
from shop_adapters.messaging.memory import InMemoryPublisher
from shop_adapters.messaging.rabbitmq import RabbitMQConsumer, RabbitMQPublisher
from shop_adapters.messaging.relay import OutboxRelay, backoff_delay

__all__ = [
    "InMemoryPublisher",
    "MemoryInbox",
    "Inbox",
    "MessageHandler",
    "OutboxRelay",
    "PublishFailed",
    "RabbitMQConsumer",
    "RabbitMQPublisher",
    "ReceivedMessage",
    "Subscriber",
    "UndecodablePayload",
    "backoff_delay",
]
