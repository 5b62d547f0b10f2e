"""The kernel's jobs, limiter and audit log as bootstrap wires them, and the ``shop jobs``
commands, on ``memory://`` (an in-memory SQLite database) and on real SQLite files."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from shop_adapters.bootstrap import bootstrap
from shop_adapters.cli import main
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.sql.engine import upgrade
from shop_adapters.sql.jobs import SqlJobStore
from shop_app.catalog.commands import CreateBrand
from shop_app.shared.auth import Principal
from shop_app.shared.jobs import JobState, JobView, Report
from shop_app.shared.ratelimit import AttemptPolicy
from shop_domain.shared.errors import InvalidValue

OPERATOR = Principal("op-1", "operator", frozenset({"catalog.write"}))
POLICY = AttemptPolicy(2, dt.timedelta(minutes=5), dt.timedelta(minutes=15))


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path}/shop.db"
    upgrade(url)
    return url


async def exercise(runtime: Runtime) -> None:
    """What every context relies on, through the runtime as bootstrap built it."""
    # audit: an operator's command lands in the log the runtime reads
    brand_id = await runtime.bus.handle(CreateBrand(name="Acme"), actor=OPERATOR)
    assert runtime.audit is not None
    [entry] = await runtime.audit.list(actor="op-1")
    assert (entry.action, entry.outcome, entry.detail["name"]) == ("create_brand", "done", "Acme")
    assert isinstance(brand_id, uuid.UUID)

    # jobs: a handler registered on the runner runs jobs of the runtime's store
    async def count(job: JobView, report: Report) -> Mapping[str, Any]:
        await report(job.params["n"], job.params["n"])
        return {"counted": job.params["n"]}

    runtime.job_runner.register("test.count", count)
    job_id = await runtime.job_runner.submit("test.count", {"n": 5}, created_by="op-1")
    assert await runtime.job_runner.run_until_idle("w1") == 1
    job = await runtime.jobs.get(job_id)
    assert job is not None
    assert (job.state, job.done, job.result) == (JobState.SUCCEEDED, 5, {"counted": 5})

    # the limiter
    now = runtime.clock.now()
    assert await runtime.limiter.record_failure("test.scope", "u1", now, POLICY) is None
    assert await runtime.limiter.record_failure("test.scope", "u1", now, POLICY) is not None
    assert await runtime.limiter.blocked_until("test.scope", "u1", now) is not None


async def test_bootstrap_in_memory_wires_the_kernel() -> None:
    runtime = bootstrap(Settings(database_url="memory://"))
    try:
        assert isinstance(runtime.jobs, SqlJobStore)  # the SQL adapters, as in production
        assert runtime.job_runner.store is runtime.jobs
        assert runtime.job_runner.kinds == {
            "coupons.generate_codes",
            "coupons.issue_segment",
            "giftcards.generate_cards",
            "giftcards.export_cards",
            "giftcards.reseal_cards",
        }
        await exercise(runtime)
    finally:
        await runtime.close()


async def test_bootstrap_on_sqlite_wires_the_kernel(sqlite_file: str) -> None:
    runtime = bootstrap(Settings(database_url=sqlite_file, jobs_lease_seconds=42))
    try:
        assert isinstance(runtime.jobs, SqlJobStore)
        assert runtime.job_runner.lease == dt.timedelta(seconds=42)
        await exercise(runtime)
    finally:
        await runtime.close()


async def test_bootstrap_on_postgres_wires_the_kernel(postgres_url: str) -> None:
    runtime = bootstrap(Settings(database_url=postgres_url))
    try:
        assert isinstance(runtime.jobs, SqlJobStore)
        await exercise(runtime)
    finally:
        await runtime.close()


def test_job_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"SHOP_JOBS_LEASE_SECONDS": "60", "SHOP_JOBS_POLL_INTERVAL_MS": "250"}
    )
    assert (settings.jobs_lease_seconds, settings.jobs_poll_interval_ms) == (60, 250)
    with pytest.raises(InvalidValue):
        Settings.from_env({"SHOP_JOBS_LEASE_SECONDS": "0"})


def _create_jobs(url: str) -> list[uuid.UUID]:
    async def run() -> list[uuid.UUID]:
        runtime = bootstrap(Settings(database_url=url))
        try:
            now = runtime.clock.now()
            return [
                await runtime.jobs.create("test.count", {"n": 3}, 3, "op-1", now),
                await runtime.jobs.create("test.other", {}, 0, "op-2", now),
            ]
        finally:
            await runtime.close()

    return asyncio.run(run())


def test_jobs_list_and_run(sqlite_file: str) -> None:
    env = {"SHOP_DATABASE_URL": sqlite_file}
    runner = CliRunner()
    counted, other = _create_jobs(sqlite_file)

    listed = runner.invoke(main, ["jobs", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert str(counted) in listed.output
    assert str(other) in listed.output
    assert "2 of 2 job(s)" in listed.output
    only = runner.invoke(main, ["jobs", "list", "--kind", "test.other"], env=env)
    assert str(other) in only.output
    assert str(counted) not in only.output

    # jobs of kinds no context handles are left queued, not run
    once = runner.invoke(main, ["jobs", "run", "--once"], env=env)
    assert once.exit_code == 0, once.output
    assert "ran 0 job(s)" in once.output

    # a job run inline whose kind nobody handles fails with a message, not a crash
    inline = runner.invoke(main, ["jobs", "run", "--job", str(counted)], env=env)
    assert inline.exit_code == 0, inline.output
    assert "failed" in inline.output
    assert "test.count" in inline.output
    again = runner.invoke(main, ["jobs", "run", "--job", str(counted)], env=env)
    assert again.exit_code != 0
    assert "job.finished" in again.output
    unknown = runner.invoke(main, ["jobs", "run", "--job", str(uuid.uuid4())], env=env)
    assert unknown.exit_code != 0
    assert "job.not_found" in unknown.output
