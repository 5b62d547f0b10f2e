"""The attempt limiter: lock a subject out after too many failures (wrong coupon codes per user,
wrong gift-card secrets per user and per card — GC-5), so secrets cannot be guessed.

Counting (a fixed window that opens at the first failure)
---------------------------------------------------------
For each ``(scope, subject)`` — e.g. ``("giftcard.secret.user", user_id)`` — the limiter keeps
a failure count, the start of the current window and, once tripped, the end of the lock-out:

- a failure with no open window (none yet, the window is over, or the last lock-out ended)
  opens a new window at ``now`` with a count of 1;
- a failure inside the window (``now < window_start + window``) adds 1;
- the failure that brings the count to ``max_failures`` locks the subject out until
  ``now + lockout`` (``record_failure`` returns that time; otherwise ``None``);
- failures during a lock-out are counted but neither extend it nor return anything;
- when the lock-out ends the subject starts afresh; ``reset`` (after a success, if the caller
  wants one) forgets everything at once.

A fixed window is cheaper than a sliding log (one row per subject, one atomic upsert) and errs
on the safe side only at its edges: at most ``2 * max_failures - 1`` failures fit in any span of
``window``. Scopes and policies belong to the caller; one scope should always be used with the
same policy.

Transactions
------------
Every method is a short transaction of its own: a failure stays recorded although the command
that failed rolls back. Concurrent failures all count (an atomic upsert on PostgreSQL, the
write lock on SQLite). Inside a command handler, read with :meth:`AttemptLimiter.check` at any
time, but record failures with ``uow.after_transaction(...)``: on SQLite a write transaction
opened while the unit of work holds the database's write lock would wait for it forever::

    await limiter.check(SCOPE, user, now, code="coupon.too_many_attempts")
    code = await uow.coupon_codes.find(command.code)
    if code is None:
        uow.after_transaction(lambda: limiter.record_failure(SCOPE, user, now, POLICY))
        raise UnknownCouponCode("no such code")
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Final, Protocol

import attrs

from shop_domain.shared.errors import InvalidValue, RateLimited

MAX_SCOPE_LENGTH: Final = 100
MAX_SUBJECT_LENGTH: Final = 200


def _positive(_instance: object, attribute: attrs.Attribute[dt.timedelta], value: object) -> None:
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
        raise InvalidValue(f"{attribute.name} must be a positive duration")


@attrs.frozen
class AttemptPolicy:
    """Lock out for ``lockout`` after ``max_failures`` failures within ``window``."""

    max_failures: int = attrs.field()
    window: dt.timedelta = attrs.field(validator=_positive)
    lockout: dt.timedelta = attrs.field(validator=_positive)

    @max_failures.validator
    def _check_max(self, _attribute: attrs.Attribute[int], value: int) -> None:
        if value < 1:
            raise InvalidValue("max_failures must be at least 1")


class TooManyAttempts(RateLimited):
    """The subject is locked out. ``details``: ``retry_after_seconds`` (an HTTP adapter sends
    it as ``Retry-After``) and ``locked_until``."""

    code = "rate_limited.too_many_attempts"


def locked_out(until: dt.datetime, now: dt.datetime, *, code: str | None = None) -> TooManyAttempts:
    """The error for a subject locked out until ``until`` (``code`` overrides the default,
    e.g. ``giftcard.too_many_attempts``)."""
    retry_after = max(1, math.ceil((until - now).total_seconds()))
    return TooManyAttempts(
        f"too many failed attempts; try again in {retry_after} seconds",
        code=code,
        details={"retry_after_seconds": retry_after, "locked_until": until},
    )


def check_key(scope: str, subject: str) -> None:
    if not scope or len(scope) > MAX_SCOPE_LENGTH:
        raise InvalidValue(
            f"a limiter scope is 1 to {MAX_SCOPE_LENGTH} characters", code="ratelimit.invalid"
        )
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidValue(
            f"a limiter subject is 1 to {MAX_SUBJECT_LENGTH} characters",
            code="ratelimit.invalid",
        )


@attrs.frozen
class AttemptState:
    """What the limiter keeps per ``(scope, subject)``."""

    failures: int
    window_start: dt.datetime
    locked_until: dt.datetime | None = None

    def blocked_until(self, now: dt.datetime) -> dt.datetime | None:
        return (
            self.locked_until if self.locked_until is not None and self.locked_until > now else None
        )


def after_failure(
    state: AttemptState | None, now: dt.datetime, policy: AttemptPolicy
) -> tuple[AttemptState, dt.datetime | None]:
    """The state after one more failure, and the lock-out end if this failure tripped it (the
    rules above; the SQL adapter applies the same ones in one statement)."""
    fresh = (
        state is None
        or (state.locked_until is not None and state.locked_until <= now)
        or (state.locked_until is None and state.window_start <= now - policy.window)
    )
    if fresh or state is None:
        state = AttemptState(failures=1, window_start=now)
    else:
        state = attrs.evolve(state, failures=state.failures + 1)
    if state.locked_until is None and state.failures >= policy.max_failures:
        until = now + policy.lockout
        return attrs.evolve(state, locked_until=until), until
    return state, None


class AttemptLimiter(Protocol):
    """Counts failures per ``(scope, subject)`` and locks out (see the module documentation).
    Adapters subclass this protocol to inherit :meth:`check`."""

    async def blocked_until(self, scope: str, subject: str, now: dt.datetime) -> dt.datetime | None:
        """When the lock-out of ``subject`` ends, or ``None`` if it is not locked out."""
        ...

    async def record_failure(
        self, scope: str, subject: str, now: dt.datetime, policy: AttemptPolicy
    ) -> dt.datetime | None:
        """Count one failure; the lock-out end if this failure tripped it, else ``None``."""
        ...

    async def reset(self, scope: str, subject: str) -> None:
        """Forget the failures and any lock-out of ``subject``."""
        ...

    async def check(
        self, scope: str, subject: str, now: dt.datetime, *, code: str | None = None
    ) -> None:
        """Raise :class:`TooManyAttempts` (with ``code`` if given) while ``subject`` is locked
        out; do nothing otherwise."""
        until = await self.blocked_until(scope, subject, now)
        if until is not None:
            raise locked_out(until, now, code=code)


__all__ = [
    "AttemptLimiter",
    "AttemptPolicy",
    "AttemptState",
    "TooManyAttempts",
    "after_failure",
    "check_key",
    "locked_out",
]
