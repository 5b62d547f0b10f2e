"""Domain events: immutable facts an aggregate records; the unit of work ships them."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any, ClassVar

import attrs


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base of all domain events.

    Subclasses set ``event_type`` to a dotted name (``catalog.sku_price_changed``) for logs and
    histories. Domain events stay inside the process: what leaves it is the integration event
    each one maps to (``shop_app.shared.integration``), with its own type and version.
    """

    event_type: ClassVar[str] = "domain.event"

    occurred_at: dt.datetime

    def payload(self) -> dict[str, Any]:
        """The event as JSON-compatible data (for histories and logs; the outbox stores the
        integration event's payload instead)."""
        return {name: to_jsonable(getattr(self, name)) for name in _field_names(type(self))}


def _same(value: Any) -> Any:
    return value


def _text(value: Any) -> str:
    return str(value)


def _iso(value: dt.date) -> str:
    return value.isoformat()


# how the common types become JSON data, found by exact type before the general rules below
_DIRECT: dict[type, Any] = {
    str: _same,
    int: _same,
    bool: _same,
    type(None): _same,
    uuid.UUID: _text,
    dt.datetime: _iso,
    dt.date: _iso,
    decimal.Decimal: _text,
}
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(field.name for field in attrs.fields(cls))
    return names


def to_jsonable(value: Any) -> Any:
    """Turn domain values into JSON-compatible data, losslessly for the types we use."""
    direct = _DIRECT.get(type(value))
    if direct is not None:
        return direct(value)
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):  # pragma: no cover - amounts are never floats (MON-1)
        raise TypeError("floats are not allowed in domain payloads")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if attrs.has(type(value)):
        return {name: to_jsonable(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    raise TypeError(f"cannot serialise {type(value).__name__} in a domain payload")
