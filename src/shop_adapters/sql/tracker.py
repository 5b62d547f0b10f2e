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

On PostgreSQL, an object whose row this transaction holds locked (read by a ``FOR UPDATE``
statement, or inserted by it) cannot have been changed by anyone else since: its ``UPDATE``
needs no count checked, and is sent with the others of the same columns in
one ``executemany`` at the end of the flush — an order's five stock rows in one round trip.
Children's updates likewise, and every aggregate's new children, one batch per table.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy.sql import Executable

from shop_adapters.sql.bulk import Batch
from shop_adapters.sql.driver import Link, Prepared
from shop_adapters.sql.errors import STALE_MESSAGE
from shop_adapters.sql.mapper import Row, TableMap
from shop_adapters.sql.tracker_state import (
    State,
    changed_columns,
    child_rows,
    differs,
    replaced_rows,
)
from shop_domain.shared.errors import ConcurrencyConflict
from shop_domain.shared.unread import Unread


class Tracker:
    def __init__(self, link: Link, track: Callable[[Any], None]) -> None:
        self.link = link
        self._track = track
        self._identity: dict[tuple[str, Any], Any] = {}
        self._states: dict[int, State] = {}
        self._new: list[tuple[TableMap, Any]] = []
        self._removed: dict[int, tuple[TableMap, Any]] = {}
        self._bumped: set[int] = set()
        self.added_ids: set[Any] = set()
        """The ids of every object added in this transaction (written or not)."""

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
        without: Collection[str] = (),
    ) -> list[Any]:
        """The objects of the rows ``statement`` selects (``table.select_all`` columns); the
        children named in ``without`` are not read (each object newly read holds an
        ``Unread`` there; one this transaction held already and ``refresh`` reads again is
        read whole, children included, so what it held is never left unread)."""
        rows = await self.rows(statement, params)
        return await self.adopt(
            table, rows, refresh=refresh, locks=self._locks(statement), without=without
        )

    def _locks(self, statement: Prepared | Executable) -> bool:
        """Whether the rows ``statement`` reads stay locked until the end of the transaction
        (on PostgreSQL; SQLite's one writer needs no batch: a statement there is a call, not a
        round trip, and every update keeps its count checked)."""
        return (
            self.link.postgres
            and isinstance(statement, Prepared)
            and statement.compiled(self.link.dialect).locks_its_rows
        )

    async def adopt(
        self,
        table: TableMap,
        rows: Sequence[Sequence[Any]],
        *,
        refresh: bool = False,
        locks: bool = False,
        without: Collection[str] = (),
    ) -> list[Any]:
        found: list[Any] = []
        new: list[Any] = []
        refreshed: list[Any] = []  # held already: its children are read again, all of them
        identity = self._identity
        name, key = table.name, table.key[0]
        for row in rows:
            ident = (name, row[key])
            obj = identity.get(ident)
            if obj is None:
                obj = identity[ident] = table.load(row)
                new.append(obj)
                self._track(obj)
            elif refresh and id(obj) in self._states:
                table.load(row, into=obj)
                refreshed.append(obj)
            if id(obj) not in self._removed:
                found.append(obj)
        if new:
            await self._load_children(table, new, without)
        if refreshed:
            await self._load_children(table, refreshed, ())
        for fresh in (new, refreshed):
            for obj in fresh:
                state = self._states[id(obj)] = self._snapshot(table, obj)
                state.locked = locks
        return found

    async def _load_children(
        self, table: TableMap, parents: list[Any], without: Collection[str]
    ) -> None:
        for child in table.children:
            if child.attr in without:
                for parent in parents:
                    setattr(parent, child.attr, Unread(f"{table.name}.{child.attr}"))
                continue
            if not child.loaded:
                continue
            by_id = {parent.id: parent for parent in parents}
            rows = await self.link.fetch(table.children_select[child.attr], {"ids": list(by_id)})
            parent_index = child.of.index[child.parent_column]
            for row in rows:
                child.attach(by_id[row[parent_index]], child.of.load(row))

    def _snapshot(self, table: TableMap, obj: Any) -> State:
        children = {
            child.attr: {
                child.of.key_of(row): child.of.snapshot(row)
                for row in (child.of.dump(item, obj) for item in child.items(obj))
            }
            for child in table.children
        }
        return State(
            obj, table, table.snapshot(table.dump(obj)), children, replaced_rows(table, obj)
        )

    def settle(self, obj: Any) -> None:
        """Take what ``obj`` holds now as what was loaded: after a repository attached the rows
        of children it loads itself (``Children(loaded=False)``), only later changes are
        written."""
        state = self._states.get(id(obj))
        if state is not None:
            settled = self._states[id(obj)] = self._snapshot(state.table, obj)
            settled.locked = state.locked

    def attached(self, obj: Any, attr: str, items: Collection[Any]) -> None:
        """Take ``items``, just read and attached to ``obj``'s children ``attr``, as loaded:
        only what changes in them later is written (``obj``'s own changes so far stay
        unwritten, unlike :meth:`settle`)."""
        state = self._states.get(id(obj))
        if state is None or not items:
            return
        [child] = [c for c in state.table.children if c.attr == attr]
        rows = state.children[attr]
        for item in items:
            row = child.of.dump(item, obj)
            rows[child.of.key_of(row)] = child.of.snapshot(row)

    def get(self, table: TableMap, id_: Any) -> Any | None:
        """The object of ``id_`` if this transaction holds it already."""
        obj = self._identity.get((table.name, id_))
        return None if obj is None or id(obj) in self._removed else obj

    # --- changing -------------------------------------------------------------------------
    def add(self, table: TableMap, obj: Any) -> None:
        self._identity[(table.name, obj.id)] = obj
        self._new.append((table, obj))
        self.added_ids.add(obj.id)
        self._track(obj)

    def add_many(self, table: TableMap, objs: Sequence[Any]) -> None:
        identity, new, track = self._identity, self._new, self._track
        name = table.name
        for obj in objs:
            identity[(name, obj.id)] = obj
            new.append((table, obj))
            track(obj)
        self.added_ids.update(obj.id for obj in objs)

    def remove(self, table: TableMap, obj: Any) -> None:
        """Delete ``obj`` at the next flush; it stays tracked, so its events still go out."""
        self._track(obj)
        if id(obj) in self._states or any(o is obj for _, o in self._new):
            self._removed[id(obj)] = (table, obj)

    # --- writing --------------------------------------------------------------------------
    async def flush(
        self,
        only: TableMap | None = None,
        keep: Collection[Any] = (),
        also: Sequence[tuple[Prepared, Sequence[Mapping[str, Any]]]] = (),
        reads: Prepared | None = None,
    ) -> None:
        """Write what changed since the last flush — everything, or ``only`` what a query of
        that table's rows must see (its own objects; a new row of another table may be what a
        foreign key of its rows points to, so new rows are written too — unless nothing of
        ``only`` is to be written and the query, ``reads``, reads no other table: then nothing
        is, and the new rows wait for the next flush, decision 0048) — except the
        changes of the loaded aggregates whose ids are in ``keep`` (a query that excludes them
        need not see them, and must not make their new rows meet a constraint before a rule
        has looked at them). ``also``: statements and their rows to send with the last
        changes (the outbox's rows at commit)."""
        if only is not None and reads is not None and self._nothing_of(only, reads):
            return
        # the new rows first; then, after any statement sent on its own (an update whose count
        # is checked, a child's delete), the locked rows' updates and the new children
        first, later = Batch(), Batch()
        written = self._insert_new(first) if self._new else set()
        for state_id, state in list(self._states.items()):
            if state_id in self._removed or (only is not None and state.table is not only):
                continue
            if state_id in written:  # just inserted as it is
                continue
            if keep and state.obj.id in keep:
                continue
            await self._write_changes(state, first, later)
        for statement, rows in also:
            later.add_many(statement, rows)
        await first.send(self.link, then=later)
        if self._removed:
            await self._delete_removed()

    def _nothing_of(self, only: TableMap, reads: Prepared) -> bool:
        """Whether ``reads`` reads ``only``'s table alone and nothing of it waits to be
        written: no new, removed or changed object of it."""
        if reads.compiled(self.link.dialect).tables != {only.name}:
            return False
        if any(table is only for table, _ in self._new) or any(
            table is only for table, _ in self._removed.values()
        ):
            return False
        return not any(state.table is only and differs(state) for state in self._states.values())

    def _insert_new(self, batch: Batch) -> set[int]:
        """Add the inserts of the added objects to ``batch``, one batch per table (children
        and side rows likewise); the rows inserted are their snapshots. The ids of the objects
        written."""
        new, self._new = self._new, []
        groups: dict[str, tuple[TableMap, list[Any]]] = {}
        for table, obj in new:
            if id(obj) in self._removed:  # added and removed before any flush: never written
                del self._removed[id(obj)]
                self._identity.pop((table.name, obj.id), None)
                continue
            groups.setdefault(table.name, (table, []))[1].append(obj)
        written: set[int] = set()
        for table, objs in groups.values():
            if table.versioned:
                for obj in objs:
                    obj.version += 1
                    self._bumped.add(id(obj))
            rows = [table.dump(obj) for obj in objs]
            batch.add_many(table.insert, [table.params(row) for row in rows])
            kids = [
                {
                    child.attr: [child.of.dump(item, obj) for item in child.items(obj)]
                    for child in table.children
                }
                for obj in objs
            ]
            for child in table.children:
                of = child.of
                child_rows = [of.params(row) for made in kids for row in made[child.attr]]
                batch.add_many(of.insert, child_rows)
            for item, (_, insert) in zip(table.replaced, table.replace_statements, strict=True):
                side = [dict(row) for obj in objs for row in item.rows(obj)]
                batch.add_many(insert, side)
            for obj, row, made in zip(objs, rows, kids, strict=True):
                children = {
                    child.attr: {child.of.key_of(r): child.of.snapshot(r) for r in made[child.attr]}
                    for child in table.children
                }
                state = State(obj, table, table.snapshot(row), children, replaced_rows(table, obj))
                state.locked = self.link.postgres  # no one else sees it before commit
                self._states[id(obj)] = state
                written.add(id(obj))
        return written

    async def _write_changes(self, state: State, first: Batch, later: Batch) -> None:
        """Write ``state``'s changes: the updates of a locked row and of children, and new
        children, into ``later``, which the caller sends after every aggregate's; ``first``
        (the new rows) is sent before any statement that goes on its own."""
        table, obj, link = state.table, state.obj, self.link
        row = table.dump(obj)
        changed = () if row == state.row else changed_columns(row, state.row)
        children = [
            (child, state.children[child.attr], child_rows(child, obj)) for child in table.children
        ]
        children_changed = any(now != then for _, then, now in children)
        replaced = replaced_rows(table, obj) if table.replaced else []
        replaced_changed = replaced != state.replaced
        if not (changed or children_changed or replaced_changed):
            return
        if table.versioned and id(obj) not in self._bumped:
            self._bumped.add(id(obj))
            obj.version += 1
            row = table.dump(obj)
            changed = changed_columns(row, state.row)
        if changed:
            params = {table.column_names[i]: row[i] for i in changed}
            params.update(table.key_params(state.row))
            if state.locked:
                later.add(table.update(changed), params)
            else:
                await first.send(link)
                if await link.execute(table.update(changed), params) != 1:
                    raise ConcurrencyConflict(STALE_MESSAGE)
        for child, then, now in children:
            if now != then:
                await self._write_children(child.of, then, now, first, later)
        if replaced_changed:
            await first.send(link)
            for rows, (delete, insert) in zip(replaced, table.replace_statements, strict=True):
                await link.execute(delete, {"key": obj.id})
                await link.execute_many(insert, [dict(items) for items in rows])
        state.row = table.snapshot(row)
        for child, _, now in children:
            state.children[child.attr] = {key: child.of.snapshot(r) for key, r in now.items()}
        state.replaced = replaced

    async def _write_children(
        self,
        of: TableMap,
        then: dict[Any, Row],
        now: dict[Any, Row],
        first: Batch,
        later: Batch,
    ) -> None:
        link = self.link
        for key, row in then.items():
            if key not in now:
                await first.send(link)
                await link.execute(of.delete, of.key_params(row))
        for key, row in now.items():
            old = then.get(key)
            if old is not None and old != row:
                changed = changed_columns(row, old)
                params = {of.column_names[i]: row[i] for i in changed}
                params.update(of.key_params(old))
                later.add(of.update(changed), params)
        for key, row in now.items():
            if key not in then:
                later.add(of.insert, of.params(row))

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
