"""A context plugs in without editing a kernel file (issue 10, item 3; ADR 0030).

The notes context of :mod:`tests.plugin.notes_context` exists only here. Given to
``bootstrap(contexts=...)`` next to the shop's own, it gets everything a context gets — its
repository in the unit of work, its handlers on the bus, its settings section, its start step,
its job kind, its read side from the runtime, its HTTP routes and its commands, and the purge of
its table by its own retention rule — and the shop's contexts keep working beside it.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from litestar.testing import AsyncTestClient
from tests.plugin.notes_context import (
    HISTORY,
    PLUGIN,
    CountNotes,
    EditNote,
    NoteHistory,
    NoteQueries,
    NotesSettings,
    NoteTooLong,
    WriteNote,
)

from shop_adapters.bootstrap import bootstrap
from shop_adapters.cli.sweep import purge
from shop_adapters.contexts import CONTEXTS
from shop_adapters.http import create_app
from shop_adapters.runtime import Runtime
from shop_adapters.settings import InvalidSetting, Settings
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
    assert Settings.from_env().section(NotesSettings) == NotesSettings(3)
    # settings built in code read nothing from the environment: the section's defaults
    assert Settings(database_url="memory://").section(NotesSettings) == NotesSettings()


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


async def test_its_retention_rule_is_run_by_the_sweep(shop: Runtime) -> None:
    history, now = shop.get(NoteHistory), shop.clock.now()
    for age in (45, 31, 40, 29, 1):
        await history.add(uuid.uuid4(), "earlier", now - dt.timedelta(days=age))
    # what `shop sweep` and the serve loop run: the kernel's tables, then every context's
    purged = await purge(shop)
    assert purged[HISTORY.table] == 3
    assert purged["coupon_segments"] == 0  # the shop's own contexts' rules run beside it
    assert await history.count() == 2  # younger than the default 30 days
    assert await purge(shop) == dict.fromkeys(purged, 0)


async def test_its_retention_comes_from_its_variable() -> None:
    env = {"SHOP_DATABASE_URL": "memory://", "SHOP_RETENTION_NOTES_DAYS": "2"}
    settings = Settings.from_env(env)
    shop = bootstrap(settings, contexts=(*CONTEXTS, PLUGIN))
    try:
        assert shop.retention is not None
        assert shop.retention.tables[HISTORY.table] == dt.timedelta(days=2)
        assert shop.retention.tables["coupon_segments"] == dt.timedelta(days=7)
    finally:
        await shop.close()
    too_short = Settings.from_env({**env, "SHOP_RETENTION_NOTES_DAYS": "0"})
    with pytest.raises(InvalidSetting, match="SHOP_RETENTION_NOTES_DAYS"):
        bootstrap(too_short, contexts=(*CONTEXTS, PLUGIN))
