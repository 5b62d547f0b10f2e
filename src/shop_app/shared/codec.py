"""A small tagged JSON codec for command results kept by the idempotency store.

A retried command must return exactly what the first attempt returned (SEC-5), so results are
stored losslessly: UUIDs, decimals, datetimes and ``Money`` keep their types through a round
trip. Results of idempotent commands are built from these types, lists and string-keyed dicts.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from typing import Any

import attrs

from shop_domain.shared.events import to_jsonable
from shop_domain.shared.money import Money


def encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, Money):
        return {"$money": [value.minor, value.currency]}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
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
        if tag == "$money":
            return Money(inner[0], inner[1])
        if tag == "$dict":
            return {k: decode(v) for k, v in inner.items()}
        raise ValueError(f"unknown tag {tag!r}")
    return value


def fingerprint(command: object) -> str:
    """A stable digest of a command's type and content, to spot a key reused for another request."""
    body = to_jsonable(command) if attrs.has(type(command)) else repr(command)
    text = json.dumps([type(command).__qualname__, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
