"""Contract of the attempt limiter (``backend.limiter()``), GC-5's lock-out machinery."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from shop_app.shared.ratelimit import AttemptPolicy, TooManyAttempts
from shop_domain.shared.errors import InvalidValue, NotFound, RateLimited
from shop_testing.contracts.backend import T0, Backend

POLICY = AttemptPolicy(
    max_failures=3, window=dt.timedelta(minutes=10), lockout=dt.timedelta(minutes=30)
)
SCOPE = "test.secret.user"


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


class AttemptLimiterContract:
    """The attempt limiter. Subclasses provide the ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    @pytest.mark.rule("GC-5")
    async def test_locks_out_after_max_failures_within_the_window(self, backend: Backend) -> None:
        limiter = backend.limiter()
        assert await limiter.blocked_until(SCOPE, "u1", at(0)) is None
        await limiter.check(SCOPE, "u1", at(0))  # nothing to say
        assert await limiter.record_failure(SCOPE, "u1", at(0), POLICY) is None
        assert await limiter.record_failure(SCOPE, "u1", at(4), POLICY) is None
        assert await limiter.blocked_until(SCOPE, "u1", at(5)) is None
        until = await limiter.record_failure(SCOPE, "u1", at(9), POLICY)
        assert until == at(39)
        assert await limiter.blocked_until(SCOPE, "u1", at(9)) == at(39)
        assert await limiter.blocked_until(SCOPE, "u1", at(38.9)) == at(39)
        with pytest.raises(TooManyAttempts) as err:
            await limiter.check(SCOPE, "u1", at(29))
        assert isinstance(err.value, RateLimited)
        assert err.value.kind == "rate_limited"
        assert err.value.code == "rate_limited.too_many_attempts"
        assert err.value.details["retry_after_seconds"] == 600
        assert err.value.details["locked_until"] == at(39)
        with pytest.raises(TooManyAttempts) as named:
            await limiter.check(SCOPE, "u1", at(38.99), code="giftcard.too_many_attempts")
        assert named.value.code == "giftcard.too_many_attempts"
        assert named.value.details["retry_after_seconds"] == 1

    @pytest.mark.rule("GC-5")
    async def test_the_lock_out_ends_and_counting_starts_afresh(self, backend: Backend) -> None:
        limiter = backend.limiter()
        for minute in (0, 1, 2):
            await limiter.record_failure(SCOPE, "u1", at(minute), POLICY)
        assert await limiter.blocked_until(SCOPE, "u1", at(31.99)) == at(32)
        assert await limiter.blocked_until(SCOPE, "u1", at(32)) is None
        await limiter.check(SCOPE, "u1", at(32))
        # a fresh window: it takes max_failures new failures to lock out again
        assert await limiter.record_failure(SCOPE, "u1", at(33), POLICY) is None
        assert await limiter.record_failure(SCOPE, "u1", at(34), POLICY) is None
        assert await limiter.record_failure(SCOPE, "u1", at(35), POLICY) == at(65)

    @pytest.mark.rule("PAY-6")
    async def test_an_attempt_is_checked_and_counted_and_refused_uncounted_while_locked_out(
        self, backend: Backend
    ) -> None:
        limiter = backend.limiter()
        for minute in (0, 1):
            await limiter.attempt(SCOPE, "u1", at(minute), POLICY)
        assert await limiter.blocked_until(SCOPE, "u1", at(2)) is None
        await limiter.attempt(SCOPE, "u1", at(2), POLICY)  # the third: locked out until 32
        assert await limiter.blocked_until(SCOPE, "u1", at(2)) == at(32)
        with pytest.raises(TooManyAttempts) as refused:
            await limiter.attempt(SCOPE, "u1", at(31.5), POLICY, code="payment.too_many")
        assert refused.value.code == "payment.too_many"
        assert refused.value.details["locked_until"] == at(32)
        assert await limiter.blocked_until(SCOPE, "u1", at(31.9)) == at(32)  # unchanged
        # the lock-out over: a fresh window, the refused attempt not in it
        await limiter.attempt(SCOPE, "u1", at(32), POLICY)
        await limiter.attempt(SCOPE, "u1", at(33), POLICY)
        assert await limiter.blocked_until(SCOPE, "u1", at(33)) is None
        await limiter.attempt(SCOPE, "u1", at(34), POLICY)
        assert await limiter.blocked_until(SCOPE, "u1", at(34)) == at(64)
        await limiter.attempt(SCOPE, "other", at(34), POLICY)  # one subject's count only

    async def test_failures_outside_the_window_do_not_add_up(self, backend: Backend) -> None:
        limiter = backend.limiter()
        await limiter.record_failure(SCOPE, "u1", at(0), POLICY)
        await limiter.record_failure(SCOPE, "u1", at(9), POLICY)
        # the window that opened at 0 ended at 10: this failure opens a new one
        assert await limiter.record_failure(SCOPE, "u1", at(10), POLICY) is None
        assert await limiter.record_failure(SCOPE, "u1", at(11), POLICY) is None
        assert await limiter.blocked_until(SCOPE, "u1", at(11)) is None
        assert await limiter.record_failure(SCOPE, "u1", at(19.9), POLICY) == at(49.9)

    async def test_failures_during_a_lock_out_do_not_extend_it(self, backend: Backend) -> None:
        limiter = backend.limiter()
        for minute in (0, 0, 0):
            await limiter.record_failure(SCOPE, "u1", at(minute), POLICY)
        for minute in (5, 15, 25):  # even past the window: the lock-out stands as it was
            assert await limiter.record_failure(SCOPE, "u1", at(minute), POLICY) is None
        assert await limiter.blocked_until(SCOPE, "u1", at(29)) == at(30)
        assert await limiter.blocked_until(SCOPE, "u1", at(30)) is None

    async def test_subjects_and_scopes_are_independent(self, backend: Backend) -> None:
        limiter = backend.limiter()
        for _ in range(3):
            await limiter.record_failure(SCOPE, "u1", at(0), POLICY)
        assert await limiter.blocked_until(SCOPE, "u1", at(1)) is not None
        assert await limiter.blocked_until(SCOPE, "u2", at(1)) is None
        assert await limiter.blocked_until("test.secret.card", "u1", at(1)) is None

    async def test_reset_forgets_failures_and_lock_out(self, backend: Backend) -> None:
        limiter = backend.limiter()
        for _ in range(3):
            await limiter.record_failure(SCOPE, "u1", at(0), POLICY)
        await limiter.reset(SCOPE, "u1")
        assert await limiter.blocked_until(SCOPE, "u1", at(1)) is None
        await limiter.reset(SCOPE, "nobody")  # nothing to forget: fine
        await limiter.record_failure(SCOPE, "u1", at(1), POLICY)
        await limiter.record_failure(SCOPE, "u1", at(1), POLICY)
        await limiter.reset(SCOPE, "u1")
        assert await limiter.record_failure(SCOPE, "u1", at(2), POLICY) is None

    async def test_one_failure_may_be_enough(self, backend: Backend) -> None:
        strict = AttemptPolicy(1, dt.timedelta(minutes=1), dt.timedelta(seconds=90))
        limiter = backend.limiter()
        assert await limiter.record_failure(SCOPE, "u1", at(0), strict) == at(1.5)

    async def test_bad_keys_are_refused(self, backend: Backend) -> None:
        limiter = backend.limiter()
        with pytest.raises(InvalidValue):
            await limiter.record_failure("", "u1", at(0), POLICY)
        with pytest.raises(InvalidValue):
            await limiter.blocked_until(SCOPE, "x" * 201, at(0))
        with pytest.raises(InvalidValue):
            await limiter.reset("s" * 101, "u1")

    async def test_concurrent_failures_all_count_and_trip_once(self, backend: Backend) -> None:
        policy = AttemptPolicy(12, dt.timedelta(minutes=10), dt.timedelta(minutes=30))
        results = await asyncio.gather(
            *(backend.limiter().record_failure(SCOPE, "u1", at(0), policy) for _ in range(12))
        )
        assert [r for r in results if r is not None] == [at(30)]
        assert await backend.limiter().blocked_until(SCOPE, "u1", at(1)) == at(30)

    async def test_a_failure_recorded_after_the_transaction_outlives_the_rollback(
        self, backend: Backend
    ) -> None:
        """The pattern for command handlers: check inside the unit of work, record the failure
        with ``uow.after_transaction`` — it persists though the command fails, and never waits
        for the lock the unit of work holds (SQLite)."""
        limiter = backend.limiter()
        await limiter.record_failure(SCOPE, "u1", at(0), POLICY)
        await limiter.record_failure(SCOPE, "u1", at(0), POLICY)

        async def wrong_code() -> None:
            async with asyncio.timeout(10), backend.uow() as uow:
                await uow.jobs.enqueue("test.kind", {}, created_by="u1")  # the unit writes
                await limiter.check(SCOPE, "u1", at(1))  # a read does not wait for it
                uow.after_transaction(lambda: limiter.record_failure(SCOPE, "u1", at(1), POLICY))
                raise NotFound("no such code", code="test.unknown_code")

        with pytest.raises(NotFound):
            await wrong_code()
        assert await limiter.blocked_until(SCOPE, "u1", at(2)) == at(31)
        assert await backend.jobs().count() == 0  # the unit of work itself rolled back


class AttemptLimiterConcurrencyContract:
    """For a backend whose transactions run side by side (PostgreSQL, not SQLite, which
    serialises writers): concurrent failures on many subjects. Subclasses provide the
    ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    async def test_many_concurrent_failures_on_many_subjects_are_exact(
        self, backend: Backend
    ) -> None:
        """Concurrent transactions: every failure counts, exactly one trips each subject, and
        subjects below the maximum stay unlocked."""
        policy = AttemptPolicy(10, dt.timedelta(minutes=10), dt.timedelta(minutes=30))
        subjects = {str(uuid.uuid4()): n for n in (9, 10, 25)}
        calls = [
            backend.limiter().record_failure(SCOPE, subject, at(0), policy)
            for subject, count in subjects.items()
            for _ in range(count)
        ]
        results = await asyncio.gather(*calls)
        assert sum(1 for r in results if r is not None) == 2
        for subject, count in subjects.items():
            blocked = await backend.limiter().blocked_until(SCOPE, subject, at(1))
            assert (blocked is not None) == (count >= 10)
