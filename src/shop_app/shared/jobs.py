"""Background jobs: long operations (a million coupon codes, a batch of cards) run with progress.

The pieces
----------
- :class:`JobStore` (port): the jobs table. Every method is its own short transaction — a job
  is not part of a business unit of work, so its progress survives whatever the job's own units
  of work do.
- :class:`JobQueue` (port, ``uow.jobs``): enqueue a job *inside* a command's unit of work, so the
  job exists exactly when the command commits (no dual write). Command handlers use this; on
  SQLite it is also the only safe way, since a second write transaction opened while the unit
  of work holds the write lock would wait for it forever.
- :class:`JobRunner`: a registry ``kind -> handler`` and the loop that claims queued jobs and
  runs them, recording success or failure.

Life of a job: ``queued`` → ``running`` (claimed by one worker, with a lease) → ``succeeded`` or
``failed``. A running job whose lease expired (its worker crashed, or was stopped mid-job) is
claimed again by the next worker and **run again from the start of its handler**.

Writing a handler
-----------------
A handler is ``async (job, report) -> result``: ``report(done, total=None)`` records progress
and renews the lease; ``result`` is a JSON object stored on the job. Because a job may run more
than once, a handler must be **resumable and idempotent**: it reads its own progress (what it
already wrote, or ``job.done``), continues from there, and never does a piece of work twice.
Do the work in chunks, each chunk in its own unit of work, and call ``report`` between chunks —
never inside an open unit of work (``report`` is a transaction of its own), and at least once
per lease (``JobRunner(lease=...)``, 5 minutes by default), or another worker will take the job
over. A :class:`~shop_domain.shared.errors.DomainError` raised by a handler fails the job with
the error's message; any other exception fails it with a generic message and is logged with its
traceback. ``params`` and ``result`` are visible to operators holding ``jobs.read``: never put
a secret in them.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import datetime as dt
import enum
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, Final, Protocol

import attrs

from shop_app.shared.ports import Clock
from shop_domain.shared.errors import Conflict, DomainError, InvalidValue, NotFound

log = logging.getLogger(__name__)

DEFAULT_LEASE: Final = dt.timedelta(minutes=5)
MAX_KIND_LENGTH: Final = 100
MAX_ACTOR_LENGTH: Final = 200
GENERIC_FAILURE: Final = "the job failed because of an internal error; it has been logged"


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@attrs.frozen
class JobView:
    """A job as stored. ``worker``, ``lease_until`` and ``attempts`` (how many times it was
    claimed) say who runs it; ``done``/``total`` is its progress."""

    id: uuid.UUID
    kind: str
    state: JobState
    params: Mapping[str, Any]
    total: int
    done: int
    result: Mapping[str, Any] | None
    error: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    worker: str | None = None
    lease_until: dt.datetime | None = None
    attempts: int = 0

    @property
    def finished(self) -> bool:
        return self.state in (JobState.SUCCEEDED, JobState.FAILED)


# --- errors ---------------------------------------------------------------------------------


class JobNotFound(NotFound):
    code = "job.not_found"


class JobClaimed(Conflict):
    """Another worker holds the job (its lease has not expired)."""

    code = "job.claimed"


class JobFinished(Conflict):
    """The job already succeeded or failed."""

    code = "job.finished"


class JobLeaseLost(Conflict):
    """The job is no longer running under this worker: its lease expired and another worker
    took it over, or it finished. The worker stops; the new holder carries on."""

    code = "job.lease_lost"


class UnknownJobKind(InvalidValue):
    code = "job.unknown_kind"


# --- validation shared by the adapters --------------------------------------------------------


def json_object(value: Mapping[str, Any], what: str) -> dict[str, Any]:
    """A deep copy of ``value`` as plain JSON data (what every backend stores and returns):
    strings, integers, booleans, null, lists and string-keyed objects. Floats are refused
    (MON-1: no amount is ever a float), as is anything JSON cannot hold."""

    def reject_float(raw: str) -> Any:
        raise InvalidValue(f"{what} cannot hold floats ({raw})", code="job.invalid_data")

    try:
        text = json.dumps(dict(value), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidValue(
            f"{what} must be a JSON object of plain data ({exc})", code="job.invalid_data"
        ) from exc
    copy: dict[str, Any] = json.loads(text, parse_float=reject_float)
    return copy


def check_kind(kind: str) -> None:
    if not kind or len(kind) > MAX_KIND_LENGTH:
        raise InvalidValue(
            f"a job kind is 1 to {MAX_KIND_LENGTH} characters", code="job.invalid_kind"
        )


def check_new_job(kind: str, total: int, created_by: str) -> None:
    check_kind(kind)
    if not created_by or len(created_by) > MAX_ACTOR_LENGTH:
        raise InvalidValue(
            f"a job's creator is 1 to {MAX_ACTOR_LENGTH} characters", code="job.invalid_data"
        )
    check_progress(0, total)


def check_progress(done: int, total: int | None) -> None:
    if done < 0 or (total is not None and total < 0):
        raise InvalidValue("job progress cannot be negative", code="job.invalid_progress")


def check_lease(worker: str, lease: dt.timedelta) -> None:
    if not worker or len(worker) > MAX_ACTOR_LENGTH:
        raise InvalidValue(
            f"a worker name is 1 to {MAX_ACTOR_LENGTH} characters", code="job.invalid_worker"
        )
    if lease <= dt.timedelta(0):
        raise InvalidValue("a lease must be positive", code="job.invalid_lease")


# --- ports ----------------------------------------------------------------------------------


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
        """Claim this job (to run it inline). :class:`JobNotFound`; :class:`JobClaimed` when
        another worker holds a live lease; :class:`JobFinished` when it is over. A worker may
        start again a job it holds already, and anyone may take over an expired lease."""
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


# --- the runner -----------------------------------------------------------------------------


class JobRunner:
    """Runs jobs of the kinds registered with :meth:`register`.

    ``lease`` is how long a worker holds a job without reporting progress before another worker
    may take it over; every ``report`` renews it.
    """

    def __init__(self, store: JobStore, clock: Clock, *, lease: dt.timedelta = DEFAULT_LEASE):
        if lease <= dt.timedelta(0):
            raise ValueError("a lease must be positive")
        self.store = store
        self.clock = clock
        self.lease = lease
        self._handlers: dict[str, JobHandler] = {}

    # --- the registry -------------------------------------------------------------------------

    def register(self, kind: str, handler: JobHandler) -> None:
        """Run jobs of ``kind`` with ``handler``; a kind has one handler."""
        if kind in self._handlers:
            raise ValueError(f"a handler for jobs of kind {kind!r} is already registered")
        check_kind(kind)
        self._handlers[kind] = handler

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def handles(self, kind: str) -> bool:
        return kind in self._handlers

    async def submit(
        self, kind: str, params: Mapping[str, Any], *, created_by: str, total: int = 0
    ) -> uuid.UUID:
        """Queue a job of a registered kind in a transaction of its own (outside any unit of
        work; inside one, use ``uow.jobs.enqueue``)."""
        if kind not in self._handlers:
            raise UnknownJobKind(f"no handler runs jobs of kind {kind!r}")
        return await self.store.create(kind, params, total, created_by, self.clock.now())

    # --- running ------------------------------------------------------------------------------

    async def run_job(self, job: JobView, on_progress: Progress | None = None) -> JobView:
        """Run a job already claimed (``claim_next``/``start``) and record how it ended; the job
        as stored afterwards. A handler's exception fails the job (it is not raised here).
        ``on_progress(done, total)`` hears every progress report (a CLI progress bar)."""
        worker = job.worker
        handler = self._handlers.get(job.kind)
        if handler is None:
            await self._finish(
                job, None, f"no handler runs jobs of kind {job.kind!r} in this process"
            )
            return await self._view(job.id)

        async def report(done: int, total: int | None = None, /) -> None:
            await self.store.progress(job.id, done, self.clock.now(), total, worker=worker)
            if on_progress is not None:
                on_progress(done, total)

        try:
            result = await handler(job, report)
        except JobLeaseLost:
            log.warning("job %s (%s): %s lost its lease and stops", job.id, job.kind, worker)
            return await self._view(job.id)
        except DomainError as exc:
            log.info("job %s (%s) failed: %s", job.id, job.kind, exc.code)
            await self._finish(job, None, exc.message)
        except Exception:
            log.exception("job %s (%s) failed", job.id, job.kind)
            await self._finish(job, None, GENERIC_FAILURE)
        else:
            await self._finish(job, result, None)
        return await self._view(job.id)

    async def _finish(
        self, job: JobView, result: Mapping[str, Any] | None, error: str | None
    ) -> None:
        now = self.clock.now()
        try:
            if error is None:
                await self.store.succeed(job.id, result or {}, now, worker=job.worker)
            else:
                await self.store.fail(job.id, error, now, worker=job.worker)
        except JobLeaseLost:
            log.warning("job %s (%s): the outcome of a lost lease is dropped", job.id, job.kind)

    async def _view(self, job_id: uuid.UUID) -> JobView:
        view = await self.store.get(job_id)
        if view is None:  # pragma: no cover - jobs are never deleted
            raise JobNotFound(f"no job {job_id}")
        return view

    async def run_next(self, worker: str) -> JobView | None:
        """Claim and run one job; the job as it ended, or ``None`` when none was waiting."""
        if not self._handlers:
            return None
        job = await self.store.claim_next(self.kinds, worker, self.clock.now(), self.lease)
        if job is None:
            return None
        return await self.run_job(job)

    async def run_inline(
        self, job_id: uuid.UUID, worker: str, on_progress: Progress | None = None
    ) -> JobView:
        """Claim this job and run it now, in this process (``shop jobs run --job``)."""
        job = await self.store.start(job_id, worker, self.clock.now(), self.lease)
        return await self.run_job(job, on_progress)

    async def run_until_idle(self, worker: str) -> int:
        """Run jobs until none is waiting; how many ran."""
        ran = 0
        while await self.run_next(worker) is not None:
            ran += 1
        return ran

    async def run_pending(
        self, stop: asyncio.Event, worker: str, poll_interval: float = 1.0
    ) -> int:
        """Run jobs as they come until ``stop`` is set; how many ran. Looks for work every
        ``poll_interval`` seconds when idle. A job still running when ``stop`` is set is
        cancelled: it keeps its lease and is resumed by a worker once the lease expires. An
        error of the store is logged and retried after ``poll_interval``."""
        ran = 0
        while not stop.is_set():
            try:
                job = await _unless_stopped(self.run_next(worker), stop)
            except Exception:
                log.exception("job runner: could not claim or record a job; retrying")
                await _wait(stop, poll_interval)
                continue
            if job is _STOPPED:
                log.info("job runner stopped mid-job; the job resumes when its lease expires")
                break
            if job is None:
                await _wait(stop, poll_interval)
            else:
                ran += 1
        return ran


_STOPPED: Final = object()


async def _unless_stopped(work: Awaitable[JobView | None], stop: asyncio.Event) -> Any:
    """``work``'s result, or ``_STOPPED`` (``work`` cancelled) if ``stop`` is set first."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:  # the runner itself is cancelled: take the job down with it
        task.cancel()
        raise
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return _STOPPED


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


__all__ = [
    "DEFAULT_LEASE",
    "GENERIC_FAILURE",
    "JobClaimed",
    "JobFinished",
    "JobHandler",
    "JobLeaseLost",
    "JobNotFound",
    "JobQueue",
    "JobRunner",
    "JobState",
    "JobStore",
    "JobView",
    "Report",
    "UnknownJobKind",
    "check_kind",
    "check_lease",
    "check_new_job",
    "check_progress",
    "json_object",
]
