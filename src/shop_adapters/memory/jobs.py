"""The in-memory job store and the unit of work's job queue, over a :class:`MemoryDatabase`.

Jobs live in the database (``db.jobs``) so that a job enqueued in a unit of work
(``uow.jobs.enqueue``) and the store see the same jobs. Every change happens under the
database's lock, so concurrent claimers in one process get distinct jobs.
"""

from __future__ import annotations

import builtins
import copy
import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from shop_adapters.shared.system import UuidV7Generator
from shop_app.shared.jobs import (
    JobClaimed,
    JobFinished,
    JobLeaseLost,
    JobNotFound,
    JobState,
    JobView,
    check_lease,
    check_new_job,
    check_progress,
    json_object,
)
from shop_app.shared.ports import IdGenerator

if TYPE_CHECKING:
    from shop_adapters.memory.kernel import MemoryDatabase, MemoryUnitOfWork


def new_job(
    job_id: uuid.UUID,
    kind: str,
    params: Mapping[str, Any],
    total: int,
    created_by: str,
    now: dt.datetime,
) -> JobView:
    check_new_job(kind, total, created_by)
    return JobView(
        id=job_id,
        kind=kind,
        state=JobState.QUEUED,
        params=json_object(params, "job params"),
        total=total,
        done=0,
        result=None,
        error=None,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )


def _out(job: JobView) -> JobView:
    """A copy for the caller: mutating what it holds never changes the store (as with SQL)."""
    return attrs.evolve(job, params=copy.deepcopy(job.params), result=copy.deepcopy(job.result))


def _claimable(job: JobView, now: dt.datetime) -> bool:
    if job.state is JobState.QUEUED:
        return True
    return job.state is JobState.RUNNING and job.lease_until is not None and job.lease_until <= now


class MemoryJobStore:
    """A :class:`~shop_app.shared.jobs.JobStore` in process memory."""

    def __init__(self, db: MemoryDatabase | None = None, ids: IdGenerator | None = None) -> None:
        if db is None:
            from shop_adapters.memory.kernel import MemoryDatabase

            db = MemoryDatabase()
        self.db = db
        self._ids = ids or UuidV7Generator()

    async def create(
        self,
        kind: str,
        params: Mapping[str, Any],
        total: int,
        created_by: str,
        now: dt.datetime,
    ) -> uuid.UUID:
        job = new_job(self._ids.new_id(), kind, params, total, created_by, now)
        async with self.db.lock:
            self.db.jobs[job.id] = job
        return job.id

    async def get(self, job_id: uuid.UUID) -> JobView | None:
        job = self.db.jobs.get(job_id)
        return _out(job) if job is not None else None

    def _claim(self, job: JobView, worker: str, now: dt.datetime, lease: dt.timedelta) -> JobView:
        claimed = attrs.evolve(
            job,
            state=JobState.RUNNING,
            worker=worker,
            lease_until=now + lease,
            attempts=job.attempts + 1,
            updated_at=now,
        )
        self.db.jobs[job.id] = claimed
        self.db.job_leases[job.id] = lease
        return _out(claimed)

    async def claim_next(
        self, kinds: Collection[str], worker: str, now: dt.datetime, lease: dt.timedelta
    ) -> JobView | None:
        check_lease(worker, lease)
        async with self.db.lock:
            candidates = [
                job for job in self.db.jobs.values() if job.kind in kinds and _claimable(job, now)
            ]
            if not candidates:
                return None
            oldest = min(candidates, key=lambda job: (job.created_at, job.id))
            return self._claim(oldest, worker, now, lease)

    async def start(
        self, job_id: uuid.UUID, worker: str, now: dt.datetime, lease: dt.timedelta
    ) -> JobView:
        check_lease(worker, lease)
        async with self.db.lock:
            job = self.db.jobs.get(job_id)
            if job is None:
                raise JobNotFound(f"no job {job_id}")
            if job.finished:
                raise JobFinished(f"job {job_id} is {job.state}")
            if job.state is JobState.RUNNING and job.worker != worker and not _claimable(job, now):
                assert job.worker is not None
                assert job.lease_until is not None
                raise JobClaimed.held(job_id, job.worker, job.lease_until, now)
            return self._claim(job, worker, now, lease)

    async def renew(self, job_id: uuid.UUID, worker: str, now: dt.datetime) -> None:
        async with self.db.lock:
            job = self._running(job_id, worker)
            lease = self.db.job_leases.get(job_id)
            if lease is not None:
                self.db.jobs[job_id] = attrs.evolve(job, lease_until=now + lease)

    def _running(self, job_id: uuid.UUID, worker: str | None) -> JobView:
        job = self.db.jobs.get(job_id)
        if job is None:
            raise JobNotFound(f"no job {job_id}")
        if job.state is not JobState.RUNNING or (worker is not None and job.worker != worker):
            raise JobLeaseLost(f"job {job_id} is not running under this worker")
        return job

    async def progress(
        self,
        job_id: uuid.UUID,
        done: int,
        now: dt.datetime,
        total: int | None = None,
        *,
        worker: str | None = None,
    ) -> None:
        check_progress(done, total)
        async with self.db.lock:
            job = self._running(job_id, worker)
            lease = self.db.job_leases.get(job_id)
            self.db.jobs[job_id] = attrs.evolve(
                job,
                done=done,
                total=job.total if total is None else total,
                lease_until=now + lease if lease is not None else job.lease_until,
                updated_at=now,
            )

    async def succeed(
        self,
        job_id: uuid.UUID,
        result: Mapping[str, Any],
        now: dt.datetime,
        *,
        worker: str | None = None,
    ) -> None:
        stored = json_object(result, "a job result")
        async with self.db.lock:
            job = self._running(job_id, worker)
            self.db.jobs[job_id] = attrs.evolve(
                job, state=JobState.SUCCEEDED, result=stored, lease_until=None, updated_at=now
            )

    async def fail(
        self, job_id: uuid.UUID, error: str, now: dt.datetime, *, worker: str | None = None
    ) -> None:
        async with self.db.lock:
            job = self._running(job_id, worker)
            self.db.jobs[job_id] = attrs.evolve(
                job, state=JobState.FAILED, error=error, lease_until=None, updated_at=now
            )

    def _of_kind(self, kind: str | None) -> builtins.list[JobView]:
        return [job for job in self.db.jobs.values() if kind is None or job.kind == kind]

    async def list(
        self, kind: str | None = None, limit: int = 20, offset: int = 0
    ) -> builtins.list[JobView]:
        jobs = sorted(self._of_kind(kind), key=lambda job: (job.created_at, job.id), reverse=True)
        return [_out(job) for job in jobs[offset : offset + limit]]

    async def count(self, kind: str | None = None) -> int:
        return len(self._of_kind(kind))


class MemoryJobQueue:
    """``uow.jobs`` of a memory unit of work: jobs staged here are queued on commit."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def enqueue(
        self,
        kind: str,
        params: Mapping[str, Any],
        *,
        created_by: str,
        total: int = 0,
    ) -> uuid.UUID:
        uow = self._uow
        job = new_job(uow.ids.new_id(), kind, params, total, created_by, uow.clock.now())
        uow.stage(lambda: uow.db.jobs.__setitem__(job.id, job))
        return job.id
