"""The AsyncAPI 3.0 document of the shop's integration events, generated from their registry.

One channel per (type, version) — its address is the routing key on the ``shop.events`` topic
exchange (``giftcards.card_spent.v1``) — one ``send`` operation each (the shop publishes), and one
message each whose payload is the envelope (:mod:`shop_adapters.messaging.envelope`) with the
event's own schema (:func:`~shop_adapters.messaging.contract.event_schema`) as ``payload``.

The document is served by the HTTP app at ``GET /schema/asyncapi.json`` and kept in
``docs/asyncapi.json`` with ``docs/events.lock.json`` beside it; ``shop events docs`` rewrites
both (and refuses to change the hash of a published version), ``shop events docs --check`` says
whether they are current. Tests fail when they are not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import attrs

from shop_adapters.messaging.amqp import (
    APP_ID,
    CONTENT_TYPE,
    PERSISTENT,
    VERSION_HEADER,
    routing_key,
)
from shop_adapters.messaging.contract import LockFile, check_lock, event_schema, lock_of
from shop_adapters.messaging.rabbitmq import DEFAULT_EXCHANGE
from shop_app.shared.integration import (
    REGISTRY,
    IntegrationEvent,
    IntegrationRegistry,
    load_contexts,
)

ASYNCAPI_VERSION: Final = "3.0.0"
DOCUMENT_VERSION: Final = "1.0.0"  # of the document's layout; each message has its own version
AMQP_BINDING_VERSION: Final = "0.3.0"
DOCUMENT_FILE: Final = "asyncapi.json"
LOCK_FILE: Final = "events.lock.json"


def _envelope(cls: type[IntegrationEvent]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid", "description": "The message id."},
            "type": {"const": cls.type},
            "version": {"const": cls.version},
            "aggregate_type": {
                "type": "string",
                "description": "The stable name of the aggregate the event is about.",
            },
            "aggregate_id": {"type": "string"},
            "occurred_at": {"type": "string", "format": "date-time"},
            "payload": event_schema(cls),
        },
        "required": [
            "id",
            "type",
            "version",
            "aggregate_type",
            "aggregate_id",
            "occurred_at",
            "payload",
        ],
    }


def _message(cls: type[IntegrationEvent]) -> dict[str, Any]:
    message: dict[str, Any] = {
        "name": cls.type,
        "title": f"{cls.type} v{cls.version}",
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {VERSION_HEADER: {"const": cls.version}},
            "required": [VERSION_HEADER],
        },
        "payload": _envelope(cls),
        "bindings": {
            "amqp": {
                "contentEncoding": "utf-8",
                "messageType": cls.type,
                "bindingVersion": AMQP_BINDING_VERSION,
            }
        },
    }
    summary = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    if summary:
        message["summary"] = " ".join(summary.split())
    return message


def document(
    registry: IntegrationRegistry = REGISTRY, exchange: str = DEFAULT_EXCHANGE
) -> dict[str, Any]:
    """The AsyncAPI document of every integration event the application's contexts publish."""
    load_contexts(registry)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for cls in registry.events():
        key = routing_key(cls.type, cls.version)
        messages[key] = _message(cls)
        channels[key] = {
            "address": key,
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {"name": exchange, "type": "topic", "durable": True},
                    "bindingVersion": AMQP_BINDING_VERSION,
                }
            },
        }
        operations[f"publish.{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
            "bindings": {
                "amqp": {"deliveryMode": PERSISTENT, "bindingVersion": AMQP_BINDING_VERSION}
            },
        }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "shop integration events",
            "version": DOCUMENT_VERSION,
            "description": (
                "What the shop publishes to other contexts and systems, at least once, through "
                f"the durable topic exchange `{exchange}` (persistent messages, app id "
                f"`{APP_ID}`). The routing key is `<type>.v<version>`; a consumer binds to the "
                "versions it decodes and deduplicates by message id. A published (type, version) "
                "never changes: a breaking change is a new version."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@attrs.frozen
class DocsReport:
    written: tuple[str, ...]
    stale: tuple[str, ...]
    refused: tuple[str, ...]  # published versions whose schema changed


def write_docs(
    directory: Path, *, check: bool = False, registry: IntegrationRegistry = REGISTRY
) -> DocsReport:
    """Bring ``directory``'s AsyncAPI document and lock file up to date (``check``: only say
    which are stale). A published (type, version) whose schema changed is refused: the lock keeps
    its old hash and the report names it."""
    doc_path, lock_path = directory / DOCUMENT_FILE, directory / LOCK_FILE
    text = render(document(registry))
    current = lock_of(registry.events())
    committed: LockFile = json.loads(lock_path.read_text()) if lock_path.exists() else {}
    verdict = check_lock(current, committed)
    lock = {**current}
    for entry in verdict.changed:  # keep what was published
        name, version = entry.rsplit(" v", 1)
        lock[name] = {**lock[name], version: committed[name][version]}
    lock_text = json.dumps(lock, indent=2, sort_keys=True) + "\n"
    files = {doc_path: text, lock_path: lock_text}
    stale = tuple(
        str(path)
        for path, content in files.items()
        if not path.exists() or path.read_text() != content
    )
    written: tuple[str, ...] = ()
    if not check:
        for path, content in files.items():
            if str(path) in stale:
                path.write_text(content)
        written = stale
    return DocsReport(written=written, stale=stale, refused=verdict.changed)
