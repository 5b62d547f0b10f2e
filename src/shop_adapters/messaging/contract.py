"""The wire contract of integration events, with msgspec: JSON schemas, decoding, and the
snapshot that makes a changed event need a new version.

- :func:`event_schema` is the JSON schema of an integration event's payload
  (``msgspec.json.schema`` of its attrs class), self-contained (no ``$ref``), with no Python class
  names in it, and ``"format": "date-time"`` on the times (always time-zone aware).
- :func:`schema_hash` hashes that schema without its prose (``title``, ``description``): two
  versions of a payload that a consumer decodes alike hash alike.
- :func:`decode_payload` turns a received payload into the integration event class of its
  (type, version); bad data is :class:`UndecodablePayload`, never half an event.
- ``docs/events.lock.json`` records the hash of every published (type, version);
  :func:`check_lock` says what differs. A changed hash means a breaking change was made to a
  published version: publish a new version instead (ADR 0024).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs
import msgspec

from shop_app.shared.integration import IntegrationEvent

LockFile = dict[str, dict[str, str]]
"""``{type: {str(version): "sha256:…"}}``"""

_PROSE = frozenset({"title", "description"})


class UndecodablePayload(ValueError):
    """A payload that does not match its event's schema (a poison message: retrying cannot help)."""


def _inline(node: Any, defs: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def _is_datetime(annotation: Any) -> bool:
    if annotation is dt.datetime:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return dt.datetime in typing.get_args(annotation)
    return False


def _times(cls: type, properties: dict[str, Any]) -> None:
    hints = typing.get_type_hints(cls)
    for field in attrs.fields(cls):
        if _is_datetime(hints[field.name]):
            prop = properties[field.name]
            for option in prop.get("anyOf", [prop]):
                if option.get("type") == "string":
                    option["format"] = "date-time"


def event_schema(cls: type[IntegrationEvent]) -> dict[str, Any]:
    """The self-contained JSON schema of ``cls``'s payload; its ``title`` is the event's type."""
    raw = msgspec.json.schema(cls)
    schema: dict[str, Any] = _inline(raw, raw.get("$defs", {}))
    schema = {key: value for key, value in schema.items() if key != "title"}
    _times(cls, schema["properties"])
    for node in _walk(schema):
        node.pop("title", None)
    return {"title": cls.type, **schema}


def _walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_walk(item))
    return found


def _without_prose(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_prose(v) for k, v in node.items() if k not in _PROSE}
    if isinstance(node, list):
        return [_without_prose(item) for item in node]
    return node


def schema_hash(cls: type[IntegrationEvent]) -> str:
    canonical = json.dumps(
        _without_prose(event_schema(cls)), sort_keys=True, separators=(",", ":")
    ).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def lock_of(events: list[type[IntegrationEvent]]) -> LockFile:
    lock: LockFile = {}
    for cls in events:
        lock.setdefault(cls.type, {})[str(cls.version)] = schema_hash(cls)
    return {name: dict(sorted(versions.items())) for name, versions in sorted(lock.items())}


@attrs.frozen
class LockCheck:
    """How the registry's events compare with the committed lock file."""

    changed: tuple[str, ...]  # published (type, version)s whose schema changed: not allowed
    added: tuple[str, ...]  # new (type, version)s: record them
    removed: tuple[str, ...]  # (type, version)s in the lock that no longer exist

    @property
    def clean(self) -> bool:
        return not (self.changed or self.added or self.removed)


def check_lock(current: LockFile, committed: LockFile) -> LockCheck:
    def pairs(lock: LockFile) -> dict[str, str]:
        return {f"{t} v{v}": h for t, versions in lock.items() for v, h in versions.items()}

    now, then = pairs(current), pairs(committed)
    return LockCheck(
        changed=tuple(sorted(k for k in now.keys() & then.keys() if now[k] != then[k])),
        added=tuple(sorted(now.keys() - then.keys())),
        removed=tuple(sorted(then.keys() - now.keys())),
    )


def decode_payload(cls: type[IntegrationEvent], payload: Mapping[str, Any]) -> IntegrationEvent:
    """``payload`` (JSON data) as an instance of ``cls``, checked against its schema; times
    must carry a time zone."""
    try:
        event = msgspec.convert(dict(payload), type=cls)
    except msgspec.ValidationError as exc:
        raise UndecodablePayload(f"{cls.type} v{cls.version}: {exc}") from exc
    for field in attrs.fields(cls):
        value = getattr(event, field.name)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise UndecodablePayload(f"{cls.type} v{cls.version}: {field.name} has no time zone")
    return event
