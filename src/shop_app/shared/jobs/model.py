"""Jobs as stored: their states, the errors about them, and the checks every store applies."""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import uuid
from collections.abc import Mapping
from typing import Any, Final

import attrs

from shop_domain.shared.errors import Conflict, InvalidValue, NotFound

DEFAULT_LEASE: Final = dt.timedelta(seconds=30)
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
    """Another worker holds the job (its lease has not expired). ``details`` say who
    (``worker``), until when (``lease_until``) and how long to wait (``retry_after_seconds``):
    the job can be taken over then if that worker has stopped meanwhile."""

    code = "job.claimed"

    @classmethod
    def held(
        cls, job_id: uuid.UUID, worker: str, lease_until: dt.datetime, now: dt.datetime
    ) -> JobClaimed:
        wait = max(1, math.ceil((lease_until - now).total_seconds()))
        until = lease_until.astimezone(dt.UTC).isoformat(timespec="seconds")
        return cls(
            f"job {job_id} is running under worker {worker} until {until} (in {wait} s); "
            "if that worker has stopped, the job can be resumed then",
            details={"worker": worker, "lease_until": until, "retry_after_seconds": wait},
        )


class JobFinished(Conflict):
    """The job already succeeded or failed."""

    code = "job.finished"


class JobLeaseLost(Conflict):
    """The job is no longer running under this worker: its lease expired and another worker
    took it over, or it finished. The worker stops; the new holder carries on."""

    code = "job.lease_lost"


class UnknownJobKind(InvalidValue):
    code = "job.unknown_kind"


class InvalidJobData(InvalidValue):
    """Parameters or results that are not plain JSON data, or a creator of the wrong length."""

    code = "job.invalid_data"


class InvalidJobKind(InvalidValue):
    code = "job.invalid_kind"


class InvalidJobProgress(InvalidValue):
    code = "job.invalid_progress"


class InvalidWorker(InvalidValue):
    code = "job.invalid_worker"


class InvalidLease(InvalidValue):
    code = "job.invalid_lease"


# --- validation shared by the adapters --------------------------------------------------------


def json_object(value: Mapping[str, Any], what: str) -> dict[str, Any]:
    """A deep copy of ``value`` as plain JSON data (what every backend stores and returns):
    strings, integers, booleans, null, lists and string-keyed objects. Floats are refused
    (MON-1: no amount is ever a float), as is anything JSON cannot hold."""

    def reject_float(raw: str) -> Any:
        raise InvalidJobData(f"{what} cannot hold floats ({raw})")

    try:
        text = json.dumps(dict(value), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidJobData(f"{what} must be a JSON object of plain data ({exc})") from exc
    copy: dict[str, Any] = json.loads(text, parse_float=reject_float)
    return copy


def check_kind(kind: str) -> None:
    if not kind or len(kind) > MAX_KIND_LENGTH:
        raise InvalidJobKind(f"a job kind is 1 to {MAX_KIND_LENGTH} characters")


def check_new_job(kind: str, total: int, created_by: str) -> None:
    check_kind(kind)
    if not created_by or len(created_by) > MAX_ACTOR_LENGTH:
        raise InvalidJobData(f"a job's creator is 1 to {MAX_ACTOR_LENGTH} characters")
    check_progress(0, total)


def check_progress(done: int, total: int | None) -> None:
    if done < 0 or (total is not None and total < 0):
        raise InvalidJobProgress("job progress cannot be negative")


def check_lease(worker: str, lease: dt.timedelta) -> None:
    if not worker or len(worker) > MAX_ACTOR_LENGTH:
        raise InvalidWorker(f"a worker name is 1 to {MAX_ACTOR_LENGTH} characters")
    if lease <= dt.timedelta(0):
        raise InvalidLease("a lease must be positive")
