"""How each type of a promotion kind's parameters becomes JSON data and back (the rules are
listed in :mod:`shop_adapters.sql.pricing.kind_codec`).

A :class:`Codec` is built once per type, from the annotation of a field: what it writes, how it
reads (checking what it reads, and naming where in the parameters it looks), the JSON type it
writes (:class:`Shape`, which tells a union's members apart) and which Python values are its.
An attrs class's codec is built once per class (:func:`fields_of`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money

Data = Any
"""JSON data: dicts, lists, strings, numbers, booleans and ``None``."""
Encode = Callable[[Any], Data]
Decode = Callable[[Data, str], Any]
"""Decodes a JSON value found at a path (``params.tiers[1].off``, for messages)."""


class KindNotStorable(TypeError):
    """A kind whose parameters the codec cannot store: a field of a type it has no rule for, a
    type it cannot resolve, or a kind that is not registered under its name."""


class UnreadableKind(ValueError):
    """A stored kind that cannot be read back: no kind registered under its name, or parameters
    that do not fit the kind's fields."""


class Shape(enum.Enum):
    """The JSON type a value is stored as: what tells the members of a union apart."""

    NULL = "null"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    STRING = "string"
    OBJECT = "object"
    ARRAY = "array"


def _shape_of(value: Data) -> Shape | None:
    if value is None:
        return Shape.NULL
    if isinstance(value, bool):
        return Shape.BOOLEAN
    if isinstance(value, int):
        return Shape.INTEGER
    if isinstance(value, str):
        return Shape.STRING
    if isinstance(value, dict):
        return Shape.OBJECT
    if isinstance(value, list):
        return Shape.ARRAY
    return None  # a float: no rule stores one


@attrs.frozen
class Codec:
    encode: Encode
    decode: Decode
    shape: Shape
    accepts: Callable[[Any], bool]
    """Whether a Python value is of this codec's type (to pick a union's member)."""


def _is(kind: type) -> Callable[[Any], bool]:
    if kind is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    return lambda value: isinstance(value, kind)


# --- scalars ------------------------------------------------------------------------------------


def _same(value: Any) -> Any:
    return value


def _plain(kind: type, shape: Shape, what: str) -> Codec:
    accepts = _is(kind)

    def decode(value: Data, where: str) -> Any:
        if not accepts(value):
            raise UnreadableKind(f"{where}: expected {what}, found {value!r}")
        return value

    return Codec(_same, decode, shape, accepts)


def _text(kind: type, encode: Encode, parse: Callable[[str], Any], what: str) -> Codec:
    """A value stored as a string: ``encode`` writes it, ``parse`` reads it back."""

    def decode(value: Data, where: str) -> Any:
        if not isinstance(value, str):
            raise UnreadableKind(f"{where}: expected {what} as a string, found {value!r}")
        try:
            return parse(value)
        except (ValueError, ArithmeticError) as exc:
            raise UnreadableKind(f"{where}: {value!r} is not {what}") from exc

    return Codec(encode, decode, Shape.STRING, _is(kind))


def _decimal(text: str) -> decimal.Decimal:
    number = decimal.Decimal(text)
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def _aware(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise ValueError("a naive time")
    return moment


def _encode_aware(moment: dt.datetime) -> str:
    if moment.utcoffset() is None:
        raise KindNotStorable("a kind's times are aware datetimes")
    return moment.isoformat()


_INTEGER = _plain(int, Shape.INTEGER, "an integer")
_STRING = _plain(str, Shape.STRING, "a string")


def _encode_money(money: Money) -> Data:
    return {"minor": money.minor, "currency": money.currency}


def _decode_money(value: Data, where: str) -> Money:
    if not isinstance(value, dict) or set(value) != {"minor", "currency"}:
        raise UnreadableKind(f"{where}: expected {{'minor', 'currency'}}, found {value!r}")
    minor = _INTEGER.decode(value["minor"], f"{where}.minor")
    currency = _STRING.decode(value["currency"], f"{where}.currency")
    try:
        return Money(minor, currency)
    except DomainError as exc:
        raise UnreadableKind(f"{where}: {exc}") from exc


_SCALARS: Mapping[Any, Codec] = {
    bool: _plain(bool, Shape.BOOLEAN, "true or false"),
    int: _INTEGER,
    str: _STRING,
    Money: Codec(_encode_money, _decode_money, Shape.OBJECT, _is(Money)),
    decimal.Decimal: _text(decimal.Decimal, str, _decimal, "a decimal number"),
    uuid.UUID: _text(uuid.UUID, str, uuid.UUID, "a UUID"),
    dt.datetime: _text(dt.datetime, _encode_aware, _aware, "an aware ISO 8601 time"),
    type(None): Codec(_same, lambda value, where: None, Shape.NULL, lambda value: value is None),
}


# --- composite types ----------------------------------------------------------------------------


def _enum_codec(cls: type[enum.Enum], where: str) -> Codec:
    shapes = {_shape_of(member.value) for member in cls}
    shape = shapes.pop() if len(shapes) == 1 else None
    if shape not in (Shape.INTEGER, Shape.STRING):
        raise KindNotStorable(f"{where}: {cls.__name__}'s values are not all strings or integers")

    def decode(value: Data, where: str) -> Any:
        try:
            return cls(value)
        except ValueError as exc:
            raise UnreadableKind(f"{where}: {value!r} is not a {cls.__name__}") from exc

    return Codec(lambda member: member.value, decode, shape, _is(cls))


def _union_codec(members: tuple[Codec, ...], where: str) -> Codec:
    """``X | Y | None``: each member stored as itself, told apart by its JSON type, so no two
    members may share one (``Money | int`` may; ``Decimal | str`` may not)."""
    by_shape = {member.shape: member for member in members}
    if len(by_shape) != len(members):
        raise KindNotStorable(f"{where}: two members of the union are stored alike")

    def encode(value: Any) -> Data:
        for member in members:
            if member.accepts(value):
                return member.encode(value)
        raise KindNotStorable(f"{where}: {value!r} is of none of the union's types")

    def decode(value: Data, at: str) -> Any:
        shape = _shape_of(value)
        member = None if shape is None else by_shape.get(shape)
        if member is None:
            raise UnreadableKind(f"{at}: {value!r} is of none of the union's types")
        return member.decode(value, at)

    return Codec(encode, decode, Shape.NULL, lambda value: any(m.accepts(value) for m in members))


def _list_of(value: Data, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise UnreadableKind(f"{where}: expected a list, found {value!r}")
    return value


def _tuple_codec(item: Codec) -> Codec:
    def decode(value: Data, where: str) -> tuple[Any, ...]:
        items = _list_of(value, where)
        return tuple(item.decode(each, f"{where}[{i}]") for i, each in enumerate(items))

    return Codec(
        lambda values: [item.encode(each) for each in values], decode, Shape.ARRAY, _is(tuple)
    )


def _fixed_tuple_codec(items: tuple[Codec, ...]) -> Codec:
    def decode(value: Data, where: str) -> tuple[Any, ...]:
        found = _list_of(value, where)
        if len(found) != len(items):
            raise UnreadableKind(f"{where}: expected {len(items)} items, found {len(found)}")
        pairs = enumerate(zip(items, found, strict=True))
        return tuple(codec.decode(each, f"{where}[{i}]") for i, (codec, each) in pairs)

    def encode(values: tuple[Any, ...]) -> Data:
        return [codec.encode(each) for codec, each in zip(items, values, strict=True)]

    return Codec(encode, decode, Shape.ARRAY, _is(tuple))


def _json_text(value: Data) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _set_codec(item: Codec) -> Codec:
    def encode(values: frozenset[Any]) -> Data:
        return sorted((item.encode(each) for each in values), key=_json_text)

    def decode(value: Data, where: str) -> frozenset[Any]:
        items = _list_of(value, where)
        return frozenset(item.decode(each, f"{where}[{i}]") for i, each in enumerate(items))

    return Codec(encode, decode, Shape.ARRAY, _is(frozenset))


def _attrs_codec(cls: type) -> Codec:
    if cls in _BUILDING:  # a class that holds itself: its codec is found when first used
        return Codec(
            lambda value: fields_of(cls).encode(value),
            lambda value, where: fields_of(cls).decode(value, where),
            Shape.OBJECT,
            _is(cls),
        )
    fields = fields_of(cls)
    return Codec(fields.encode, fields.decode, Shape.OBJECT, _is(cls))


def codec_for(annotation: Any, where: str) -> Codec:
    """The codec of a field typed ``annotation`` (``where`` names it, for messages)."""
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _enum_codec(annotation, where)
    if isinstance(annotation, type) and attrs.has(annotation):
        return _attrs_codec(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return _union_codec(tuple(codec_for(arg, where) for arg in args), where)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple_codec(codec_for(args[0], f"{where}[]"))
    if origin is tuple and args and Ellipsis not in args:
        return _fixed_tuple_codec(tuple(codec_for(a, f"{where}[]") for a in args))
    if origin is frozenset and len(args) == 1:
        return _set_codec(codec_for(args[0], f"{where}[]"))
    raise KindNotStorable(
        f"{where}: no rule stores a {annotation!r} (int, bool, str, Money, Decimal, UUID, an "
        "aware datetime, an enum, tuple[X, ...], frozenset[X], a union of types stored "
        "unlike each other such as X | None, or an attrs class)"
    )


@attrs.frozen
class FieldCodec:
    key: str
    """The field's name: its key in the JSON object."""
    alias: str
    """The keyword ``__init__`` takes it by."""
    codec: Codec
    required: bool


@attrs.frozen
class FieldsCodec:
    """How the instances of one attrs class become JSON objects and back."""

    cls: type
    fields: tuple[FieldCodec, ...]

    def encode(self, obj: Any) -> dict[str, Data]:
        return {field.key: field.codec.encode(getattr(obj, field.key)) for field in self.fields}

    def decode(self, value: Data, where: str) -> Any:
        if not isinstance(value, dict):
            raise UnreadableKind(f"{where}: expected an object, found {value!r}")
        known = {field.key for field in self.fields}
        unexpected = sorted(set(value) - known)
        if unexpected:
            raise UnreadableKind(f"{where}: {self.cls.__name__} has no field {unexpected}")
        arguments: dict[str, Any] = {}
        for field in self.fields:
            if field.key in value:
                found = value[field.key]
                arguments[field.alias] = field.codec.decode(found, f"{where}.{field.key}")
            elif field.required:
                raise UnreadableKind(f"{where}: {field.key!r} is missing")
        try:
            return self.cls(**arguments)
        except (DomainError, ValueError, TypeError) as exc:  # the class's validation refused
            raise UnreadableKind(f"{where}: {exc}") from exc


_BUILT: dict[type, FieldsCodec] = {}
_BUILDING: set[type] = set()
"""The attrs classes whose codec is being built (a class may hold itself, in a tuple)."""


def fields_of(cls: type) -> FieldsCodec:
    """The codec of an attrs class, built once per class."""
    built = _BUILT.get(cls)
    if built is None:
        _BUILDING.add(cls)
        try:
            built = _BUILT[cls] = FieldsCodec(cls, _fields(cls))
        finally:
            _BUILDING.discard(cls)
    return built


def _fields(cls: type) -> tuple[FieldCodec, ...]:
    try:
        attrs.resolve_types(cls)
    except Exception as exc:  # a name the annotations use cannot be found
        raise KindNotStorable(
            f"the field types of {cls.__qualname__} do not resolve: {exc}"
        ) from exc
    return tuple(
        FieldCodec(
            key=field.name,
            alias=field.alias,
            codec=codec_for(field.type, f"{cls.__qualname__}.{field.name}"),
            required=field.default is attrs.NOTHING,
        )
        for field in attrs.fields(cls)
        if field.init
    )


__all__ = [
    "Codec",
    "Data",
    "KindNotStorable",
    "Shape",
    "UnreadableKind",
    "codec_for",
    "fields_of",
]
