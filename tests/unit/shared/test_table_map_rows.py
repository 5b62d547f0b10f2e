"""A table map's ``load`` and ``dump`` (written out per map by ``mapper_code``): plain fields,
value objects over several columns (an optional one read back as None when all its columns are
NULL, two sharing a column), derived columns, a child naming its parent, child collections
started empty; ``load(row, into=obj)`` refreshes ``obj`` in place. Hypothesis drives the rows."""

from __future__ import annotations

import uuid
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import JSON, BigInteger, Column, Integer, MetaData, String, Table, Uuid

from shop_adapters.sql.mapper import Children, TableMap, money
from shop_domain.shared.money import Money

_meta = MetaData()
_items = Table(
    "t_items",
    _meta,
    Column("id", Uuid, primary_key=True),
    Column("name", String),
    Column("tags", JSON),
    Column("price_minor", BigInteger),
    Column("cost_minor", BigInteger),
    Column("currency", String),
    Column("refund_minor", BigInteger, nullable=True),
    Column("refund_currency", String, nullable=True),
    Column("search", String),
    Column("version", Integer),
)
_parts = Table(
    "t_parts",
    _meta,
    Column("id", Uuid, primary_key=True),
    Column("item_id", Uuid),
    Column("label", String),
)


@attrs.define(slots=False, eq=False)
class Part:
    id: uuid.UUID
    label: str


@attrs.define(slots=False, eq=False)
class Item:
    id: uuid.UUID
    name: str
    tags: list[str]
    price: Money
    cost: Money
    refund: Money | None
    parts: list[Part]
    version: int


PARTS = TableMap(Part, _parts, parent_column="item_id", versioned=False)
ITEMS = TableMap(
    Item,
    _items,
    values=[
        money("price", "price_minor", "currency"),
        money("cost", "cost_minor", "currency"),  # two values sharing a column
        money("refund", "refund_minor", "refund_currency", optional=True),
    ],
    children=[Children("parts", PARTS, "item_id", "label")],
    derived=lambda item, _parent: {"search": item.name.lower()},
    derived_columns=["search"],
)

names = st.text(min_size=1, max_size=12)
minors = st.integers(min_value=-(10**12), max_value=10**12)
currencies = st.sampled_from(["CNY", "USD", "JPY"])


@st.composite
def item_rows(draw: st.DrawFn) -> tuple[Any, ...]:
    name = draw(names)
    refund = draw(st.none() | minors)
    values = {
        "id": draw(st.uuids()),
        "name": name,
        "tags": draw(st.lists(names, max_size=3)),
        "price_minor": draw(minors),
        "cost_minor": draw(minors),
        "currency": draw(currencies),
        "refund_minor": refund,
        "refund_currency": None if refund is None else draw(currencies),
        "search": name.lower(),
        "version": draw(st.integers(min_value=1, max_value=99)),
    }
    return tuple(values[column] for column in ITEMS.column_names)


@given(item_rows())
def test_a_row_loads_into_the_fields_and_dumps_back_to_itself(row: tuple[Any, ...]) -> None:
    at = dict(zip(ITEMS.column_names, row, strict=True))
    item = ITEMS.load(row)
    assert type(item) is Item
    assert (item.id, item.name, item.tags, item.version) == (
        at["id"],
        at["name"],
        at["tags"],
        at["version"],
    )
    assert item.price == Money(at["price_minor"], at["currency"])
    assert item.cost == Money(at["cost_minor"], at["currency"])
    expected_refund = (
        None if at["refund_minor"] is None else Money(at["refund_minor"], at["refund_currency"])
    )
    assert item.refund == expected_refund
    assert item.parts == []  # a child collection starts empty
    assert ITEMS.dump(item) == row


@given(item_rows(), names, minors)
def test_a_dump_writes_what_the_object_holds_now(
    row: tuple[Any, ...], name: str, refund: int
) -> None:
    item = ITEMS.load(row)
    item.name = name
    item.refund = Money(refund, "USD")
    item.cost = Money(7, "JPY")  # the later of two values sharing a column writes it
    at = dict(zip(ITEMS.column_names, ITEMS.dump(item), strict=True))
    assert (at["name"], at["search"]) == (name, name.lower())
    assert (at["refund_minor"], at["refund_currency"]) == (refund, "USD")
    assert (at["price_minor"], at["cost_minor"], at["currency"]) == (
        item.price.minor,
        7,
        "JPY",
    )
    item.refund = None  # an optional value gone: its columns NULL
    at = dict(zip(ITEMS.column_names, ITEMS.dump(item), strict=True))
    assert (at["refund_minor"], at["refund_currency"]) == (None, None)


@given(item_rows(), item_rows())
def test_loading_into_an_object_refreshes_it_in_place(
    first: tuple[Any, ...], second: tuple[Any, ...]
) -> None:
    item = ITEMS.load(first)
    item.parts.append(Part(uuid.uuid4(), "kept"))
    refreshed = ITEMS.load(second, into=item)
    assert refreshed is item
    assert ITEMS.dump(item) == second
    assert item.parts == []  # children are loaded again by the tracker


@given(st.uuids(), names)
def test_a_child_names_its_parent(part_id: uuid.UUID, label: str) -> None:
    parent = ITEMS.load((uuid.uuid4(), "n", [], 1, 2, "CNY", None, None, "n", 1))
    row = PARTS.dump(Part(part_id, label), parent)
    assert dict(zip(PARTS.column_names, row, strict=True)) == {
        "id": part_id,
        "item_id": parent.id,
        "label": label,
    }
    assert attrs.asdict(PARTS.load(row)) == {"id": part_id, "label": label}
