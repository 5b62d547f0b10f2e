"""The job runner's heartbeat (issue 9, finding 6): a running job keeps its lease without any
``report``, a live worker's job is refused to others with who holds it and when it frees, and a
worker that lost its lease stops writing and records no outcome."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pytest

from shop_adapters.shared.system import FixedClock
from shop_app.shared.jobs import JobClaimed, JobRunner, JobState, JobStore, JobView, Report

KIND = "test.slow"
LEASE = dt.timedelta(seconds=30)
BEAT = dt.timedelta(milliseconds=20)


async def _until(condition: Callable[[], Awaitable[bool]]) -> None:
    """Poll (the store announces nothing) until ``await condition()``, 2 s at most."""
    async with asyncio.timeout(2):
        while not await condition():  # noqa: ASYNC110 - polling another task's writes
            await asyncio.sleep(0.005)


async def test_a_running_job_keeps_its_lease_without_reporting(
    clock: FixedClock, store: JobStore
) -> None:
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

        async def renewed_until(renewed: dt.datetime = renewed) -> bool:
            return await _lease_of(store, job_id) >= renewed

        await _until(renewed_until)

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


async def _lease_of(store: JobStore, job_id: Any) -> dt.datetime:
    job = await store.get(job_id)
    assert job is not None
    return job.lease_until or dt.datetime.min.replace(tzinfo=dt.UTC)  # None until claimed


async def test_a_worker_that_lost_its_lease_stops_and_records_nothing(
    clock: FixedClock, store: JobStore
) -> None:
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


async def test_a_runner_stopped_from_outside_is_not_taken_for_a_lost_lease(
    clock: FixedClock, store: JobStore
) -> None:
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


def test_the_heartbeat_is_a_third_of_the_lease_unless_given(
    clock: FixedClock, store: JobStore
) -> None:
    assert JobRunner(store, clock, lease=LEASE).heartbeat == dt.timedelta(seconds=10)
    with pytest.raises(ValueError, match="shorter than the lease"):
        JobRunner(store, clock, lease=LEASE, heartbeat=LEASE)
