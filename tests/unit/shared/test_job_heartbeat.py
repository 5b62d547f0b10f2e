"""The job runner's heartbeat (issue 9, finding 6): a running job keeps its lease without any
``report``, a live worker's job is refused to others with who holds it and when it frees, and a
worker that lost its lease stops writing and records no outcome."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from shop_adapters.memory import FixedClock
from shop_adapters.memory.jobs import MemoryJobStore
from shop_app.shared.jobs import JobClaimed, JobRunner, JobState, JobView, Report

KIND = "test.slow"
LEASE = dt.timedelta(seconds=30)
BEAT = dt.timedelta(milliseconds=20)


async def _until(condition: Any) -> None:
    """Poll (the memory store announces nothing) until ``condition()``, 2 s at most."""
    async with asyncio.timeout(2):
        while not condition():  # noqa: ASYNC110 - polling another task's writes
            await asyncio.sleep(0.005)


async def test_a_running_job_keeps_its_lease_without_reporting() -> None:
    clock, store = FixedClock(), MemoryJobStore()
    runner = JobRunner(store, clock, lease=LEASE, heartbeat=BEAT)
    release = asyncio.Event()

    async def silent(job: JobView, report: Report) -> Mapping[str, Any]:
        await release.wait()  # a long chunk: no report at all
        return {"ok": True}

    runner.register(KIND, silent)
    job_id = await runner.submit(KIND, {}, created_by="op-1")
    running = asyncio.create_task(runner.run_inline(job_id, "worker-a"))
    for _ in range(5):  # 50 s of the job's clock pass, well beyond the 30 s lease
        clock.advance(seconds=10)
        renewed = clock.now() + LEASE
        await _until(lambda renewed=renewed: _lease_of(store, job_id) >= renewed)

    with pytest.raises(JobClaimed) as refused:
        await runner.run_inline(job_id, "worker-b")
    details = refused.value.details
    assert details["worker"] == "worker-a"
    assert details["retry_after_seconds"] == 30
    assert details["lease_until"] == (clock.now() + LEASE).isoformat(timespec="seconds")
    assert "worker-a" in refused.value.message
    assert "in 30 s" in refused.value.message

    release.set()
    done = await running
    assert done.state is JobState.SUCCEEDED


def _lease_of(store: MemoryJobStore, job_id: Any) -> dt.datetime:
    lease_until = store.db.jobs[job_id].lease_until  # None until the job is claimed
    return lease_until or dt.datetime.min.replace(tzinfo=dt.UTC)


async def test_a_worker_that_lost_its_lease_stops_and_records_nothing() -> None:
    clock, store = FixedClock(), MemoryJobStore()
    runner = JobRunner(store, clock, lease=LEASE, heartbeat=BEAT)
    chunks: list[tuple[str, int]] = []
    cancelled: list[str] = []
    started = asyncio.Event()

    async def chunked(job: JobView, report: Report) -> Mapping[str, Any]:
        worker = job.worker or ""
        try:
            for n in range(job.done, 1000):
                chunks.append((worker, n))
                started.set()
                await asyncio.sleep(0.005)
        except asyncio.CancelledError:
            cancelled.append(worker)
            raise
        return {"by": worker}

    runner.register(KIND, chunked)
    job_id = await runner.submit(KIND, {}, created_by="op-1")
    first = asyncio.create_task(runner.run_inline(job_id, "worker-a"))
    await started.wait()
    # worker-a stalls from the store's point of view: another worker takes over after the lease
    taken = await store.start(job_id, "worker-b", clock.now() + 2 * LEASE, LEASE)
    assert taken.worker == "worker-b"

    ended = await asyncio.wait_for(first, 2)
    assert cancelled == ["worker-a"]
    assert ended.state is JobState.RUNNING
    assert ended.worker == "worker-b"
    writes = len(chunks)
    await asyncio.sleep(0.05)
    assert len(chunks) == writes  # nothing more from worker-a
    stored = await store.get(job_id)
    assert stored is not None
    assert (stored.result, stored.error) == (None, None)


async def test_a_runner_stopped_from_outside_is_not_taken_for_a_lost_lease() -> None:
    clock, store = FixedClock(), MemoryJobStore()
    runner = JobRunner(store, clock, lease=LEASE, heartbeat=BEAT)
    runner.register(KIND, _forever)
    job_id = await runner.submit(KIND, {}, created_by="op-1")
    running = asyncio.create_task(runner.run_inline(job_id, "worker-a"))
    await asyncio.sleep(0.05)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    job = await store.get(job_id)
    assert job is not None
    assert job.state is JobState.RUNNING  # resumed by a worker once the lease ends


async def _forever(job: JobView, report: Report) -> Mapping[str, Any]:
    await asyncio.Event().wait()
    return {}


def test_the_heartbeat_is_a_third_of_the_lease_unless_given() -> None:
    store, clock = MemoryJobStore(), FixedClock()
    assert JobRunner(store, clock, lease=LEASE).heartbeat == dt.timedelta(seconds=10)
    with pytest.raises(ValueError, match="shorter than the lease"):
        JobRunner(store, clock, lease=LEASE, heartbeat=LEASE)
