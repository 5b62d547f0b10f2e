"""Retention of the coupons' staged segments (ADR 0020): a rule of the coupons' own, which the
kernel's purge runs beside its tables' (``ContextPlugin.retention``, ADR 0030).

A segment (``coupon_segments``, and its members) goes once it is older than the retention —
``SHOP_RETENTION_SEGMENTS_DAYS``, 7 days by default — *and* its issuing job is not queued or
running: a finished job's segment, or one whose job was never submitted. A young segment without
a job is kept (it is staged before its job exists). Members go a batch at a time, the header
last.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop_adapters.sql.coupons.segments import coupon_segment_members, coupon_segments
from shop_adapters.sql.kernel_tables import jobs
from shop_app.coupons.segments import ISSUE_SEGMENT
from shop_app.shared.jobs import JobState
from shop_app.shared.retention import DAY, RetentionRule

SEGMENTS = RetentionRule(table="coupon_segments", setting="SEGMENTS", default=7 * DAY)
"""The segments' retention (``SHOP_RETENTION_SEGMENTS_DAYS``); the rows counted are members
and headers."""

SEGMENT_CANDIDATES = 100
"""Old segments looked at per call (each is checked against the unfinished jobs)."""


class SqlSegmentPurge:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def purge(self, cutoff: dt.datetime, limit: int) -> int:
        """Delete at most ``limit`` rows (members, then the header) of segments staged before
        ``cutoff`` whose job is over or never came, in one transaction; how many went."""
        async with self._engine.begin() as conn:
            return await _purge(conn, cutoff, limit)


async def _purge(conn: AsyncConnection, cutoff: dt.datetime, n: int) -> int:
    s = coupon_segments.c
    old = (
        await conn.execute(
            select(s.segment_id)
            .where(s.staged_at < cutoff)
            .order_by(s.staged_at)
            .limit(SEGMENT_CANDIDATES)
        )
    ).scalars()
    candidates = list(old)
    if not candidates:
        return 0
    busy = await _segments_in_use(conn)
    deleted = 0
    for segment_id in candidates:
        if segment_id in busy:
            continue
        budget = n - deleted
        members = await _delete_members(conn, segment_id, budget)
        deleted += members
        if members < budget:  # nothing left of it: the header goes too
            await conn.execute(delete(coupon_segments).where(s.segment_id == segment_id))
            deleted += 1
        if deleted >= n:
            break
    return deleted


async def _delete_members(conn: AsyncConnection, segment_id: uuid.UUID, limit: int) -> int:
    m = coupon_segment_members.c
    first = (
        select(m.position)
        .where(m.segment_id == segment_id)
        .order_by(m.position)
        .limit(limit)
        .scalar_subquery()
    )
    result = await conn.execute(
        delete(coupon_segment_members).where(m.segment_id == segment_id, m.position.in_(first))
    )
    return int(result.rowcount)


async def _segments_in_use(conn: AsyncConnection) -> set[uuid.UUID]:
    """Segments of issuing jobs still queued or running (they read it as they go)."""
    j = jobs.c
    params = (
        await conn.execute(
            select(j.params).where(
                j.kind == ISSUE_SEGMENT,
                j.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]),
            )
        )
    ).scalars()
    in_use: set[uuid.UUID] = set()
    for value in params:
        try:
            in_use.add(uuid.UUID(str(value["segment_id"])))
        except (KeyError, TypeError, ValueError):
            continue
    return in_use
