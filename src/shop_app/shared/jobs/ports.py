"""The ports of the jobs: the store (the jobs table), the unit of work's queue, handlers."""

from __future__ import annotations

import builtins
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, Protocol

from shop_app.shared.jobs.model import JobView


class JobStore(Protocol):
    """The jobs table. Each method is one short transaction of its own.

    ``progress``, ``succeed`` and ``fail`` apply to a running job; with ``worker`` they apply
    only while that worker holds it, else raise :class:`JobLeaseLost` (so a worker that was too
    slow and got replaced stops instead of overwriting its successor).
    """

    async def create(
        self,
        kind: str,
        params: Mapping[str, Any],
        total: int,
        created_by: str,
        now: dt.datetime,
    ) -> uuid.UUID:
        """Queue a new job; its id."""
        ...

    async def get(self, job_id: uuid.UUID) -> JobView | None: ...

    async def claim_next(
        self, kinds: Collection[str], worker: str, now: dt.datetime, lease: dt.timedelta
    ) -> JobView | None:
        """Move the oldest claimable job of ``kinds`` — queued, or running with an expired
        lease — to running under ``worker`` until ``now + lease``; ``None`` when there is none.
        Exactly one of several concurrent claimers (in any number of processes) gets a job."""
        ...

    async def start(
        self, job_id: uuid.UUID, worker: str, now: dt.datetime, lease: dt.timedelta
    ) -> JobView:
        """Claim this job (to run it inline). :class:`JobNotFound`; :class:`JobClaimed` (with
        who holds it and until when) when another worker holds a live lease;
        :class:`JobFinished` when it is over. A worker may start again a job it holds already,
        and anyone may take over an expired lease."""
        ...

    async def renew(self, job_id: uuid.UUID, worker: str, now: dt.datetime) -> None:
        """The heartbeat: extend the lease of a job ``worker`` runs by the lease's own length
        from ``now`` (progress unchanged); :class:`JobLeaseLost` when ``worker`` no longer
        holds it (taken over, or finished)."""
        ...

    async def progress(
        self,
        job_id: uuid.UUID,
        done: int,
        now: dt.datetime,
        total: int | None = None,
        *,
        worker: str | None = None,
    ) -> None:
        """Record ``done`` (and ``total`` when given) and renew the lease."""
        ...

    async def succeed(
        self,
        job_id: uuid.UUID,
        result: Mapping[str, Any],
        now: dt.datetime,
        *,
        worker: str | None = None,
    ) -> None: ...

    async def fail(
        self, job_id: uuid.UUID, error: str, now: dt.datetime, *, worker: str | None = None
    ) -> None: ...

    async def list(
        self, kind: str | None = None, limit: int = 20, offset: int = 0
    ) -> builtins.list[JobView]:
        """Jobs, newest first, optionally of one kind."""
        ...

    async def count(self, kind: str | None = None) -> int: ...


class JobQueue(Protocol):
    """``uow.jobs``: enqueue a job in the unit of work's transaction — it is queued when the
    unit commits, and never exists if it rolls back."""

    async def enqueue(
        self,
        kind: str,
        params: Mapping[str, Any],
        *,
        created_by: str,
        total: int = 0,
    ) -> uuid.UUID: ...


class Report(Protocol):
    """``await report(done)`` or ``await report(done, total)``: record progress."""

    async def __call__(self, done: int, total: int | None = None, /) -> None: ...


Progress = Callable[[int, int | None], None]
"""A listener for a job's progress in the process that runs it."""

JobHandler = Callable[[JobView, Report], Awaitable[Mapping[str, Any]]]
"""``async (job, report) -> result``; see the module documentation."""
