"""The contract of :class:`~shop_app.coupons.segments.SegmentStore`, where a segment of users is
staged before its coupons are issued by a job (CPN-3).

Subclass :class:`SegmentStoreContract` with two fixtures: ``store``, the store under test, and
``other_store``, a second store over the same storage, as another worker process would have::

    class TestMySegments(SegmentStoreContract):
        @pytest.fixture
        def store(self, database: MyDatabase) -> MySegmentStore: ...

        @pytest.fixture
        def other_store(self, database: MyDatabase) -> MySegmentStore: ...

The promises: users appended at positions read back as ``(position, user)`` pairs by position,
after a position and up to a limit, so a job that pages through them — or resumes from its
progress — sees each exactly once; chunks continue one another, and a chunk as large as staging
writes is taken at once; a user listed twice keeps both positions; segments do not mix; what one
process staged another reads; ``drop`` forgets one segment only, and dropping one that is
unknown or gone is harmless (staging drops what failed before anything was written).
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop_app.coupons.segments import STAGE_CHUNK, SegmentStore

Members = list[tuple[int, uuid.UUID]]


def users(count: int, start: int = 1) -> list[uuid.UUID]:
    return [
        uuid.UUID(int=(0x0190_0000_0000_7000_8000 << 48) + n) for n in range(start, start + count)
    ]


async def stage(store: SegmentStore, segment: uuid.UUID, chunks: list[list[uuid.UUID]]) -> Members:
    """Append ``chunks`` as staging does; the members they make."""
    members: Members = []
    for chunk in chunks:
        await store.append(segment, len(members) + 1, chunk)
        members += [(len(members) + 1 + i, user) for i, user in enumerate(chunk)]
    return members


async def read_all(store: SegmentStore, segment: uuid.UUID, page: int, after: int = 0) -> Members:
    """Every member after ``after``, a page at a time, as the issuing job reads them."""
    found: Members = []
    while rows := await store.read(segment, after, page):
        assert len(rows) <= page, f"asked for {page} members, got {len(rows)}"
        found += rows
        after = rows[-1][0]
    return found


@pytest.mark.rule("CPN-3")
@pytest.mark.asyncio
class SegmentStoreContract:
    """The segment store's promises; a subclass provides ``store`` and ``other_store``."""

    async def test_appended_users_read_back_by_position(self, store: SegmentStore) -> None:
        segment, members = uuid.uuid4(), users(3)
        await store.append(segment, 1, members)
        assert await store.read(segment, 0, 10) == list(enumerate(members, start=1))

    async def test_a_read_starts_after_a_position_and_stops_at_the_limit(
        self, store: SegmentStore
    ) -> None:
        segment = uuid.uuid4()
        members = await stage(store, segment, [users(5)])
        assert await store.read(segment, 0, 2) == members[:2]
        assert await store.read(segment, 2, 2) == members[2:4]
        assert await store.read(segment, 4, 2) == members[4:]
        assert await store.read(segment, 5, 2) == []

    async def test_chunks_continue_one_another(self, store: SegmentStore) -> None:
        segment = uuid.uuid4()
        members = await stage(store, segment, [users(3), users(1, 10), users(4, 20)])
        assert await read_all(store, segment, page=3) == members
        assert await read_all(store, segment, page=3, after=4) == members[4:]  # a resumed job

    async def test_a_chunk_as_large_as_staging_writes_is_taken_at_once(
        self, store: SegmentStore
    ) -> None:
        segment = uuid.uuid4()
        members = await stage(store, segment, [users(STAGE_CHUNK), users(7, STAGE_CHUNK + 1)])
        assert await read_all(store, segment, page=1000) == members

    async def test_a_user_listed_twice_keeps_both_positions(self, store: SegmentStore) -> None:
        segment, [user, other] = uuid.uuid4(), users(2)
        await store.append(segment, 1, [user, other, user])
        assert await store.read(segment, 0, 10) == [(1, user), (2, other), (3, user)]

    async def test_segments_do_not_mix(self, store: SegmentStore) -> None:
        first, second = uuid.uuid4(), uuid.uuid4()
        await store.append(first, 1, users(2))
        await store.append(second, 1, users(3, 100))
        await store.append(first, 3, users(1, 200))
        assert await store.read(first, 0, 10) == list(enumerate(users(2) + users(1, 200), 1))
        assert await store.read(second, 0, 10) == list(enumerate(users(3, 100), 1))
        assert await store.read(uuid.uuid4(), 0, 10) == []

    async def test_what_one_process_staged_another_reads(
        self, store: SegmentStore, other_store: SegmentStore
    ) -> None:
        segment = uuid.uuid4()
        members = await stage(store, segment, [users(4), users(2, 50)])
        assert await read_all(other_store, segment, page=4) == members
        await other_store.drop(segment)
        assert await store.read(segment, 0, 10) == []

    async def test_drop_forgets_that_segment_only(self, store: SegmentStore) -> None:
        dropped, kept = uuid.uuid4(), uuid.uuid4()
        await stage(store, dropped, [users(3)])
        members = await stage(store, kept, [users(2, 40)])
        await store.drop(dropped)
        assert await store.read(dropped, 0, 10) == []
        assert await store.read(kept, 0, 10) == members

    async def test_dropping_an_unknown_or_dropped_segment_is_harmless(
        self, store: SegmentStore
    ) -> None:
        segment = uuid.uuid4()
        await store.drop(segment)  # staging failed before its first chunk
        await stage(store, segment, [users(2)])
        await store.drop(segment)
        await store.drop(segment)  # a job run twice drops twice
        assert await store.read(segment, 0, 10) == []

    @settings(
        max_examples=20,
        deadline=None,
        # each example stages a segment of its own id; each subclass runs the same property
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
        report_multiple_bugs=False,
    )
    @given(
        chunks=st.lists(st.integers(1, 40), min_size=1, max_size=6),
        page=st.integers(1, 50),
        resume=st.integers(0, 60),
    )
    async def test_paging_sees_every_member_once_in_order(
        self, store: SegmentStore, chunks: list[int], page: int, resume: int
    ) -> None:
        segment, start = uuid.uuid4(), 1
        parts = []
        for size in chunks:
            parts.append(users(size, start))
            start += size
        members = await stage(store, segment, parts)
        assert await read_all(store, segment, page) == members
        assert await read_all(store, segment, page, after=resume) == members[resume:]


__all__ = ["SegmentStoreContract"]
