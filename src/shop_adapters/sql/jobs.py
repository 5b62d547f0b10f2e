"""The SQL job store (the ``jobs`` table) and the unit of work's job queue.

Each store method is one short transaction. Claiming is exact with any number of workers in any
number of processes: on PostgreSQL the claimer selects the oldest claimable row ``FOR UPDATE
SKIP LOCKED`` (a row another claimer holds is skipped, not waited for), on SQLite the write lock
taken by ``BEGIN IMMEDIATE`` serialises claimers. Reads use :func:`reader`, so they never wait
for a writer on SQLite.
"""

from __future__ import annotations

import builtins
import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop_adapters.shared.system import UuidV7Generator
from shop_adapters.sql.driver import Link, inserter
from shop_adapters.sql.engine import reader
from shop_adapters.sql.kernel_tables import jobs
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
from shop_app.shared.ports import Clock, IdGenerator

FINISHED = (JobState.SUCCEEDED.value, JobState.FAILED.value)


def _view(row: Row[Any]) -> JobView:
    return JobView(
        id=row.id,
        kind=row.kind,
        state=JobState(row.state),
        params=row.params,
        total=row.total,
        done=row.done,
        result=row.result,
        error=row.error,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        worker=row.worker,
        lease_until=row.lease_until,
        attempts=row.attempts,
    )


def _new_row(
    job_id: uuid.UUID,
    kind: str,
    params: Mapping[str, Any],
    total: int,
    created_by: str,
    now: dt.datetime,
) -> dict[str, Any]:
    check_new_job(kind, total, created_by)
    return {
        "id": job_id,
        "kind": kind,
        "state": JobState.QUEUED.value,
        "params": json_object(params, "job params"),
        "total": total,
        "done": 0,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
        "attempts": 0,
    }


def _claimable(now: dt.datetime) -> Any:
    return or_(
        jobs.c.state == JobState.QUEUED.value,
        and_(jobs.c.state == JobState.RUNNING.value, jobs.c.lease_until <= now),
    )


class SqlJobStore:
    """A :class:`~shop_app.shared.jobs.JobStore` over an ``AsyncEngine``."""

    def __init__(self, engine: AsyncEngine, ids: IdGenerator | None = None) -> None:
        self._engine = engine
        self._reader = reader(engine)
        self._ids = ids or UuidV7Generator()
        self._skip_locked = engine.dialect.name == "postgresql"

    async def create(
        self,
        kind: str,
        params: Mapping[str, Any],
        total: int,
        created_by: str,
        now: dt.datetime,
    ) -> uuid.UUID:
        job_id = self._ids.new_id()
        row = _new_row(job_id, kind, params, total, created_by, now)
        async with self._engine.begin() as conn:
            await conn.execute(jobs.insert().values(**row))
        return job_id

    async def get(self, job_id: uuid.UUID) -> JobView | None:
        async with self._reader.connect() as conn:
            row = (await conn.execute(select(jobs).where(jobs.c.id == job_id))).one_or_none()
        return _view(row) if row is not None else None

    async def _claim(
        self,
        conn: AsyncConnection,
        row: Row[Any],
        worker: str,
        now: dt.datetime,
        lease: dt.timedelta,
    ) -> JobView:
        claimed = (
            await conn.execute(
                update(jobs)
                .where(jobs.c.id == row.id)
                .values(
                    state=JobState.RUNNING.value,
                    worker=worker,
                    lease_until=now + lease,
                    lease_seconds=max(1, round(lease.total_seconds())),
                    attempts=jobs.c.attempts + 1,
                    updated_at=now,
                )
                .returning(*jobs.c)
            )
        ).one()
        return _view(claimed)

    async def claim_next(
        self, kinds: Collection[str], worker: str, now: dt.datetime, lease: dt.timedelta
    ) -> JobView | None:
        check_lease(worker, lease)
        if not kinds:
            return None
        statement = (
            select(jobs)
            .where(jobs.c.kind.in_(sorted(kinds)), _claimable(now))
            .order_by(jobs.c.created_at, jobs.c.id)
            .limit(1)
        )
        if self._skip_locked:
            statement = statement.with_for_update(skip_locked=True)
        async with self._engine.begin() as conn:
            row = (await conn.execute(statement)).one_or_none()
            if row is None:
                return None
            return await self._claim(conn, row, worker, now, lease)

    async def start(
        self, job_id: uuid.UUID, worker: str, now: dt.datetime, lease: dt.timedelta
    ) -> JobView:
        check_lease(worker, lease)
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(select(jobs).where(jobs.c.id == job_id).with_for_update())
            ).one_or_none()
            if row is None:
                raise JobNotFound(f"no job {job_id}")
            if row.state in FINISHED:
                raise JobFinished(f"job {job_id} is {row.state}")
            if (
                row.state == JobState.RUNNING.value
                and row.worker != worker
                and row.lease_until is not None
                and row.lease_until > now
            ):
                raise JobClaimed.held(job_id, row.worker, row.lease_until, now)
            return await self._claim(conn, row, worker, now, lease)

    async def _update_running(
        self,
        job_id: uuid.UUID,
        worker: str | None,
        values: dict[str, Any],
        *,
        renew_from: dt.datetime | None = None,
    ) -> None:
        """Apply ``values`` to a running job (held by ``worker`` if given), or explain why not;
        with ``renew_from``, also renew its lease by the lease's own length from that time."""
        condition = and_(jobs.c.id == job_id, jobs.c.state == JobState.RUNNING.value)
        if worker is not None:
            condition = and_(condition, jobs.c.worker == worker)
        async with self._engine.begin() as conn:
            if renew_from is not None:
                # computed here rather than in SQL, so both backends agree to the microsecond
                seconds = (
                    await conn.execute(select(jobs.c.lease_seconds).where(jobs.c.id == job_id))
                ).scalar_one_or_none()
                if seconds is not None:
                    values = {**values, "lease_until": renew_from + dt.timedelta(seconds=seconds)}
            if values:
                result = await conn.execute(update(jobs).where(condition).values(**values))
                if result.rowcount == 1:
                    return
            found = (await conn.execute(select(jobs.c.id).where(jobs.c.id == job_id))).one_or_none()
        if found is None:
            raise JobNotFound(f"no job {job_id}")
        raise JobLeaseLost(f"job {job_id} is not running under this worker")

    async def renew(self, job_id: uuid.UUID, worker: str, now: dt.datetime) -> None:
        await self._update_running(job_id, worker, {}, renew_from=now)

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
        values: dict[str, Any] = {"done": done, "updated_at": now}
        if total is not None:
            values["total"] = total
        await self._update_running(job_id, worker, values, renew_from=now)

    async def succeed(
        self,
        job_id: uuid.UUID,
        result: Mapping[str, Any],
        now: dt.datetime,
        *,
        worker: str | None = None,
    ) -> None:
        values = {
            "state": JobState.SUCCEEDED.value,
            "result": json_object(result, "a job result"),
            "lease_until": None,
            "updated_at": now,
        }
        await self._update_running(job_id, worker, values)

    async def fail(
        self, job_id: uuid.UUID, error: str, now: dt.datetime, *, worker: str | None = None
    ) -> None:
        values = {
            "state": JobState.FAILED.value,
            "error": error,
            "lease_until": None,
            "updated_at": now,
        }
        await self._update_running(job_id, worker, values)

    async def list(
        self, kind: str | None = None, limit: int = 20, offset: int = 0
    ) -> builtins.list[JobView]:
        statement = (
            select(jobs)
            .order_by(jobs.c.created_at.desc(), jobs.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if kind is not None:
            statement = statement.where(jobs.c.kind == kind)
        async with self._reader.connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [_view(row) for row in rows]

    async def count(self, kind: str | None = None) -> int:
        statement = select(func.count()).select_from(jobs)
        if kind is not None:
            statement = statement.where(jobs.c.kind == kind)
        async with self._reader.connect() as conn:
            return int((await conn.execute(statement)).scalar_one())


class SqlJobQueue:
    """``uow.jobs`` of a SQL unit of work: the row is inserted in the unit's transaction."""

    def __init__(self, link: Link, clock: Clock, ids: IdGenerator) -> None:
        self._link = link
        self._clock = clock
        self._ids = ids

    async def enqueue(
        self,
        kind: str,
        params: Mapping[str, Any],
        *,
        created_by: str,
        total: int = 0,
    ) -> uuid.UUID:
        job_id = self._ids.new_id()
        row = _new_row(job_id, kind, params, total, created_by, self._clock.now())
        await self._link.execute(inserter(jobs, row), row)
        return job_id
