"""Background jobs as operators see them (``/jobs``): state and progress, for holders of
``jobs.read``. Jobs are started by the commands of each context (e.g. generating coupon codes),
never here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter

from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.problems import HttpProblem, problem_spec
from shop_adapters.http.schemas import Page, Pagination, text_pattern
from shop_adapters.runtime import Runtime
from shop_app.shared.jobs import JobState, JobView

READ: Final = "jobs.read"
READ_GUARDS: Final = [requires(READ), operator_only]


class JobOut(msgspec.Struct, frozen=True):
    """A job: ``done`` of ``total`` units of work (``total`` 0 when unknown)."""

    id: uuid.UUID
    kind: str
    state: JobState
    params: dict[str, Any]
    total: int
    done: int
    result: dict[str, Any] | None
    error: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    worker: str | None
    lease_until: dt.datetime | None
    attempts: int

    @classmethod
    def of(cls, job: JobView) -> JobOut:
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            params=dict(job.params),
            total=job.total,
            done=job.done,
            result=dict(job.result) if job.result is not None else None,
            error=job.error,
            created_by=job.created_by,
            created_at=job.created_at,
            updated_at=job.updated_at,
            worker=job.worker,
            lease_until=job.lease_until,
            attempts=job.attempts,
        )


class JobsController(Controller):
    path = "/jobs"
    tags = ["jobs"]

    @get("/", guards=READ_GUARDS, summary="Jobs, newest first")
    async def list_jobs(
        self,
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        kind: Annotated[
            str | None,
            Parameter(
                max_length=100, pattern=text_pattern(100), description="Only jobs of this kind"
            ),
        ] = None,
    ) -> Page[JobOut]:
        jobs = await runtime.jobs.list(kind, pagination.limit, pagination.offset)
        total = await runtime.jobs.count(kind)
        return Page.of([JobOut.of(job) for job in jobs], total, pagination)

    @get(
        "/{job_id:uuid}",
        guards=READ_GUARDS,
        summary="One job: state, progress, result or error",
        responses={404: problem_spec("No such job (`job.not_found`)")},
    )
    async def get_job(
        self, job_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> JobOut:
        job = await runtime.jobs.get(job_id)
        if job is None:
            raise HttpProblem(404, "job.not_found", f"no job {job_id}")
        return JobOut.of(job)
