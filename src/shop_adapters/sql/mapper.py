"""How an aggregate becomes rows and back: the one mapping mechanism of every context (ADR 0023).

A :class:`TableMap` says how one attrs class sits in one table:

- a field and a column of the same name hold the same value (the default; every field of the
  class must be mapped, so a new field cannot be forgotten silently);
- a value object spread over several columns is a :class:`Value` (``money("balance",
  "balance_minor", "currency")``; an optional one reads back as ``None`` when all its columns are
  NULL); two values may share a column (a card's face value and balance share ``currency``);
- a child collection is a :class:`Children` — rows of another table naming their parent, loaded
  with the parent, diffed by primary key when it is saved; a list, or a dict by one of the
  items' attributes (``keyed_by``); one whose rows the repository loads itself, only those an
  operation needs (an account's lots), or never (an append-only history), is ``loaded=False``;
- columns the aggregate does not hold (search keys, price ranges) are ``derived`` from it when it
  is saved, and rows of side tables it does not hold (an attribute index) are :class:`Replaced`
  whenever what they are computed from changed.

Loaded objects are built without ``__init__`` (their fields go straight into the instance
``__dict__``, as attrs classes with ``slots=False`` keep them) and carry no instrumentation:
what changed is found by comparing the row the object makes now with the row it made when it was
loaded (:mod:`shop_adapters.sql.tracker`). Every statement a map needs is built here once and
compiled once per dialect (:mod:`shop_adapters.sql.driver`).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    Table,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.mapper_code import dump_function, load_function
from shop_adapters.sql.metadata import Json
from shop_domain.shared.money import Money
from shop_domain.shared.unread import Unread

Row = tuple[Any, ...]


class MappingError(TypeError):
    """A map that does not cover its class or its table."""


@attrs.frozen
class Value:
    """A value object over several columns: ``build(*columns)`` and ``split(value)``."""

    attr: str
    columns: tuple[str, ...]
    build: Callable[..., Any]
    split: Callable[[Any], tuple[Any, ...]]
    optional: bool = False


def value(attr: str, cls: type, *columns: str, optional: bool = False) -> Value:
    """An attrs value class whose fields, in order, are ``columns``."""
    names = [field.name for field in attrs.fields(cls)]
    if len(names) != len(columns):
        raise MappingError(f"{cls.__name__} has {len(names)} fields, not {len(columns)}")
    getter = operator.attrgetter(*names)
    split = (lambda v: (getter(v),)) if len(names) == 1 else getter
    return Value(attr, tuple(columns), cls, split, optional)


def money(attr: str, minor: str, currency: str, *, optional: bool = False) -> Value:
    return value(attr, Money, minor, currency, optional=optional)


@attrs.frozen
class Children:
    """A list attribute whose items are rows of ``of`` naming their parent in ``parent_column``,
    kept in ``order_by`` order."""

    attr: str
    of: TableMap
    parent_column: str
    order_by: str
    keyed_by: str | None = None
    """The items' attribute the collection is a dict by (None: a list)."""
    loaded: bool = True
    """Whether the rows are loaded with the parent. When not, the attribute starts empty; a
    repository attaches the rows it loads and then settles the parent
    (:meth:`~shop_adapters.sql.tracker.Tracker.settle`), so that only what the aggregate adds,
    changes or drops from what it holds is written."""

    def items(self, parent: Any) -> Iterable[Any]:
        """The items ``parent`` holds (none, when it was loaded without them: ``Unread``)."""
        held = getattr(parent, self.attr)
        if type(held) is Unread:
            return ()
        items: Iterable[Any] = held.values() if self.keyed_by is not None else held
        return items

    def attach(self, parent: Any, item: Any) -> None:
        held = getattr(parent, self.attr)
        if self.keyed_by is not None:
            held[getattr(item, self.keyed_by)] = item
        else:
            held.append(item)


@attrs.frozen
class Replaced:
    """Rows of ``table`` (keyed by ``key_column`` = the aggregate's id) computed from the
    aggregate, rewritten whenever they would change."""

    table: Table
    key_column: str
    rows: Callable[[Any], Iterable[Mapping[str, Any]]]


class _IdList(TypeDecorator[Any]):
    """A list of values bound as one parameter: an array on PostgreSQL, JSON text that
    ``json_each`` unpacks on SQLite (each item converted as ``item_type`` would store it)."""

    impl = Text
    cache_ok = True

    def __init__(self, item_type: Any) -> None:
        super().__init__()
        self.item_type = item_type

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        process = self.item_type.dialect_impl(dialect).bind_processor(dialect)
        items = list(value) if process is None else [process(item) for item in value]
        return json.dumps(items)


def member_of(column: Column[Any], name: str, dialect_name: str) -> ColumnElement[bool]:
    """``column`` is one of the list bound as ``name``: one parameter however long the list."""
    if dialect_name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    unpacked = func.json_each(bindparam(name, type_=_IdList(column.type)))
    return column.in_(select(literal_column("value")).select_from(unpacked))


def _thaw(value: Any) -> Any:
    """A copy of JSON data (dicts, lists, scalars) that shares nothing mutable with it."""
    kind = type(value)
    if kind is dict:
        return {key: _thaw(item) for key, item in value.items()}
    if kind is list:
        return [_thaw(item) for item in value]
    return value


def _is_mutable(column: Column[Any]) -> bool:
    kind = column.type
    return isinstance(kind, Json | ARRAY) or isinstance(getattr(kind, "impl", None), Json)


class TableMap:
    """One attrs class in one table. ``derived(obj, parent)`` gives the columns computed from the
    object (``parent`` is the owning aggregate of a child, else ``None``)."""

    def __init__(
        self,
        cls: type,
        table: Table,
        *,
        values: Sequence[Value] = (),
        children: Sequence[Children] = (),
        derived: Callable[[Any, Any], Mapping[str, Any]] | None = None,
        derived_columns: Sequence[str] = (),
        replaced: Sequence[Replaced] = (),
        parent_column: str | None = None,
        versioned: bool = True,
    ) -> None:
        self.cls = cls
        self.table = table
        self.name = table.name
        self.values = tuple(values)
        self.children = tuple(children)
        self.derived = derived
        self.replaced = tuple(replaced)
        self.versioned = versioned
        self.columns: tuple[Column[Any], ...] = tuple(table.columns)
        self.column_names = tuple(column.name for column in self.columns)
        index = {name: i for i, name in enumerate(self.column_names)}
        self.index = index
        self.key = tuple(index[column.name] for column in table.primary_key.columns)
        self.parent_index = None if parent_column is None else index[parent_column]
        self.version_index = index["version"] if versioned else None
        self.mutable = tuple(i for i, column in enumerate(self.columns) if _is_mutable(column))
        self._check_and_index(index, derived_columns, parent_column)
        self.load = load_function(self)
        self.dump = dump_function(self)
        self._updates: dict[tuple[int, ...], Prepared] = {}
        self.insert = Prepared(insert(table))
        self.select_all: Select[Any] = select(*self.columns)
        where_key = [column == bindparam(f"k_{column.name}") for column in table.primary_key]
        if versioned:
            where_key.append(table.c.version == bindparam("k_version"))
        self._where_key = where_key
        self.delete = Prepared(delete(table).where(*where_key))
        if "id" in table.c:  # an aggregate root: found by its id
            by_id = self.select_all.where(table.c.id == bindparam("id"))
            self.by_id = Prepared(by_id)
            self.by_id_locked = Prepared(by_id.with_for_update())
            self.by_ids = Prepared(
                lambda dialect: self.select_all.where(member_of(table.c.id, "ids", dialect))
            )
            self.by_ids_locked = Prepared(
                lambda dialect: (
                    self.select_all.where(member_of(table.c.id, "ids", dialect))
                    .order_by(table.c.id)
                    .with_for_update()
                )
            )
        self.children_select = {child.attr: _children_select(child) for child in self.children}
        self.replace_statements = [_replace_statements(item) for item in self.replaced]

    def _check_and_index(
        self, index: dict[str, int], derived: Sequence[str], parent_column: str | None
    ) -> None:
        covered = set(derived) | ({parent_column} if parent_column else set())
        self._values: list[tuple[Value, tuple[int, ...]]] = []
        for item in self.values:
            self._values.append((item, tuple(index[c] for c in item.columns)))
            covered.update(item.columns)
        fields = {field.name for field in attrs.fields(self.cls)}
        special = {item.attr for item in self.values} | {child.attr for child in self.children}
        self._plain = tuple(
            (name, i) for name, i in index.items() if name not in covered and name in fields
        )
        missing_columns = set(index) - covered - fields
        missing_fields = fields - special - set(index)
        if missing_columns or missing_fields:
            raise MappingError(
                f"{self.cls.__name__} on {self.name}: columns without a field "
                f"{sorted(missing_columns)}, fields without a column {sorted(missing_fields)}"
            )

    # --- rows <-> objects -----------------------------------------------------------------
    # ``load(row, into=None)``: an object holding ``row`` (or ``into``, refreshed from it; its
    # events are kept). ``dump(obj, parent=None)``: the row ``obj`` makes now. Both written out
    # per map by :mod:`shop_adapters.sql.mapper_code` (set in ``__init__``).
    load: Callable[..., Any]
    dump: Callable[..., Row]

    def snapshot(self, row: Row) -> Row:
        """``row`` with its mutable values (JSON lists and dicts) copied, to compare with later."""
        if not self.mutable:
            return row
        copied = list(row)
        for i in self.mutable:
            copied[i] = _thaw(copied[i])
        return tuple(copied)

    def key_of(self, row: Row) -> Any:
        key = self.key
        return row[key[0]] if len(key) == 1 else tuple(row[i] for i in key)

    def params(self, row: Row) -> dict[str, Any]:
        return dict(zip(self.column_names, row, strict=True))

    def key_params(self, row: Row) -> dict[str, Any]:
        params = {f"k_{self.column_names[i]}": row[i] for i in self.key}
        if self.version_index is not None:
            params["k_version"] = row[self.version_index]
        return params

    def update(self, changed: tuple[int, ...]) -> Prepared:
        """``UPDATE … SET <changed columns> WHERE <key> [AND version = :k_version]``."""
        found = self._updates.get(changed)
        if found is None:
            columns: dict[str, Any] = {
                self.column_names[i]: bindparam(self.column_names[i]) for i in changed
            }
            found = Prepared(update(self.table).where(*self._where_key).values(columns))
            self._updates[changed] = found
        return found

    def __repr__(self) -> str:
        return f"TableMap({self.cls.__name__} -> {self.name})"


def _children_select(child: Children) -> Prepared:
    table = child.of.table
    parent = table.c[child.parent_column]
    return Prepared(
        lambda dialect: child.of.select_all.where(member_of(parent, "ids", dialect)).order_by(
            parent, table.c[child.order_by]
        )
    )


def _replace_statements(item: Replaced) -> tuple[Prepared, Prepared]:
    """The ``DELETE`` and ``INSERT`` that rewrite ``item``'s rows of one aggregate."""
    key = item.table.c[item.key_column]
    return Prepared(delete(item.table).where(key == bindparam("key"))), Prepared(insert(item.table))


__all__ = [
    "Children",
    "MappingError",
    "Replaced",
    "TableMap",
    "Value",
    "member_of",
    "money",
    "value",
]
