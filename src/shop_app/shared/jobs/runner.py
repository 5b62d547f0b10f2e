"""The job runner: a registry ``kind -> handler`` and the loops that claim and run jobs, with a
heartbeat that keeps the lease of a running job alive."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Mapping
from typing import Any, Final

from shop_app.shared.jobs.model import (
    DEFAULT_LEASE,
    GENERIC_FAILURE,
    JobLeaseLost,
    JobNotFound,
    JobView,
    UnknownJobKind,
    check_kind,
)
from shop_app.shared.jobs.ports import JobHandler, JobStore, Progress
from shop_app.shared.ports import Clock
from shop_domain.shared.errors import DomainError

log = logging.getLogger(__name__)


class JobRunner:
    """Runs jobs of the kinds registered with :meth:`register`.

    ``lease`` is how long a job stays with a worker that gives no sign of life before another
    worker may take it over. While a handler runs, a heartbeat renews the lease every
    ``heartbeat`` (a third of the lease unless given), and so does every ``report``.
    """

    def __init__(
        self,
        store: JobStore,
        clock: Clock,
        *,
        lease: dt.timedelta = DEFAULT_LEASE,
        heartbeat: dt.timedelta | None = None,
    ):
        if lease <= dt.timedelta(0):
            raise ValueError("a lease must be positive")
        heartbeat = lease / 3 if heartbeat is None else heartbeat
        if not dt.timedelta(0) < heartbeat < lease:
            raise ValueError("the heartbeat interval must be positive and shorter than the lease")
        self.store = store
        self.clock = clock
        self.lease = lease
        self.heartbeat = heartbeat
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
            result = await self._with_heartbeat(job, handler(job, report))
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

    async def _with_heartbeat(
        self, job: JobView, work: Awaitable[Mapping[str, Any]]
    ) -> Mapping[str, Any]:
        """``work``'s result, renewing ``job``'s lease meanwhile. When the lease turns out lost,
        ``work`` is cancelled (its open unit of work rolls back) and :class:`JobLeaseLost` is
        raised: the new holder carries on, this worker writes nothing more."""
        task = asyncio.ensure_future(work)
        worker = job.worker
        if worker is None:  # pragma: no cover - a claimed job always has its worker
            return await task
        lost: list[JobLeaseLost] = []
        beat = asyncio.ensure_future(self._beat(job.id, worker, task, lost))
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if lost and task.cancelled() and (current is None or not current.cancelling()):
                raise lost[0] from None
            raise
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _beat(
        self,
        job_id: uuid.UUID,
        worker: str,
        task: asyncio.Future[Mapping[str, Any]],
        lost: list[JobLeaseLost],
    ) -> None:
        interval = self.heartbeat.total_seconds()
        while not task.done():
            await asyncio.sleep(interval)
            try:
                await self.store.renew(job_id, worker, self.clock.now())
            except JobLeaseLost as exc:
                lost.append(exc)
                task.cancel()
                return
            except Exception as exc:  # e.g. the database is briefly away: try again next beat
                log.warning("job %s: the heartbeat of %s failed: %r", job_id, worker, exc)

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
