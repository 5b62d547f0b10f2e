"""A bounded context that exists only in the tests — notes — plugged into `shop` without editing
a kernel file (issue 10, item 3; ADR 0030).

It brings what a real context brings: a domain aggregate, a table and its map, a repository
(``uow.notes``), command handlers, a read side handed out by the runtime, a settings section
(``SHOP_NOTES_MAX_LENGTH``), a retention rule (its ``test_note_history`` rows go after
``SHOP_RETENTION_NOTES_DAYS``, 30 by default, when ``shop sweep`` or the serve loop purges), a
start-up step, a job kind, an HTTP controller and a command group. A real context's tables come
with an Alembic migration; this one's are made by its start step on its own ``MetaData``, so
that the project's schema (``alembic check``) does not see it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import attrs
import click
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid, delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.cli.support import ContextCommands
from shop_adapters.http.auth import PUBLIC
from shop_adapters.plugin import ContextPlugin, RetainedTable, Wiring
from shop_adapters.runtime import Runtime
from shop_adapters.sql.mapper import TableMap
from shop_adapters.sql.metadata import UtcDateTime
from shop_adapters.sql.uow import SqlRepository
from shop_app.shared.jobs import JobHandler, JobView, Report
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.retention import DAY, PurgeOldest, RetentionRule
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import InvalidValue, NotFound

# --- domain -----------------------------------------------------------------------------------


@attrs.define(slots=False, eq=False)
class Note(Aggregate):
    owner: str
    text: str

    def edit(self, text: str) -> None:
        self.text = text


class NoteTooLong(InvalidValue):
    code = "notes.too_long"


class NoteNotFound(NotFound):
    code = "notes.not_found"

    def __init__(self, note_id: uuid.UUID) -> None:
        super().__init__(f"no note {note_id}")


@attrs.frozen
class WriteNote:
    owner: str
    text: str


@attrs.frozen
class EditNote:
    note_id: uuid.UUID
    text: str


@attrs.frozen
class CountNotes:
    """Count the notes in the background (a job of the notes' own kind)."""


# --- settings, tables, repository, read side --------------------------------------------------


@attrs.frozen
class NotesSettings:
    max_length: int = 140

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotesSettings:
        return cls(max_length=int(env.get("SHOP_NOTES_MAX_LENGTH", "140")))


metadata = MetaData()
notes = Table(
    "test_notes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner", String(100), nullable=False),
    Column("text", String(1000), nullable=False),
    Column("version", Integer, nullable=False),
)
NOTES = TableMap(Note, notes)
note_history = Table(
    "test_note_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("note_id", Uuid, nullable=False),
    Column("text", String(1000), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

HISTORY = RetentionRule(table="test_note_history", setting="NOTES", default=30 * DAY)


class SqlNoteRepository(SqlRepository[Note]):
    table = NOTES
    not_found = staticmethod(NoteNotFound)


class NoteQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def text_of(self, note_id: uuid.UUID) -> str | None:
        async with self._engine.connect() as conn:
            found = await conn.scalar(select(notes.c.text).where(notes.c.id == note_id))
        return None if found is None else str(found)

    async def count(self) -> int:
        async with self._engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(notes)) or 0)


class NoteHistory:
    """A note's earlier texts: written by the tests, purged by the notes' retention rule."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, note_id: uuid.UUID, text: str, at: dt.datetime) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(note_history.insert().values(note_id=note_id, text=text, at=at))

    async def count(self) -> int:
        async with self._engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(note_history)) or 0)

    async def purge(self, cutoff: dt.datetime, limit: int) -> int:
        h = note_history.c
        oldest = select(h.id).where(h.at < cutoff).order_by(h.at).limit(limit)
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(note_history).where(h.id.in_(oldest)))
        return int(result.rowcount)


# --- wiring -----------------------------------------------------------------------------------

COUNT_NOTES = "notes.count"


def _wire(wiring: Wiring) -> None:
    wiring.add(NotesSettings, wiring.settings.section(NotesSettings))
    wiring.add(NoteQueries, NoteQueries(wiring.engine))
    wiring.add(NoteHistory, NoteHistory(wiring.engine))


def _handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
    limit = wiring.resolve(NotesSettings).max_length

    async def write(command: WriteNote, uow: Any) -> uuid.UUID:
        if len(command.text) > limit:
            raise NoteTooLong(f"a note has at most {limit} characters")
        note = Note(id=uow.ids.new_id(), owner=command.owner, text=command.text)
        uow.notes.add(note)
        return note.id

    async def edit(command: EditNote, uow: Any) -> None:
        note = await uow.notes.get(command.note_id)
        note.edit(command.text)

    async def count_later(command: CountNotes, uow: Any) -> uuid.UUID:
        job_id: uuid.UUID = await uow.jobs.enqueue(COUNT_NOTES, {}, created_by="notes")
        return job_id

    return {WriteNote: write, EditNote: edit, CountNotes: count_later}


def _jobs(wiring: Wiring) -> Mapping[str, JobHandler]:
    queries: NoteQueries = wiring.resolve(NoteQueries)

    async def count(_job: JobView, _report: Report) -> Mapping[str, Any]:
        return {"notes": await queries.count()}

    return {COUNT_NOTES: count}


def _purge_history(wiring: Wiring) -> PurgeOldest:
    history: NoteHistory = wiring.resolve(NoteHistory)
    return history.purge


def _starters(wiring: Wiring) -> Sequence[Callable[[], Awaitable[None]]]:
    async def create_tables() -> None:
        async with wiring.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    return (create_tables,)


class NotesController(Controller):
    path = "/test-notes"
    opt = dict(PUBLIC)

    @post("/", summary="Write a note")
    async def write(self, runtime: NamedDependency[Runtime], data: JSONBody[dict[str, str]]) -> str:
        note_id = await runtime.bus.handle(WriteNote(owner="web", text=data["text"]))
        return str(note_id)

    @get("/{note_id:uuid}", summary="A note's text")
    async def read(self, runtime: NamedDependency[Runtime], note_id: FromPath[uuid.UUID]) -> str:
        text = await runtime.get(NoteQueries).text_of(note_id)
        if text is None:
            raise NoteNotFound(note_id)
        return text


CONTROLLERS = [NotesController]


@click.group("notes")
def notes_group() -> None:
    """Notes (a context of the tests)."""


COMMANDS = ContextCommands(name="notes", commands=(notes_group,))

PLUGIN = ContextPlugin(
    name="notes",
    tables=(),
    settings=NotesSettings,
    retention=(RetainedTable(rule=HISTORY, purge=_purge_history),),
    wire=_wire,
    handlers=_handlers,
    repositories={"notes": SqlNoteRepository},
    jobs=_jobs,
    starters=_starters,
    services=(NoteQueries, NoteHistory),
    http="tests.plugin.notes_context:CONTROLLERS",
    cli="tests.plugin.notes_context:COMMANDS",
)
