"""The gift-card keys against what the database holds, and re-sealing under a new key (GC-11).

A runtime (``bootstrap``) is started on a database, cards are sealed, then the next start is
given a lost, different or partial key ring and must refuse — never silently make a fresh key.
Secrets are read back with the keys the test knows.

The suite asks for ``url``: a migrated, empty database (``sqlite+aiosqlite://`` or
``postgresql+asyncpg://``; not ``memory://``, whose database goes with its runtime). It reads
and changes the key checks and the sealed secrets with SQL on our tables, in three methods to
override where the runtime keeps them elsewhere: ``key_check_ids``, ``forget_key_checks`` and
``secrets``.
"""

from __future__ import annotations

import abc
import asyncio
import datetime as dt
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from shop_adapters.bootstrap import bootstrap
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.crypto import new_key_spec, parse_keys
from shop_adapters.shared.keyring import ring_of
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.giftcards.tables import giftcard_key_checks, giftcards
from shop_app.giftcards import commands as c
from shop_app.giftcards.keyring import KeysMissing, KeysNotOpened, WrongKey
from shop_app.giftcards.reseal import RESEAL_CARDS
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared.auth import Principal
from shop_app.shared.jobs import JobState
from shop_domain.giftcards.batch import BatchDefinition, CardKind, Validity
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.shared.money import Money

OPERATOR = Principal("alice", "operator", frozenset({"*"}))


class WorkerDied(BaseException):
    """The process running a job stops dead (not an error the job runner could record)."""


def key_id_in(path: Path) -> str:
    return parse_keys(path.read_text())[1]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def lose(path: Path) -> None:
    path.unlink()


def exists(path: Path) -> bool:
    return path.exists()


class KeyChecksContract(abc.ABC):
    """The gift-card key ring of a runtime over the database at ``url``. Subclasses provide the
    ``url`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    @abc.abstractmethod
    @pytest.fixture
    def url(self, *args: Any) -> str: ...

    @pytest.fixture
    def key_file(self, tmp_path: Path) -> Path:
        return tmp_path / "keys" / "giftcard.keys"

    def settings(
        self, url: str, tmp_path: Path, keys: str | None = None, **overrides: Any
    ) -> Settings:
        cards = GiftCardSettings(
            keys=keys,
            key_file=str(tmp_path / "keys" / "giftcard.keys"),
            export_dir=str(tmp_path / "exports"),
            chunk=100,
        )
        return Settings(database_url=url, sms="memory", sections=[cards], **overrides)

    async def started(self, url: str, tmp_path: Path, **overrides: Any) -> Runtime:
        runtime = bootstrap(self.settings(url, tmp_path, **overrides))
        try:
            await runtime.start()
        except BaseException:
            await runtime.close()
            raise
        return runtime

    async def refused(self, url: str, tmp_path: Path, **overrides: Any) -> Exception:
        runtime = bootstrap(self.settings(url, tmp_path, **overrides))
        try:
            with pytest.raises((KeysMissing, WrongKey)) as refused:
                await runtime.start()
        finally:
            await runtime.close()
        return refused.value

    async def make_cards(self, runtime: Runtime, count: int) -> None:
        now = runtime.clock.now()
        definition = BatchDefinition(
            name="Keys",
            kind=CardKind.VIRTUAL,
            face_value=Money.of("10.00", "CNY"),
            validity=Validity(starts_at=now, ends_at=now + dt.timedelta(days=30)),
            owner="alice",
        )
        await runtime.bus.handle(
            c.CreateBatch(definition=definition, actor="alice", count=count), actor=OPERATOR
        )
        await runtime.job_runner.run_until_idle("test")

    async def secrets(self, url: str, spec: str) -> dict[str, tuple[str, str]]:
        """number → (key id, opened secret) of every card, opened with the keys of ``spec``."""
        ring = ring_of(spec)
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    select(giftcards.c.number, giftcards.c.secret_key_id, giftcards.c.secret_blob)
                )
                return {
                    r.number: (
                        r.secret_key_id,
                        ring.open(r.number, SealedSecret(r.secret_key_id, r.secret_blob)),
                    )
                    for r in rows
                }
        finally:
            await engine.dispose()

    async def key_check_ids(self, url: str) -> list[str]:
        """The ids of the keys whose check value the database holds."""
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return list(
                    (await conn.execute(select(giftcard_key_checks.c.key_id))).scalars().all()
                )
        finally:
            await engine.dispose()

    async def forget_key_checks(self, url: str) -> None:
        """Delete every key check, as in a database from before they existed (0007)."""
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(delete(giftcard_key_checks))
        finally:
            await engine.dispose()

    # --- the start step -----------------------------------------------------------------------

    @pytest.mark.rule("GC-11")
    async def test_a_first_start_makes_a_private_key_file_and_records_its_check(
        self, url: str, tmp_path: Path, key_file: Path
    ) -> None:
        runtime = await self.started(url, tmp_path)
        await runtime.close()
        assert mode_of(key_file) == 0o600
        current = key_id_in(key_file)
        assert re.fullmatch(r"k[0-9a-f]{16}", current)
        assert await self.key_check_ids(url) == [current]
        # the next start reads the same file and agrees with the check recorded
        again = await self.started(url, tmp_path)
        await again.close()
        assert key_id_in(key_file) == current

    @pytest.mark.rule("GC-11")
    async def test_a_deleted_key_file_after_cards_exist_refuses_the_start_naming_the_key(
        self, url: str, tmp_path: Path, key_file: Path
    ) -> None:
        runtime = await self.started(url, tmp_path)
        try:
            await self.make_cards(runtime, 3)
        finally:
            await runtime.close()
        lost = key_id_in(key_file)
        lose(key_file)
        refusal = await self.refused(url, tmp_path)
        assert isinstance(refusal, KeysMissing)
        assert refusal.key_ids == (lost,)
        assert lost in str(refusal)
        assert "restore" in str(refusal)
        assert not exists(key_file)  # no fresh key was made
        runtime = bootstrap(self.settings(url, tmp_path))
        try:
            generator = runtime.get(GiftCardServices).generator
            with pytest.raises(KeysNotOpened):  # unchecked, nothing can be sealed
                generator.chunk(1, "")
        finally:
            await runtime.close()

    @pytest.mark.rule("GC-11")
    async def test_cards_sealed_before_checks_existed_still_name_their_key_when_it_is_lost(
        self, url: str, tmp_path: Path, key_file: Path
    ) -> None:
        runtime = await self.started(url, tmp_path)
        try:
            await self.make_cards(runtime, 2)
        finally:
            await runtime.close()
        lost = key_id_in(key_file)
        await self.forget_key_checks(url)  # as a database from before 0007
        lose(key_file)
        refusal = await self.refused(url, tmp_path)
        assert isinstance(refusal, KeysMissing)
        assert refusal.key_ids == (lost,)
        assert not exists(key_file)

    @pytest.mark.rule("GC-11")
    async def test_a_different_key_under_the_same_id_is_refused(
        self, url: str, tmp_path: Path
    ) -> None:
        spec = new_key_spec()
        key_id = parse_keys(spec)[1]
        runtime = await self.started(url, tmp_path, keys=spec)
        await runtime.close()
        impostor = new_key_spec(key_id)
        refusal = await self.refused(url, tmp_path, keys=impostor)
        assert isinstance(refusal, WrongKey)
        assert f"key {key_id} of SHOP_GIFTCARD_KEYS is not the key that sealed" in str(refusal)
        assert spec.split(":")[1] not in str(refusal)  # no key material in the message (SEC-3)

    @pytest.mark.rule("GC-11")
    async def test_keys_given_in_full_seal_nothing_until_checked_at_start(
        self, url: str, tmp_path: Path
    ) -> None:
        spec = new_key_spec()
        key_id = parse_keys(spec)[1]
        runtime = await self.started(url, tmp_path, keys=spec)
        await runtime.close()
        impostor = bootstrap(self.settings(url, tmp_path, keys=new_key_spec(key_id)))
        try:
            generator = impostor.get(GiftCardServices).generator
            with pytest.raises(KeysNotOpened):  # a wrong key under a known id seals nothing
                generator.chunk(1, "")
            with pytest.raises(WrongKey):
                await impostor.start()
            with pytest.raises(KeysNotOpened):
                generator.chunk(1, "")
        finally:
            await impostor.close()

    @pytest.mark.rule("GC-11")
    async def test_a_key_proven_only_by_its_cards_is_checked_by_opening_one(
        self, url: str, tmp_path: Path
    ) -> None:
        spec = new_key_spec()
        key_id = parse_keys(spec)[1]
        runtime = await self.started(url, tmp_path, keys=spec)
        try:
            await self.make_cards(runtime, 2)
        finally:
            await runtime.close()
        await self.forget_key_checks(url)
        refusal = await self.refused(url, tmp_path, keys=new_key_spec(key_id))
        assert isinstance(refusal, WrongKey)
        # the right key is proven by opening a card, and its check value recorded again
        runtime = await self.started(url, tmp_path, keys=spec)
        await runtime.close()
        refusal = await self.refused(url, tmp_path, keys=new_key_spec(key_id))
        assert isinstance(refusal, WrongKey)

    @pytest.mark.rule("GC-11")
    async def test_a_new_ring_without_the_old_key_is_refused_and_with_it_starts(
        self, url: str, tmp_path: Path
    ) -> None:
        old = new_key_spec()
        runtime = await self.started(url, tmp_path, keys=old)
        await runtime.close()
        new = new_key_spec()
        refusal = await self.refused(url, tmp_path, keys=new)
        assert isinstance(refusal, KeysMissing)
        assert refusal.key_ids == (parse_keys(old)[1],)
        runtime = await self.started(url, tmp_path, keys=f"{new},{old}")
        await runtime.close()

    # --- re-sealing ---------------------------------------------------------------------------

    @pytest.mark.rule("GC-11")
    @pytest.mark.rule("SEC-3")
    async def test_reseal_moves_every_card_to_the_new_key_and_resumes(
        self, url: str, tmp_path: Path
    ) -> None:
        old = new_key_spec()
        runtime = await self.started(url, tmp_path, keys=old)
        try:
            await self.make_cards(runtime, 250)
        finally:
            await runtime.close()
        before = await self.secrets(url, old)
        new = new_key_spec()
        ring = f"{new},{old}"
        new_id, old_id = parse_keys(new)[1], parse_keys(old)[1]

        runtime = await self.started(url, tmp_path, keys=ring, jobs_lease_seconds=1)
        try:
            job_id = await runtime.job_runner.submit(RESEAL_CARDS, {}, created_by="test")
            reports: list[tuple[int, int | None]] = []

            def interrupt(done: int, total: int | None) -> None:
                reports.append((done, total))
                if done > 0:
                    raise WorkerDied  # the process dies after the first chunk

            with pytest.raises(WorkerDied):
                await runtime.job_runner.run_inline(job_id, "w1", interrupt)
        finally:
            await runtime.close()
        halfway = await self.secrets(url, ring)
        assert {key for key, _ in halfway.values()} == {new_id, old_id}
        assert reports[0] == (0, 250)

        await asyncio.sleep(1.1)  # the dead worker's lease runs out
        runtime = await self.started(url, tmp_path, keys=ring)
        try:
            finished = await runtime.job_runner.run_inline(job_id, "w2")  # the same job resumes
        finally:
            await runtime.close()
        assert finished.state is JobState.SUCCEEDED
        assert finished.result is not None
        assert finished.result["sealed_by"] == {new_id: 250, old_id: 0}
        assert 0 < finished.result["resealed"] < 250
        after = await self.secrets(url, new)  # the old key is no longer needed
        assert {number: secret for number, (_, secret) in after.items()} == {
            number: secret for number, (_, secret) in before.items()
        }
        assert {key for key, _ in after.values()} == {new_id}
        shown = repr(finished) + str(finished.result)
        assert not any(secret in shown for _, secret in after.values())
        # with every card moved, the old key can leave the ring
        runtime = await self.started(url, tmp_path, keys=new)
        await runtime.close()
