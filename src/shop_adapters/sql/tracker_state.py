"""What the tracker (:mod:`.tracker`) remembers of one object: the row it made when it was
loaded or last written, its children's rows and its side rows — and whether it differs now."""

from __future__ import annotations

from typing import Any

from shop_adapters.sql.mapper import Row, TableMap


class State:
    __slots__ = ("children", "locked", "obj", "replaced", "row", "table")

    def __init__(
        self,
        obj: Any,
        table: TableMap,
        row: Row,
        children: dict[str, dict[Any, Row]],
        replaced: list[frozenset[tuple[Any, ...]]],
    ) -> None:
        self.obj = obj
        self.table = table
        self.row = row
        self.children = children
        self.replaced = replaced
        self.locked = False
        """Whether this transaction holds the row locked since it was last read."""


def replaced_rows(table: TableMap, obj: Any) -> list[frozenset[tuple[Any, ...]]]:
    return [frozenset(tuple(row.items()) for row in item.rows(obj)) for item in table.replaced]


def changed_columns(now: Row, then: Row) -> tuple[int, ...]:
    return tuple(i for i, (a, b) in enumerate(zip(now, then, strict=True)) if a != b)


def child_rows(child: Any, parent: Any) -> dict[Any, Row]:
    """The rows ``parent``'s children ``child`` make now, by key."""
    of: TableMap = child.of
    rows = (of.dump(item, parent) for item in child.items(parent))
    return {of.key_of(row): row for row in rows}


def differs(state: State) -> bool:
    """Whether the object differs from what ``state`` remembers: its row, a child or a side
    row."""
    table, obj = state.table, state.obj
    return (
        table.dump(obj) != state.row
        or any(child_rows(child, obj) != state.children[child.attr] for child in table.children)
        or (bool(table.replaced) and replaced_rows(table, obj) != state.replaced)
    )


__all__ = ["State", "changed_columns", "child_rows", "differs", "replaced_rows"]
