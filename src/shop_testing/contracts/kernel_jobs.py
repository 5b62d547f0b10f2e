"""Contract of the job store (``backend.jobs()``) and of ``uow.jobs``, which enqueues with the
unit of work."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from shop_app.shared.jobs import (
    JobClaimed,
    JobFinished,
    JobLeaseLost,
    JobNotFound,
    JobState,
)
from shop_domain.shared.errors import InvalidValue
from shop_testing.contracts.backend import T0, Backend

LEASE = dt.timedelta(seconds=60)
KIND = "test.generate"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


class JobStoreContract:
    """The job store: creating, claiming under a lease, progress and outcome, listing, and
    jobs enqueued in a unit of work. Subclasses provide the ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    # --- creating and reading -----------------------------------------------------------------

    async def test_a_new_job_is_queued_with_its_params(self, backend: Backend) -> None:
        jobs = backend.jobs()
        params = {"template": "t-1", "count": 1_000_000, "prefix": "SUMMER", "tags": ["a", "b"]}
        job_id = await jobs.create(KIND, params, 1_000_000, "op-1", T0)
        job = await jobs.get(job_id)
        assert job is not None
        assert job.id == job_id
        assert job.kind == KIND
        assert job.state is JobState.QUEUED
        assert job.params == params
        assert (job.total, job.done) == (1_000_000, 0)
        assert job.result is None
        assert job.error is None
        assert job.created_by == "op-1"
        assert job.created_at == job.updated_at == T0
        assert (job.worker, job.lease_until, job.attempts) == (None, None, 0)
        assert not job.finished

    async def test_an_unknown_job_is_none(self, backend: Backend) -> None:
        assert await backend.jobs().get(uuid.uuid4()) is None

    @pytest.mark.parametrize(
        "params",
        [{"amount": 9.99}, {"id": uuid.uuid4()}, {"nested": {"x": object()}}],
        ids=["float", "uuid", "object"],
    )
    async def test_params_must_be_plain_json_without_floats(
        self, backend: Backend, params: dict[str, object]
    ) -> None:
        with pytest.raises(InvalidValue) as err:
            await backend.jobs().create(KIND, params, 0, "op-1", T0)
        assert err.value.code == "job.invalid_data"
        assert await backend.jobs().count() == 0

    async def test_bad_kind_creator_or_total_are_refused(self, backend: Backend) -> None:
        jobs = backend.jobs()
        with pytest.raises(InvalidValue):
            await jobs.create("", {}, 0, "op-1", T0)
        with pytest.raises(InvalidValue):
            await jobs.create("k" * 101, {}, 0, "op-1", T0)
        with pytest.raises(InvalidValue):
            await jobs.create(KIND, {}, 0, "", T0)
        with pytest.raises(InvalidValue):
            await jobs.create(KIND, {}, -1, "op-1", T0)

    # --- claiming -----------------------------------------------------------------------------

    async def test_claim_next_takes_the_oldest_queued_job_of_the_kinds(
        self, backend: Backend
    ) -> None:
        jobs = backend.jobs()
        newer = await jobs.create(KIND, {"n": 2}, 0, "op", at(2))
        other_kind = await jobs.create("test.other", {}, 0, "op", at(0))
        older = await jobs.create(KIND, {"n": 1}, 0, "op", at(1))

        first = await jobs.claim_next([KIND], "w1", at(10), LEASE)
        assert first is not None
        assert first.id == older
        assert first.state is JobState.RUNNING
        assert first.worker == "w1"
        assert first.lease_until == at(10) + LEASE
        assert first.attempts == 1
        assert first.updated_at == at(10)
        second = await jobs.claim_next({KIND}, "w1", at(10), LEASE)
        assert second is not None
        assert second.id == newer
        assert await jobs.claim_next([KIND], "w1", at(10), LEASE) is None
        assert await jobs.claim_next([], "w1", at(10), LEASE) is None
        rest = await jobs.claim_next([KIND, "test.other"], "w1", at(10), LEASE)
        assert rest is not None
        assert rest.id == other_kind
        stored = await jobs.get(older)
        assert stored == first

    async def test_two_concurrent_claimers_of_one_job_one_wins(self, backend: Backend) -> None:
        jobs = backend.jobs()
        job_id = await jobs.create(KIND, {}, 0, "op", T0)
        claims = await asyncio.gather(
            backend.jobs().claim_next([KIND], "w1", at(1), LEASE),
            backend.jobs().claim_next([KIND], "w2", at(1), LEASE),
        )
        won = [claim for claim in claims if claim is not None]
        assert len(won) == 1
        assert won[0].id == job_id
        stored = await jobs.get(job_id)
        assert stored is not None
        assert stored.worker == won[0].worker
        assert stored.attempts == 1

    async def test_many_claimers_take_each_job_exactly_once(self, backend: Backend) -> None:
        jobs = backend.jobs()
        created = {await jobs.create(KIND, {"n": i}, 0, "op", at(i)) for i in range(5)}
        claims = await asyncio.gather(
            *(backend.jobs().claim_next([KIND], f"w{i}", at(10), LEASE) for i in range(12))
        )
        claimed = [claim.id for claim in claims if claim is not None]
        assert sorted(claimed) == sorted(created)

    async def test_an_expired_lease_is_claimed_again(self, backend: Backend) -> None:
        jobs = backend.jobs()
        job_id = await jobs.create(KIND, {}, 100, "op", T0)
        assert await jobs.claim_next([KIND], "w1", at(0), LEASE) is not None
        await jobs.progress(job_id, 40, at(10), worker="w1")  # lease now ends at 70 s
        assert await jobs.claim_next([KIND], "w2", at(69), LEASE) is None
        resumed = await jobs.claim_next([KIND], "w2", at(70), LEASE)
        assert resumed is not None
        assert resumed.id == job_id
        assert resumed.worker == "w2"
        assert resumed.attempts == 2
        assert resumed.done == 40  # the handler resumes from its own progress
        # the first worker lost the job: its reports and outcome are refused
        with pytest.raises(JobLeaseLost):
            await jobs.progress(job_id, 50, at(71), worker="w1")
        with pytest.raises(JobLeaseLost):
            await jobs.succeed(job_id, {"codes": 1}, at(71), worker="w1")
        await jobs.succeed(job_id, {"codes": 100}, at(80), worker="w2")
        done = await jobs.get(job_id)
        assert done is not None
        assert done.state is JobState.SUCCEEDED
        assert done.result == {"codes": 100}

    async def test_bad_worker_or_lease_are_refused(self, backend: Backend) -> None:
        with pytest.raises(InvalidValue):
            await backend.jobs().claim_next([KIND], "", T0, LEASE)
        with pytest.raises(InvalidValue):
            await backend.jobs().claim_next([KIND], "w1", T0, dt.timedelta(0))

    # --- starting one job inline --------------------------------------------------------------

    async def test_start_claims_a_given_job(self, backend: Backend) -> None:
        jobs = backend.jobs()
        older = await jobs.create(KIND, {}, 0, "op", at(0))
        wanted = await jobs.create(KIND, {}, 0, "op", at(1))
        started = await jobs.start(wanted, "cli", at(5), LEASE)
        assert started.id == wanted
        assert (started.state, started.worker, started.attempts) == (JobState.RUNNING, "cli", 1)
        assert started.lease_until == at(5) + LEASE
        with pytest.raises(JobClaimed):
            await jobs.start(wanted, "w2", at(6), LEASE)
        again = await jobs.start(wanted, "cli", at(7), LEASE)  # its holder may start it again
        assert again.attempts == 2
        taken_over = await jobs.start(wanted, "w2", at(7) + LEASE, LEASE)
        assert taken_over.worker == "w2"
        untouched = await jobs.get(older)
        assert untouched is not None
        assert untouched.state is JobState.QUEUED

    async def test_start_refuses_unknown_and_finished_jobs(self, backend: Backend) -> None:
        jobs = backend.jobs()
        with pytest.raises(JobNotFound):
            await jobs.start(uuid.uuid4(), "cli", T0, LEASE)
        job_id = await jobs.create(KIND, {}, 0, "op", T0)
        await jobs.start(job_id, "cli", at(1), LEASE)
        await jobs.fail(job_id, "boom", at(2))
        with pytest.raises(JobFinished):
            await jobs.start(job_id, "cli", at(3), LEASE)

    async def test_a_refusal_says_who_holds_the_job_and_when_it_frees(
        self, backend: Backend
    ) -> None:
        jobs = backend.jobs()
        job_id = await jobs.create(KIND, {}, 0, "op", T0)
        await jobs.start(job_id, "host-1:42", at(0), LEASE)
        with pytest.raises(JobClaimed) as refused:
            await jobs.start(job_id, "host-2:7", at(15), LEASE)
        assert refused.value.details == {
            "worker": "host-1:42",
            "lease_until": (at(0) + LEASE).isoformat(timespec="seconds"),
            "retry_after_seconds": 45,
        }
        assert "host-1:42" in refused.value.message

    async def test_renew_is_the_heartbeat_of_the_holder_only(self, backend: Backend) -> None:
        jobs = backend.jobs()
        job_id = await jobs.create(KIND, {}, 0, "op", T0)
        await jobs.start(job_id, "w1", at(0), LEASE)
        await jobs.progress(job_id, 7, at(1), total=10, worker="w1")
        await jobs.renew(job_id, "w1", at(50))
        job = await jobs.get(job_id)
        assert job is not None
        assert (job.lease_until, job.done, job.total, job.updated_at) == (
            at(50) + LEASE,
            7,
            10,
            at(1),
        )
        with pytest.raises(JobLeaseLost):
            await jobs.renew(job_id, "w2", at(51))
        await jobs.start(job_id, "w2", at(50) + LEASE, LEASE)  # w1 went silent: taken over
        with pytest.raises(JobLeaseLost):
            await jobs.renew(job_id, "w1", at(200))
        with pytest.raises(JobNotFound):
            await jobs.renew(uuid.uuid4(), "w1", at(200))

    # --- progress and outcome -----------------------------------------------------------------

    async def test_progress_records_done_and_total_and_renews_the_lease(
        self, backend: Backend
    ) -> None:
        jobs = backend.jobs()
        job_id = await jobs.create(KIND, {}, 0, "op", T0)
        await jobs.claim_next([KIND], "w1", at(0), LEASE)
        await jobs.progress(job_id, 10, at(50), total=500, worker="w1")
        await jobs.progress(job_id, 20, at(55))  # total unchanged when not given
        job = await jobs.get(job_id)
        assert job is not None
        assert (job.done, job.total) == (20, 500)
        assert job.updated_at == at(55)
        assert job.lease_until == at(55) + LEASE
        assert await jobs.claim_next([KIND], "w2", at(100), LEASE) is None
        with pytest.raises(InvalidValue):
            await jobs.progress(job_id, -1, at(60))

    async def test_outcomes_apply_to_running_jobs_only(self, backend: Backend) -> None:
        jobs = backend.jobs()
        job_id = await jobs.create(KIND, {}, 0, "op", T0)
        with pytest.raises(JobLeaseLost):  # still queued: nobody runs it
            await jobs.progress(job_id, 1, at(1))
        with pytest.raises(JobNotFound):
            await jobs.progress(uuid.uuid4(), 1, at(1))
        with pytest.raises(JobNotFound):
            await jobs.fail(uuid.uuid4(), "x", at(1))
        await jobs.claim_next([KIND], "w1", at(1), LEASE)
        await jobs.succeed(job_id, {"made": 3, "sample": ["A", "B"]}, at(2), worker="w1")
        job = await jobs.get(job_id)
        assert job is not None
        assert job.state is JobState.SUCCEEDED
        assert job.finished
        assert job.result == {"made": 3, "sample": ["A", "B"]}
        assert job.lease_until is None
        assert job.updated_at == at(2)
        with pytest.raises(JobLeaseLost):
            await jobs.fail(job_id, "too late", at(3))
        assert await jobs.claim_next([KIND], "w2", at(1000), LEASE) is None

    async def test_a_failed_job_keeps_its_error(self, backend: Backend) -> None:
        jobs = backend.jobs()
        job_id = await jobs.create(KIND, {}, 10, "op", T0)
        await jobs.claim_next([KIND], "w1", at(1), LEASE)
        await jobs.progress(job_id, 4, at(2))
        await jobs.fail(job_id, "the template was discarded", at(3), worker="w1")
        job = await jobs.get(job_id)
        assert job is not None
        assert job.state is JobState.FAILED
        assert job.error == "the template was discarded"
        assert job.done == 4
        assert job.result is None
        assert await jobs.claim_next([KIND], "w2", at(1000), LEASE) is None

    # --- listing ------------------------------------------------------------------------------

    async def test_list_is_newest_first_filtered_and_paged(self, backend: Backend) -> None:
        jobs = backend.jobs()
        ids = [await jobs.create(KIND, {"n": i}, 0, "op", at(i)) for i in range(5)]
        other = await jobs.create("test.other", {}, 0, "op", at(10))
        assert [j.id for j in await jobs.list()] == [other, *reversed(ids)]
        assert [j.id for j in await jobs.list(KIND)] == list(reversed(ids))
        assert [j.id for j in await jobs.list(KIND, limit=2, offset=1)] == [ids[3], ids[2]]
        assert await jobs.list("nothing") == []
        assert await jobs.count() == 6
        assert await jobs.count(KIND) == 5
        assert await jobs.count("nothing") == 0

    # --- enqueued in a unit of work -------------------------------------------------------------

    async def test_a_job_enqueued_in_a_unit_of_work_exists_once_it_commits(
        self, backend: Backend
    ) -> None:
        async with backend.uow() as uow:
            job_id = await uow.jobs.enqueue(KIND, {"n": 1}, created_by="op-1", total=7)
            await uow.commit()
        job = await backend.jobs().get(job_id)
        assert job is not None
        assert (job.kind, job.state, job.total, job.created_by) == (
            KIND,
            JobState.QUEUED,
            7,
            "op-1",
        )
        assert job.params == {"n": 1}
        assert job.created_at == backend.clock.now()
        claimed = await backend.jobs().claim_next([KIND], "w1", at(1), LEASE)
        assert claimed is not None
        assert claimed.id == job_id

    async def test_a_job_enqueued_in_a_rolled_back_unit_of_work_never_exists(
        self, backend: Backend
    ) -> None:
        async with backend.uow() as uow:
            job_id = await uow.jobs.enqueue(KIND, {}, created_by="op-1")
        assert await backend.jobs().get(job_id) is None
        assert await backend.jobs().count() == 0

    async def test_the_store_reads_while_a_unit_of_work_holds_the_write_lock(
        self, backend: Backend
    ) -> None:
        """A job's state can be read from inside a command (no wait for the lock it holds)."""
        job_id = await backend.jobs().create(KIND, {}, 0, "op", T0)
        async with backend.uow() as uow:
            await uow.jobs.enqueue(KIND, {}, created_by="op-1")  # the unit now writes
            async with asyncio.timeout(5):
                found = await backend.jobs().get(job_id)
                listed = await backend.jobs().list(KIND)
        assert found is not None
        assert [j.id for j in listed] == [job_id]
