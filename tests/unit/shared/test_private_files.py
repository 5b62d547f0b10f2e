"""Files that hold the shop's data are private to their owner (finding 7 of issue 9): the
SQLite database and the files SQLite makes beside it, the gift-card export folder and files,
and the development SMS inbox. Each test checks the modes of files the real code creates."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from shop_adapters.bootstrap import bootstrap
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.settings import Settings
from shop_adapters.shared.sms import FileSmsSender
from shop_adapters.sql.engine import make_engine, upgrade_async
from shop_app.giftcards import commands as c
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared.auth import Principal
from shop_domain.giftcards.batch import BatchDefinition, CardKind, Validity
from shop_domain.shared.money import Money


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems start with, which alone would make files 0644 and folders 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.rule("SEC-3")
async def test_the_sqlite_database_its_side_files_and_its_folder_are_private(
    tmp_path: Path,
) -> None:
    database = tmp_path / "var" / "shop.db"
    url = f"sqlite+aiosqlite:///{database}"
    await upgrade_async(url)  # Alembic creates the file, as `shop serve` does on first start
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:  # a write, so the -wal and -shm files exist
            await conn.execute(text("CREATE TABLE scratch (x INTEGER)"))
        side_files = [database.with_name(f"shop.db{suffix}") for suffix in ("-wal", "-shm")]
        assert all(path.exists() for path in side_files)
        assert mode(database.parent) == 0o700
        assert mode(database) == 0o600
        assert [mode(path) for path in side_files] == [0o600, 0o600]
    finally:
        await engine.dispose()


@pytest.mark.rule("SEC-3")
async def test_an_existing_database_keeps_its_mode(tmp_path: Path) -> None:
    database = tmp_path / "shop.db"
    database.touch(mode=0o640)
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert mode(database) == 0o640  # the operator's choice; only what we create is ours


@pytest.mark.rule("SEC-3")
async def test_the_sms_inbox_folder_is_private(tmp_path: Path) -> None:
    inbox = tmp_path / "var" / "sms-outbox.log"
    await FileSmsSender(inbox).send("+86 138 0000 1234", "your code is 123456")
    assert mode(inbox.parent) == 0o700
    assert mode(inbox) == 0o600


@pytest.mark.rule("GC-12")
async def test_the_export_folder_and_files_are_private(tmp_path: Path) -> None:
    export_dir = tmp_path / "exports"
    runtime = bootstrap(
        Settings(
            database_url="memory://",
            sms="memory",
            sections=[GiftCardSettings(export_dir=str(export_dir))],
        )
    )
    try:
        cards, sms = runtime.get(GiftCardServices), runtime.sms
        alice = Principal("alice", "operator", frozenset({"giftcards.manage", "giftcards.export"}))
        now = runtime.clock.now()
        definition = BatchDefinition(
            name="Private files",
            kind=CardKind.PHYSICAL,
            face_value=Money.of("100.00", "CNY"),
            validity=Validity(starts_at=now, ends_at=now + dt.timedelta(days=365)),
            owner="alice",
            owner_phone="+86 138 0000 1234",
            card_maker="Acme Printing",
        )
        started = await runtime.bus.handle(
            c.CreateBatch(definition=definition, actor="alice", count=3), actor=alice
        )
        await runtime.job_runner.run_until_idle("test")
        await runtime.bus.handle(
            c.RequestExportCode(batch_id=started.batch_id, actor="alice"), actor=alice
        )
        code = re.search(r"\d{6}", sms.sent[-1].text).group()  # type: ignore[union-attr]
        export = await runtime.bus.handle(
            c.StartExport(
                batch_id=started.batch_id, actor="alice", password="pw-123456", code=code
            ),
            actor=alice,
        )
        await runtime.job_runner.run_until_idle("test")
        written = cards.exporter.path(export.export_id)
        assert written.exists()
        assert mode(export_dir) == 0o700
        assert mode(written) == 0o600
    finally:
        await runtime.close()
