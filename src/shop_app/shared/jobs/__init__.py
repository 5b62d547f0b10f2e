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
``failed``. While a handler runs, the runner **heartbeats**: a background task renews the lease
every third of it (30 s by default, ``SHOP_JOBS_LEASE_SECONDS``), whatever the handler does. A
running job whose lease expired (its worker was killed or stalled) is claimed again by the next
worker and **run again from the start of its handler**. A worker whose heartbeat finds the lease
gone (another worker took over) cancels its handler and never records an outcome.

Writing a handler
-----------------
A handler is ``async (job, report) -> result``: ``report(done, total=None)`` records progress
and renews the lease; ``result`` is a JSON object stored on the job. Because a job may run more
than once, a handler must be **resumable and idempotent**: it reads its own progress (what it
already wrote, or ``job.done``), continues from there, and never does a piece of work twice.
Do the work in chunks, each chunk in its own unit of work, and call ``report`` between chunks —
never inside an open unit of work (``report`` is a transaction of its own). The heartbeat keeps
the lease meanwhile, as long as the handler does not block the event loop for longer than the
heartbeat interval. A chunk may be cancelled half-way (its unit of work rolls back) or, in the
moment between a takeover and the old worker's next heartbeat, be written by both workers:
chunks must be idempotent. A :class:`~shop_domain.shared.errors.DomainError` raised by a handler
fails the job with the error's message; any other exception fails it with a generic message
and is logged with its traceback. ``params`` and ``result`` are visible to operators holding
``jobs.read``: never put a secret in them.
"""

from shop_app.shared.jobs.model import (
    DEFAULT_LEASE,
    GENERIC_FAILURE,
    MAX_ACTOR_LENGTH,
    MAX_KIND_LENGTH,
    JobClaimed,
    JobFinished,
    JobLeaseLost,
    JobNotFound,
    JobState,
    JobView,
    UnknownJobKind,
    check_kind,
    check_lease,
    check_new_job,
    check_progress,
    json_object,
)
from shop_app.shared.jobs.ports import JobHandler, JobQueue, JobStore, Progress, Report
from shop_app.shared.jobs.runner import JobRunner

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
    "MAX_ACTOR_LENGTH",
    "MAX_KIND_LENGTH",
    "Progress",
    "Report",
    "UnknownJobKind",
    "check_kind",
    "check_lease",
    "check_new_job",
    "check_progress",
    "json_object",
]
