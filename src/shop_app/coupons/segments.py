"""Issuing a template to a segment of users listed in a file (CPN-3), as a job.

A segment file lists user ids, one per line (a CSV whose first column is the user id, with or
without a ``user_id`` header; blank lines and ``#`` comments are skipped). Staging reads it as a
stream into storage in chunks, so the file's size does not matter and every worker process
sees the same list; a job then issues it chunk by chunk through ``IssueCoupons`` — idempotent
per (campaign key, user), so a job resumed after a crash, or run twice, gives nobody a second
coupon.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from shop_app.coupons.commands import IssueCoupons
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.results import IssueReport
from shop_app.shared.auth import Principal
from shop_app.shared.jobs import JobView, Report
from shop_app.shared.messagebus import MessageBus
from shop_domain.shared.errors import InvalidValue

ISSUE_SEGMENT = "coupons.issue_segment"
"""The job kind; params: template_id, campaign_key, segment_id, issued_by."""

STAGE_CHUNK = 5000
MAX_SEGMENT = 10_000_000


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
            raise InvalidValue(
                f"line {number} is not a user id: {cell[:40]!r}",
                code="coupon.segment_invalid",
                details={"line": number},
            ) from None


class SegmentIssuer:
    def __init__(self, bus: MessageBus, store: SegmentStore, policy: CouponPolicy) -> None:
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
                    raise InvalidValue(
                        f"a segment has at most {MAX_SEGMENT} users", code="coupon.segment_too_big"
                    )
                if len(pending) >= STAGE_CHUNK:
                    await flush()
            await flush()
        except BaseException:
            await self._store.drop(segment_id)
            raise
        if count == 0:
            raise InvalidValue("the segment lists no users", code="coupon.segment_empty")
        return segment_id, count

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
