"""Issuing a template to a segment of users listed in a file (CPN-3), as a job.

A segment file lists user ids, one per line (a CSV whose first column is the user id, with or
without a ``user_id`` header; blank lines and ``#`` comments are skipped). Three steps:

1. :meth:`SegmentIssuer.stage` reads the file as a stream into storage in chunks, so its size
   does not matter and every worker process sees the same list — an upload, stored before the
   command that uses it, as a file would be;
2. the ``IssueSegment`` command (:func:`issue_segment`) checks the template and queues the job in
   its own transaction; an adapter whose command is refused drops the staged segment
   (:meth:`SegmentIssuer.drop`);
3. the job (:meth:`SegmentIssuer.run_job`) issues the segment chunk by chunk through
   ``IssueCoupons`` — idempotent per (campaign key, user), so a job resumed after a crash, or run
   twice, gives nobody a second coupon.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from shop_app.coupons.commands import IssueCoupons, IssueSegment
from shop_app.coupons.errors import SegmentEmpty, SegmentInvalid, SegmentTooBig
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CouponsUnitOfWork
from shop_app.coupons.results import IssueReport
from shop_app.shared.auth import Principal
from shop_app.shared.jobs import JobView, Report
from shop_app.shared.middleware import Dispatcher
from shop_domain.coupons import rules
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.rules import check_rule

ISSUE_SEGMENT = "coupons.issue_segment"
"""The job kind; params: template_id, campaign_key, segment_id, issued_by."""

STAGE_CHUNK = 5000
MAX_SEGMENT = 10_000_000
MAX_KEY = 100


class SegmentStore(Protocol):
    """Staged segments: ordered user ids, written and read in chunks (each call its own
    short transaction)."""

    async def append(
        self, segment_id: uuid.UUID, first_position: int, users: list[uuid.UUID]
    ) -> None:
        """Store ``users`` at positions ``first_position``, ``first_position + 1``…"""
        ...

    async def read(
        self, segment_id: uuid.UUID, after: int, limit: int
    ) -> list[tuple[int, uuid.UUID]]:
        """Up to ``limit`` (position, user) pairs after ``after``, by position."""
        ...

    async def drop(self, segment_id: uuid.UUID) -> None: ...


def parse_segment(lines: Iterable[str], *, first_line: int = 1) -> Iterator[uuid.UUID]:
    """User ids from segment lines; raises ``coupon.segment_invalid`` naming the bad line."""
    for number, raw in enumerate(lines, start=first_line):
        text = raw.strip().lstrip("\ufeff")
        if not text or text.startswith("#"):
            continue
        cell = text.split(",", 1)[0].strip().strip('"')
        if number == 1 and cell.lower() in {"user_id", "user", "id"}:  # a header line
            continue
        try:
            yield uuid.UUID(cell)
        except ValueError:
            raise SegmentInvalid(
                f"line {number} is not a user id: {cell[:40]!r}", details={"line": number}
            ) from None


async def issue_segment(command: IssueSegment, uow: CouponsUnitOfWork) -> uuid.UUID:
    """The ``IssueSegment`` handler: the template must be active and issuable now (the job
    checks nothing more than each ``IssueCoupons`` does); the job is queued with the command."""
    campaign_key = command.campaign_key.strip()
    if not 1 <= len(campaign_key) <= MAX_KEY:
        raise InvalidValue(f"the campaign key is 1..{MAX_KEY} characters")
    if not 1 <= command.users <= MAX_SEGMENT:
        raise InvalidValue(f"a segment has 1..{MAX_SEGMENT} users")
    template = await uow.coupon_templates.get(command.template_id)
    check_rule(rules.TemplateIsActive(template.state.value))
    check_rule(rules.TemplateIsIssuable(template.definition.distribution.issuable))
    return await uow.jobs.enqueue(
        ISSUE_SEGMENT,
        {
            "template_id": str(template.id),
            "campaign_key": campaign_key,
            "segment_id": str(command.segment_id),
            "count": command.users,
            "issued_by": command.issued_by,
        },
        created_by=command.issued_by,
        total=command.users,
    )


class SegmentIssuer:
    """Stages segment files and runs the ``ISSUE_SEGMENT`` jobs (not a use case of its own: the
    use case is the ``IssueSegment`` command)."""

    def __init__(self, bus: Dispatcher, store: SegmentStore, policy: CouponPolicy) -> None:
        self._bus = bus
        self._store = store
        self._policy = policy

    async def stage(self, lines: AsyncIterable[str] | Iterable[str]) -> tuple[uuid.UUID, int]:
        """Store the segment; returns its id and the number of users. Nothing stays staged
        when a line is bad."""
        segment_id = uuid.uuid4()
        count = 0
        pending: list[uuid.UUID] = []
        number = 0

        async def flush() -> None:
            nonlocal count
            if pending:
                await self._store.append(segment_id, count + 1, pending)
                count += len(pending)
                pending.clear()

        try:
            async for line in _aiter(lines):
                number += 1
                for user in parse_segment([line], first_line=number):
                    pending.append(user)
                if count + len(pending) > MAX_SEGMENT:
                    raise SegmentTooBig(f"a segment has at most {MAX_SEGMENT} users")
                if len(pending) >= STAGE_CHUNK:
                    await flush()
            await flush()
        except BaseException:
            await self._store.drop(segment_id)
            raise
        if count == 0:
            raise SegmentEmpty("the segment lists no users")
        return segment_id, count

    async def drop(self, segment_id: uuid.UUID) -> None:
        """Forget a staged segment (its ``IssueSegment`` was refused)."""
        await self._store.drop(segment_id)

    async def run_job(self, job: JobView, report: Report) -> Mapping[str, Any]:
        """The ``ISSUE_SEGMENT`` job handler: issue the staged segment from the job's progress
        on (a resumed job skips what it already did); the counts cover this run."""
        params, done = job.params, job.done
        template_id = uuid.UUID(str(params["template_id"]))
        segment_id = uuid.UUID(str(params["segment_id"]))
        total = int(params["count"])
        operator = Principal(subject=str(params["issued_by"]), kind="operator")
        issued = already = 0
        refused: dict[str, int] = {}
        position = done
        while True:
            rows = await self._store.read(segment_id, position, self._policy.max_issue_batch)
            if not rows:
                break
            report_: IssueReport = await self._bus.handle(
                IssueCoupons(
                    template_id=template_id,
                    campaign_key=str(params["campaign_key"]),
                    user_ids=tuple(user for _, user in rows),
                    issued_by=str(params["issued_by"]),
                ),
                actor=operator,  # each chunk is audited as the operator's action (SEC-2)
            )
            issued += len(report_.issued)
            already += len(report_.already)
            for _, code in report_.refused:
                refused[code] = refused.get(code, 0) + 1
            position = rows[-1][0]
            await report(position, total)
        await self._store.drop(segment_id)
        return {
            "template_id": str(template_id),
            "issued": issued,
            "already": already,
            "refused": refused,
            "resumed_from": done,
        }


async def _aiter(lines: AsyncIterable[str] | Iterable[str]) -> Any:
    if isinstance(lines, AsyncIterable):
        async for line in lines:
            yield line
    else:
        for line in lines:
            yield line
