"""A small tagged JSON codec for command results kept by the idempotency store.

A retried command must return exactly what the first attempt returned (SEC-5), so results are
stored losslessly: UUIDs, decimals, datetimes, dates and ``Money`` keep their types through a
round trip. Results of idempotent commands are built from these types, lists, tuples,
string-keyed dicts, and attrs classes and enums that a context registered with
:func:`register` (stored by name, so only registered types are ever rebuilt from storage).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
from typing import Any

import attrs

from shop_domain.shared.events import to_jsonable
from shop_domain.shared.money import Money

_REGISTERED: dict[str, type] = {}


def _name(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def register(*kinds: type) -> None:
    """Allow results of these attrs classes or enums (a context registers its result types)."""
    for kind in kinds:
        if not (attrs.has(kind) or issubclass(kind, enum.Enum)):
            raise TypeError(f"{kind.__name__} is neither an attrs class nor an enum")
        _REGISTERED[_name(kind)] = kind


def encode(value: Any) -> Any:
    if isinstance(value, enum.Enum) and _name(type(value)) in _REGISTERED:
        return {"$enum": [_name(type(value)), value.value]}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Money):
        return {"$money": [value.minor, value.currency]}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if attrs.has(type(value)) and _name(type(value)) in _REGISTERED:
        fields = {f.name: encode(getattr(value, f.name)) for f in attrs.fields(type(value))}
        return {"$attrs": [_name(type(value)), fields]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("stored results use string keys")
        return {"$dict": {k: encode(v) for k, v in value.items()}}
    raise TypeError(f"an idempotent result cannot hold {type(value).__name__}")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        ((tag, inner),) = value.items()
        if tag == "$uuid":
            return uuid.UUID(inner)
        if tag == "$decimal":
            return decimal.Decimal(inner)
        if tag == "$datetime":
            return dt.datetime.fromisoformat(inner)
        if tag == "$date":
            return dt.date.fromisoformat(inner)
        if tag == "$money":
            return Money(inner[0], inner[1])
        if tag == "$dict":
            return {k: decode(v) for k, v in inner.items()}
        if tag == "$tuple":
            return tuple(decode(v) for v in inner)
        if tag == "$enum":
            return _REGISTERED[inner[0]](inner[1])
        if tag == "$attrs":
            return _REGISTERED[inner[0]](**{k: decode(v) for k, v in inner[1].items()})
        raise ValueError(f"unknown tag {tag!r}")
    return value


def fingerprint(command: object) -> str:
    """A stable digest of a command's type and content, to spot a key reused for another request."""
    body = to_jsonable(command) if attrs.has(type(command)) else repr(command)
    text = json.dumps([type(command).__qualname__, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
