"""Staged segments of users for segment issuance (see ``shop_app.coupons.segments``)."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, Column, Table, Uuid, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.shared.system import SystemClock
from shop_adapters.sql.metadata import UtcDateTime, metadata
from shop_app.shared.ports import Clock

# One row per staged segment: when staging began, so that retention can purge a segment whose
# job finished or never came (see shop_adapters.sql.coupons.retention).
coupon_segments = Table(
    "coupon_segments",
    metadata,
    Column("segment_id", Uuid, primary_key=True),
    Column("staged_at", UtcDateTime, nullable=False, index=True),
)

coupon_segment_members = Table(
    "coupon_segment_members",
    metadata,
    Column("segment_id", Uuid, primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", Uuid, nullable=False),
)


class SqlSegmentStore:
    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock: Clock = clock or SystemClock()

    async def append(
        self, segment_id: uuid.UUID, first_position: int, users: list[uuid.UUID]
    ) -> None:
        rows = [
            {"segment_id": segment_id, "position": first_position + i, "user_id": user}
            for i, user in enumerate(users)
        ]
        async with self._engine.begin() as connection:
            if first_position == 1:
                await connection.execute(
                    insert(coupon_segments).values(
                        segment_id=segment_id, staged_at=self._clock.now()
                    )
                )
            await connection.execute(insert(coupon_segment_members), rows)

    async def read(
        self, segment_id: uuid.UUID, after: int, limit: int
    ) -> list[tuple[int, uuid.UUID]]:
        m = coupon_segment_members.c
        statement = (
            select(m.position, m.user_id)
            .where(m.segment_id == segment_id, m.position > after)
            .order_by(m.position)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return [(row.position, row.user_id) for row in await connection.execute(statement)]

    async def drop(self, segment_id: uuid.UUID) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(coupon_segment_members).where(
                    coupon_segment_members.c.segment_id == segment_id
                )
            )
            await connection.execute(
                delete(coupon_segments).where(coupon_segments.c.segment_id == segment_id)
            )
