"""What one unit of work loaded, added and removed, and how it is written back (ADR 0023).

The tracker keeps an identity map (one object per row in a transaction), and for every object
the row it made when it was loaded or last written — its *snapshot*. Writing back
(:meth:`Tracker.flush`, before a query that must see this transaction's writes, and at commit):

- added objects: one ``INSERT`` of many rows per table (an ``executemany``), their children and
  side rows likewise; their version becomes 1;
- loaded objects: the row they make now is compared with their snapshot (the whole row at once,
  then column by column); a changed aggregate — a column of its own, a child added, changed or
  removed — gets one ``UPDATE … SET <changed columns>, version = v + 1 WHERE id = :id AND
  version = v``. No row means someone else changed it since it was read: our
  :class:`~shop_domain.shared.errors.ConcurrencyConflict`. The version goes up once per
  transaction however often it is flushed;
- removed objects: ``DELETE … WHERE id = :id AND version = v`` (children go by the database's
  ``ON DELETE CASCADE``).

A locked read (``refresh=True``) may return a row that someone else committed after this
transaction first read it (the lock waited for them): the object already in the identity map is
then refreshed from the row, its recorded events kept.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy.sql import Executable

from shop_adapters.sql.driver import Link, Prepared
from shop_adapters.sql.errors import STALE_MESSAGE
from shop_adapters.sql.mapper import Row, TableMap
from shop_domain.shared.errors import ConcurrencyConflict


class _State:
    __slots__ = ("children", "obj", "replaced", "row", "table")

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


def _replaced_rows(table: TableMap, obj: Any) -> list[frozenset[tuple[Any, ...]]]:
    return [frozenset(tuple(row.items()) for row in item.rows(obj)) for item in table.replaced]


def _changed(now: Row, then: Row) -> tuple[int, ...]:
    return tuple(i for i, (a, b) in enumerate(zip(now, then, strict=True)) if a != b)


class Tracker:
    def __init__(self, link: Link, track: Callable[[Any], None]) -> None:
        self.link = link
        self._track = track
        self._identity: dict[tuple[str, Any], Any] = {}
        self._states: dict[int, _State] = {}
        self._new: list[tuple[TableMap, Any]] = []
        self._removed: dict[int, tuple[TableMap, Any]] = {}
        self._bumped: set[int] = set()

    # --- reading --------------------------------------------------------------------------
    async def rows(
        self, statement: Prepared | Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Sequence[Any]]:
        return await self.link.fetch(statement, params)

    async def load(
        self,
        table: TableMap,
        statement: Prepared | Executable,
        params: Mapping[str, Any] | None = None,
        *,
        refresh: bool = False,
    ) -> list[Any]:
        """The objects of the rows ``statement`` selects (``table.select_all`` columns)."""
        return await self.adopt(table, await self.rows(statement, params), refresh=refresh)

    async def adopt(
        self, table: TableMap, rows: Sequence[Sequence[Any]], *, refresh: bool = False
    ) -> list[Any]:
        found: list[Any] = []
        fresh: list[Any] = []
        identity = self._identity
        name, key = table.name, table.key[0]
        for row in rows:
            ident = (name, row[key])
            obj = identity.get(ident)
            if obj is None:
                obj = identity[ident] = table.load(row)
                fresh.append(obj)
                self._track(obj)
            elif refresh and id(obj) in self._states:
                table.load(row, into=obj)
                fresh.append(obj)
            if id(obj) not in self._removed:
                found.append(obj)
        if fresh:
            await self._load_children(table, fresh)
            for obj in fresh:
                self._states[id(obj)] = self._snapshot(table, obj)
        return found

    async def _load_children(self, table: TableMap, parents: list[Any]) -> None:
        for child in table.children:
            if not child.loaded:
                continue
            by_id = {parent.id: parent for parent in parents}
            rows = await self.link.fetch(table.children_select[child.attr], {"ids": list(by_id)})
            parent_index = child.of.index[child.parent_column]
            for row in rows:
                child.attach(by_id[row[parent_index]], child.of.load(row))

    def _snapshot(self, table: TableMap, obj: Any) -> _State:
        children = {
            child.attr: {
                child.of.key_of(row): child.of.snapshot(row)
                for row in (child.of.dump(item, obj) for item in child.items(obj))
            }
            for child in table.children
        }
        return _State(
            obj, table, table.snapshot(table.dump(obj)), children, _replaced_rows(table, obj)
        )

    def settle(self, obj: Any) -> None:
        """Take what ``obj`` holds now as what was loaded: after a repository attached the rows
        of children it loads itself (``Children(loaded=False)``), only later changes are
        written."""
        state = self._states.get(id(obj))
        if state is not None:
            self._states[id(obj)] = self._snapshot(state.table, obj)

    def get(self, table: TableMap, id_: Any) -> Any | None:
        """The object of ``id_`` if this transaction holds it already."""
        obj = self._identity.get((table.name, id_))
        return None if obj is None or id(obj) in self._removed else obj

    # --- changing -------------------------------------------------------------------------
    def add(self, table: TableMap, obj: Any) -> None:
        self._identity[(table.name, obj.id)] = obj
        self._new.append((table, obj))
        self._track(obj)

    def add_many(self, table: TableMap, objs: Sequence[Any]) -> None:
        identity, new, track = self._identity, self._new, self._track
        name = table.name
        for obj in objs:
            identity[(name, obj.id)] = obj
            new.append((table, obj))
            track(obj)

    def remove(self, table: TableMap, obj: Any) -> None:
        """Delete ``obj`` at the next flush; it stays tracked, so its events still go out."""
        self._track(obj)
        if id(obj) in self._states or any(o is obj for _, o in self._new):
            self._removed[id(obj)] = (table, obj)

    # --- writing --------------------------------------------------------------------------
    async def flush(self, only: TableMap | None = None, keep: Collection[Any] = ()) -> None:
        """Write what changed since the last flush — everything, or ``only`` what a query of
        that table's rows must see (its own objects; a new row of another table may be what a
        foreign key of its rows points to, so new rows are always written) — except the
        changes of the loaded aggregates whose ids are in ``keep`` (a query that excludes them
        need not see them, and must not make their new rows meet a constraint before a rule
        has looked at them)."""
        if self._new:
            await self._insert_new()
        inserts: dict[str, tuple[TableMap, list[Any]]] = {}
        for state_id, state in list(self._states.items()):
            if state_id in self._removed or (only is not None and state.table is not only):
                continue
            if keep and state.obj.id in keep:
                continue
            await self._write_changes(state, inserts)
        for of, rows in inserts.values():  # new children of every aggregate, one batch a table
            await self.link.execute_many(of.insert, rows)
        if self._removed:
            await self._delete_removed()

    async def _insert_new(self) -> None:
        new, self._new = self._new, []
        groups: dict[str, tuple[TableMap, list[Any]]] = {}
        for table, obj in new:
            if id(obj) in self._removed:  # added and removed before any flush: never written
                del self._removed[id(obj)]
                self._identity.pop((table.name, obj.id), None)
                continue
            groups.setdefault(table.name, (table, []))[1].append(obj)
        for table, objs in groups.values():
            if table.versioned:
                for obj in objs:
                    obj.version += 1
                    self._bumped.add(id(obj))
            rows = [table.dump(obj) for obj in objs]
            await self.link.execute_many(table.insert, [table.params(row) for row in rows])
            for child in table.children:
                child_rows = [
                    child.of.params(child.of.dump(item, obj))
                    for obj in objs
                    for item in child.items(obj)
                ]
                await self.link.execute_many(child.of.insert, child_rows)
            for item, (_, insert) in zip(table.replaced, table.replace_statements, strict=True):
                side = [dict(row) for obj in objs for row in item.rows(obj)]
                await self.link.execute_many(insert, side)
            for obj in objs:
                self._states[id(obj)] = self._snapshot(table, obj)

    async def _write_changes(
        self, state: _State, inserts: dict[str, tuple[TableMap, list[Any]]]
    ) -> None:
        """Write ``state``'s changes; its new children's rows are added to ``inserts`` (by
        table), which the caller writes after every aggregate's updates."""
        table, obj, link = state.table, state.obj, self.link
        row = table.dump(obj)
        changed = () if row == state.row else _changed(row, state.row)
        children = [
            (child, state.children[child.attr], self._child_rows(child, obj))
            for child in table.children
        ]
        children_changed = any(now != then for _, then, now in children)
        replaced = _replaced_rows(table, obj) if table.replaced else []
        replaced_changed = replaced != state.replaced
        if not (changed or children_changed or replaced_changed):
            return
        if table.versioned and id(obj) not in self._bumped:
            self._bumped.add(id(obj))
            obj.version += 1
            row = table.dump(obj)
            changed = _changed(row, state.row)
        if changed:
            params = {table.column_names[i]: row[i] for i in changed}
            params.update(table.key_params(state.row))
            if await link.execute(table.update(changed), params) != 1:
                raise ConcurrencyConflict(STALE_MESSAGE)
        for child, then, now in children:
            if now != then:
                await self._write_children(child.of, then, now, inserts)
        if replaced_changed:
            for rows, (delete, insert) in zip(replaced, table.replace_statements, strict=True):
                await link.execute(delete, {"key": obj.id})
                await link.execute_many(insert, [dict(items) for items in rows])
        state.row = table.snapshot(row)
        for child, _, now in children:
            state.children[child.attr] = {key: child.of.snapshot(r) for key, r in now.items()}
        state.replaced = replaced

    @staticmethod
    def _child_rows(child: Any, parent: Any) -> dict[Any, Row]:
        of: TableMap = child.of
        rows = (of.dump(item, parent) for item in child.items(parent))
        return {of.key_of(row): row for row in rows}

    async def _write_children(
        self,
        of: TableMap,
        then: dict[Any, Row],
        now: dict[Any, Row],
        inserts: dict[str, tuple[TableMap, list[Any]]],
    ) -> None:
        link = self.link
        for key, row in then.items():
            if key not in now:
                await link.execute(of.delete, of.key_params(row))
        for key, row in now.items():
            old = then.get(key)
            if old is not None and old != row:
                changed = _changed(row, old)
                params = {of.column_names[i]: row[i] for i in changed}
                params.update(of.key_params(old))
                await link.execute(of.update(changed), params)
        added = [of.params(r) for k, r in now.items() if k not in then]
        if added:
            inserts.setdefault(of.name, (of, []))[1].extend(added)

    async def _delete_removed(self) -> None:
        removed, self._removed = self._removed, {}
        for obj_id, (table, obj) in removed.items():
            state = self._states.pop(obj_id, None)
            self._identity.pop((table.name, obj.id), None)
            if state is None:
                continue
            count = await self.link.execute(table.delete, table.key_params(state.row))
            if count != 1:
                raise ConcurrencyConflict(STALE_MESSAGE)
