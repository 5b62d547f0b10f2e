"""Promotion kinds as JSON and back: ``{"kind": <name>, "params": {<field>: <value>, …}}``.

The codec knows no kind: it reads a kind's attrs fields and their types
(``attrs.resolve_types``), so a kind an embedder registers is stored and read back without any
code of ours naming it. What each type becomes:

- ``int``, ``bool``, ``str``: themselves;
- :class:`~shop_domain.shared.money.Money`: ``{"minor": 2500, "currency": "CNY"}``;
- ``decimal.Decimal``: its string (``"0.85"``: exact, never a float);
- ``uuid.UUID``: its string; an aware ``datetime.datetime``: its ISO 8601 string;
- an enum: its value;
- ``tuple[X, ...]`` (or a fixed ``tuple[X, Y]``): a list; ``frozenset[X]``: a list in the order
  of its items' JSON text, so that a set is stored the same whatever order it iterates in;
- a union (``X | None``, ``Money | int``): what its member becomes; its members must be
  stored as different JSON types (``Decimal | str`` cannot be told apart, so it is refused);
- a nested attrs class (a tier, a gift): an object of its fields, by the same rules.

Fields that ``__init__`` does not take (``init=False``) are computed by their class and are not
stored. Any other type (a float, a mapping, a union of members stored alike) makes
:class:`KindNotStorable` when the kind is first encoded, naming the field; so does a kind that is
not the one registered under its name. Reading checks what it reads: an unknown kind name (the
module that registers it was not imported), a missing or unexpected parameter, a value of the
wrong shape, or one the kind's own validation refuses is :class:`UnreadableKind`, naming the
kind and where in its parameters. A parameter missing from a stored kind takes the field's
default when it has one (a field added to a kind since).
"""

from __future__ import annotations

from collections.abc import Mapping

from shop_adapters.sql.pricing.kind_values import (
    Data,
    KindNotStorable,
    UnreadableKind,
    fields_of,
)
from shop_domain.pricing.errors import UnknownPromotionKind
from shop_domain.pricing.kinds.base import PromotionKind, kind_named


def encode(kind: PromotionKind) -> dict[str, Data]:
    """``{"kind": kind.name, "params": {...}}``: JSON data (``json.dumps`` takes it as is). A kind
    must be registered under its name, so that it can be read back."""
    cls = type(kind)
    fields = fields_of(cls)  # a field without a rule is refused first, naming it
    try:
        registered = kind_named(kind.name)
    except UnknownPromotionKind:
        registered = None
    if registered is not cls:
        raise KindNotStorable(
            f"{cls.__qualname__} is not the kind registered as {kind.name!r}: register it "
            "(shop_domain.pricing.kinds.register) before storing promotions of it"
        )
    return {"kind": kind.name, "params": fields.encode(kind)}


def decode(stored: Mapping[str, Data]) -> PromotionKind:
    """The kind :func:`encode` gave ``stored``, found by its name in the registry."""
    name = stored.get("kind")
    try:
        cls = kind_named(name) if isinstance(name, str) else None
    except UnknownPromotionKind:
        cls = None
    if cls is None:
        raise UnreadableKind(
            f"a stored promotion has the kind {name!r}, which no code registered: import the "
            "module that defines it before reading promotions"
        )
    kind: PromotionKind = fields_of(cls).decode(stored.get("params"), f"{name}: params")
    return kind


__all__ = ["KindNotStorable", "UnreadableKind", "decode", "encode"]
