"""The job runner over the job store of a ``memory://`` runtime: running, recording outcomes,
resuming."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Collection, Mapping
from typing import Any

import pytest

from shop_adapters.shared.system import FixedClock, UuidV7Generator
from shop_adapters.sql.jobs import SqlJobStore
from shop_app.shared.jobs import (
    GENERIC_FAILURE,
    JobClaimed,
    JobRunner,
    JobState,
    JobStore,
    JobView,
    Report,
    UnknownJobKind,
)
from shop_domain.shared.errors import Conflict
from shop_testing.harness import MemoryShop

KIND = "test.count"


@pytest.fixture
def runner(store: JobStore, clock: FixedClock) -> JobRunner:
    return JobRunner(store, clock, lease=dt.timedelta(minutes=1))


async def submit(runner: JobRunner, n: int = 3) -> uuid.UUID:
    return await runner.submit(KIND, {"n": n}, created_by="op-1", total=n)


async def test_a_job_runs_reports_progress_and_succeeds(runner: JobRunner, store: JobStore) -> None:
    seen: list[tuple[int, int]] = []

    async def count(job: JobView, report: Report) -> Mapping[str, Any]:
        for i in range(job.done, job.params["n"]):
            await report(i + 1)
            now = await store.get(job.id)
            assert now is not None
            seen.append((now.done, now.total))
        await report(job.params["n"], 10)
        return {"counted": job.params["n"]}

    runner.register(KIND, count)
    job_id = await submit(runner)
    ran = await runner.run_next("w1")
    assert ran is not None
    assert ran.id == job_id
    assert ran.state is JobState.SUCCEEDED
    assert ran.result == {"counted": 3}
    assert (ran.done, ran.total) == (3, 10)
    assert ran.worker == "w1"
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert await runner.run_next("w1") is None


async def test_an_unexpected_exception_fails_the_job_with_a_generic_message_and_is_logged(
    runner: JobRunner, caplog: pytest.LogCaptureFixture
) -> None:
    async def crash(job: JobView, report: Report) -> Mapping[str, Any]:
        await report(1)
        raise RuntimeError("connection to db.internal:5432 lost, password=hunter2")

    runner.register(KIND, crash)
    await submit(runner)
    with caplog.at_level(logging.ERROR):
        ran = await runner.run_next("w1")
    assert ran is not None
    assert ran.state is JobState.FAILED
    assert ran.error == GENERIC_FAILURE
    assert "hunter2" not in (ran.error or "")
    assert ran.done == 1
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None  # the traceback is in the log, not on the job


async def test_a_domain_errors_message_is_kept(runner: JobRunner) -> None:
    async def refuse(job: JobView, report: Report) -> Mapping[str, Any]:
        raise Conflict("the template was discarded meanwhile", code="coupon.template_discarded")

    runner.register(KIND, refuse)
    await submit(runner)
    ran = await runner.run_next("w1")
    assert ran is not None
    assert ran.state is JobState.FAILED
    assert ran.error == "the template was discarded meanwhile"


async def test_a_job_claimed_again_after_a_crash_resumes_from_its_progress(
    runner: JobRunner, store: JobStore, clock: FixedClock
) -> None:
    starts: list[int] = []

    async def count(job: JobView, report: Report) -> Mapping[str, Any]:
        starts.append(job.done)
        for i in range(job.done, job.params["n"]):
            await report(i + 1)
        return {"counted": job.params["n"]}

    runner.register(KIND, count)
    job_id = await submit(runner, 5)
    # a worker claimed the job, did two units and died without a word
    crashed = await store.claim_next([KIND], "dead", clock.now(), runner.lease)
    assert crashed is not None
    await store.progress(job_id, 2, clock.now(), worker="dead")
    assert await runner.run_next("w2") is None  # its lease still runs
    clock.advance(minutes=1)
    ran = await runner.run_next("w2")
    assert ran is not None
    assert ran.state is JobState.SUCCEEDED
    assert ran.attempts == 2
    assert starts == [2]


async def test_a_worker_that_lost_its_lease_stops_and_records_nothing(
    runner: JobRunner, store: JobStore, clock: FixedClock
) -> None:
    async def slow(job: JobView, report: Report) -> Mapping[str, Any]:
        clock.advance(minutes=2)  # too slow: another worker takes the job over meanwhile
        taken = await store.claim_next([KIND], "w2", clock.now(), runner.lease)
        assert taken is not None
        await report(1)  # refused: the job is w2's now
        raise AssertionError("not reached")

    runner.register(KIND, slow)
    job_id = await submit(runner)
    ran = await runner.run_next("w1")
    assert ran is not None
    assert ran.id == job_id
    assert (ran.state, ran.worker, ran.error) == (JobState.RUNNING, "w2", None)


async def test_a_job_of_a_kind_nobody_handles_fails_with_a_message(
    runner: JobRunner, store: JobStore, clock: FixedClock
) -> None:
    job_id = await store.create("test.unknown", {}, 0, "op-1", clock.now())
    ran = await runner.run_inline(job_id, "cli")
    assert ran.state is JobState.FAILED
    assert ran.error is not None
    assert "test.unknown" in ran.error


async def test_run_inline_runs_one_given_job(
    runner: JobRunner, store: JobStore, clock: FixedClock
) -> None:
    async def done(job: JobView, report: Report) -> Mapping[str, Any]:
        return {"id": str(job.id)}

    runner.register(KIND, done)
    first = await submit(runner)
    second = await submit(runner)
    ran = await runner.run_inline(second, "cli")
    assert ran.result == {"id": str(second)}
    untouched = await store.get(first)
    assert untouched is not None
    assert untouched.state is JobState.QUEUED
    await store.claim_next([KIND], "w1", clock.now(), runner.lease)
    with pytest.raises(JobClaimed):
        await runner.run_inline(first, "cli")


async def test_the_registry(runner: JobRunner) -> None:
    async def handler(job: JobView, report: Report) -> Mapping[str, Any]:
        return {}

    assert runner.kinds == frozenset()
    assert await runner.run_next("w1") is None
    runner.register(KIND, handler)
    assert runner.handles(KIND)
    assert runner.kinds == {KIND}
    with pytest.raises(ValueError, match="already registered"):
        runner.register(KIND, handler)
    with pytest.raises(UnknownJobKind):
        await runner.submit("test.nobody", {}, created_by="op-1")


async def test_run_until_idle_runs_every_waiting_job(runner: JobRunner) -> None:
    async def handler(job: JobView, report: Report) -> Mapping[str, Any]:
        return {"n": job.params["n"]}

    runner.register(KIND, handler)
    for n in range(4):
        await submit(runner, n)
    assert await runner.run_until_idle("w1") == 4
    assert await runner.run_until_idle("w1") == 0


async def test_run_pending_runs_jobs_as_they_come_until_stopped(
    runner: JobRunner, store: JobStore
) -> None:
    finished = asyncio.Queue[uuid.UUID]()

    async def handler(job: JobView, report: Report) -> Mapping[str, Any]:
        await finished.put(job.id)
        return {}

    runner.register(KIND, handler)
    stop = asyncio.Event()
    loop = asyncio.create_task(runner.run_pending(stop, "w1", poll_interval=0.01))
    first = await submit(runner)
    assert await asyncio.wait_for(finished.get(), 5) == first
    second = await submit(runner)
    assert await asyncio.wait_for(finished.get(), 5) == second
    await asyncio.wait_for(_succeeded(store, second), 5)  # its outcome is recorded
    stop.set()
    assert await asyncio.wait_for(loop, 5) == 2


async def _succeeded(store: JobStore, job_id: uuid.UUID) -> None:
    """Poll (the store announces nothing) until the job's success is recorded."""
    while (job := await store.get(job_id)) is None or job.state is not JobState.SUCCEEDED:  # noqa: ASYNC110
        await asyncio.sleep(0.005)


async def test_stopping_mid_job_cancels_it_and_leaves_it_to_its_lease(
    runner: JobRunner, store: JobStore
) -> None:
    started = asyncio.Event()

    async def endless(job: JobView, report: Report) -> Mapping[str, Any]:
        started.set()
        await asyncio.Event().wait()
        raise AssertionError("not reached")

    runner.register(KIND, endless)
    job_id = await submit(runner)
    stop = asyncio.Event()
    loop = asyncio.create_task(runner.run_pending(stop, "w1", poll_interval=0.01))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    assert await asyncio.wait_for(loop, 5) == 0
    job = await store.get(job_id)
    assert job is not None
    assert (job.state, job.worker) == (JobState.RUNNING, "w1")  # resumed after its lease


class FlakyStore(SqlJobStore):
    """Fails the first claim, as a database that is briefly away would."""

    failures = 1

    async def claim_next(
        self, kinds: Collection[str], worker: str, now: dt.datetime, lease: dt.timedelta
    ) -> JobView | None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database unavailable")
        return await super().claim_next(kinds, worker, now, lease)


async def test_run_pending_survives_a_store_error(
    shop: MemoryShop, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = FlakyStore(shop.engine, UuidV7Generator())
    runner = JobRunner(store, clock)
    ran = asyncio.Event()

    async def handler(job: JobView, report: Report) -> Mapping[str, Any]:
        ran.set()
        return {}

    runner.register(KIND, handler)
    job_id = await submit(runner)
    stop = asyncio.Event()
    loop = asyncio.create_task(runner.run_pending(stop, "w1", poll_interval=0.01))
    await asyncio.wait_for(ran.wait(), 5)
    await asyncio.wait_for(_succeeded(store, job_id), 5)
    stop.set()
    assert await asyncio.wait_for(loop, 5) == 1
    assert any("could not claim" in r.getMessage() for r in caplog.records)
