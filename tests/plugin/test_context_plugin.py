"""A context plugs in without editing a kernel file (issue 10, item 3; ADR 0030).

The notes context of :mod:`tests.plugin.notes_context` exists only here. Given to
``bootstrap(contexts=...)`` next to the shop's own, it gets everything a context gets — its
repository in the unit of work, its handlers on the bus, its settings section, its start step,
its job kind, its read side from the runtime, its HTTP routes and its commands — and the shop's
contexts keep working beside it.
"""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import AsyncTestClient
from tests.plugin.notes_context import (
    PLUGIN,
    CountNotes,
    EditNote,
    NoteQueries,
    NotesSettings,
    NoteTooLong,
    WriteNote,
)

from shop_adapters.bootstrap import bootstrap
from shop_adapters.contexts import CONTEXTS
from shop_adapters.http import create_app
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_app.catalog import commands as catalog


@pytest.fixture
async def shop() -> Runtime:
    settings = Settings(database_url="memory://", sections={NotesSettings: NotesSettings(20)})
    runtime = bootstrap(settings, contexts=(*CONTEXTS, PLUGIN))
    await runtime.start()  # the notes' start step makes their table
    yield runtime  # type: ignore[misc]
    await runtime.close()


async def test_commands_repository_and_read_side(shop: Runtime) -> None:
    note_id = await shop.bus.handle(WriteNote(owner="ann", text="buy milk"))
    await shop.bus.handle(EditNote(note_id=note_id, text="buy oat milk"))
    assert await shop.get(NoteQueries).text_of(note_id) == "buy oat milk"
    # the shop's own contexts work beside it, in the same runtime
    category = await shop.bus.handle(catalog.CreateCategory(name="Dairy"))
    assert isinstance(category, uuid.UUID)


async def test_its_settings_section_is_read(shop: Runtime) -> None:
    with pytest.raises(NoteTooLong):
        await shop.bus.handle(WriteNote(owner="ann", text="x" * 21))


async def test_its_section_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_NOTES_MAX_LENGTH", "3")
    assert Settings(database_url="memory://").section(NotesSettings) == NotesSettings(3)


async def test_its_job_kind_runs(shop: Runtime) -> None:
    await shop.bus.handle(WriteNote(owner="ann", text="one"))
    job_id = await shop.bus.handle(CountNotes())
    assert await shop.job_runner.run_until_idle("test") == 1
    job = await shop.jobs.get(job_id)
    assert job is not None
    assert job.result == {"notes": 1}


async def test_its_http_routes_are_served(shop: Runtime) -> None:
    async with AsyncTestClient(app=create_app(shop)) as client:
        written = await client.post("/test-notes", json={"text": "hello"})
        assert written.status_code == 201
        read = await client.get(f"/test-notes/{written.text}")
        assert read.status_code == 200
        assert read.text == "hello"
        missing = await client.get(f"/test-notes/{uuid.uuid4()}")
        assert missing.status_code == 404
        assert missing.json()["code"] == "notes.not_found"
        # and the shop's own routes are there too
        assert (await client.get("/catalog/products")).status_code == 200


def test_its_commands_are_found() -> None:
    commands = PLUGIN.commands()
    assert [c.name for c in commands.commands] == ["notes"]


def test_the_kernel_does_not_know_it() -> None:
    assert "notes" not in {context.name for context in CONTEXTS}
