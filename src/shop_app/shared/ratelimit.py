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
write lock on SQLite). So the limiter is used *outside* a command's unit of work — on SQLite a
write transaction opened while the unit of work holds the database's write lock would wait for
it forever. :class:`AttemptLimiting` does exactly that, as a bus middleware.

The middleware
--------------
A context registers an :class:`AttemptRule` per command type: which subjects of the command are
counted (one :class:`Guard` each: a scope and how to read the subject from the command), which
error counts as a failure, the policy, and the error a lock-out raises. Then::

    AttemptLimiting(limiter, clock, {RedeemCode: AttemptRule(
        guards=(Guard(CODE_ATTEMPTS, lambda command: str(command.user_id)),),
        failure=CodeNotFound,
        policy=AttemptPolicy(max_failures=10, window=..., lockout=...),
        locked_out=CodeAttemptsExceeded,  # a TooManyAttempts with the context's code
    )})

A subject locked out on any guard is refused before the command runs (so guessing cannot go on
during a lock-out, right or wrong); each failure is counted for every guard, after the command's
transaction rolled back; a success resets nothing (a guesser holding one right answer must not
be able to launder failures with it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

import attrs

from shop_app.shared.middleware import Call, Middleware, Proceed
from shop_app.shared.ports import Clock
from shop_domain.shared.errors import DomainError, InvalidValue, RateLimited

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


def locked_out(
    until: dt.datetime,
    now: dt.datetime,
    *,
    code: str | None = None,
    error: type[TooManyAttempts] = TooManyAttempts,
) -> TooManyAttempts:
    """The error for a subject locked out until ``until``: an ``error`` (a subclass names its
    own code, e.g. ``giftcard.too_many_attempts``), or one whose ``code`` overrides the class's."""
    retry_after = max(1, math.ceil((until - now).total_seconds()))
    return error(
        f"too many failed attempts; try again in {retry_after} seconds",
        code=code,
        details={"retry_after_seconds": retry_after, "locked_until": until},
    )


class InvalidLimiterKey(InvalidValue):
    """A limiter scope or subject of the wrong length."""

    code = "ratelimit.invalid"


def check_key(scope: str, subject: str) -> None:
    if not scope or len(scope) > MAX_SCOPE_LENGTH:
        raise InvalidLimiterKey(f"a limiter scope is 1 to {MAX_SCOPE_LENGTH} characters")
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidLimiterKey(f"a limiter subject is 1 to {MAX_SUBJECT_LENGTH} characters")


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

    async def attempt(
        self,
        scope: str,
        subject: str,
        now: dt.datetime,
        policy: AttemptPolicy,
        *,
        code: str | None = None,
    ) -> None:
        """Count an attempt that is limited whatever its outcome: :meth:`check` (a locked-out
        subject's attempt raises and is not counted), then :meth:`record_failure`. An adapter
        may do both in one statement."""
        await self.check(scope, subject, now, code=code)
        await self.record_failure(scope, subject, now, policy)


# --- the middleware -----------------------------------------------------------------------------


@attrs.frozen
class Guard:
    """One counted subject of a command: the limiter scope and how to read the subject."""

    scope: str
    subject: Callable[[Any], str]


@attrs.frozen
class AttemptRule:
    """How :class:`AttemptLimiting` guards one command type."""

    guards: tuple[Guard, ...]
    failure: type[DomainError]
    """The error that counts as a failed attempt (its subclasses too)."""
    policy: AttemptPolicy
    locked_out: type[TooManyAttempts]
    """What a lock-out raises (a subclass with the context's own code)."""


class AttemptLimiting(Middleware):
    """Attempt limits for the command types it has a rule for (see the module documentation)."""

    def __init__(
        self, limiter: AttemptLimiter, clock: Clock, rules: Mapping[type, AttemptRule]
    ) -> None:
        self._limiter = limiter
        self._clock = clock
        self._rules = dict(rules)

    def applies_to(self, command_type: type) -> bool:
        return command_type in self._rules

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        rule = self._rules[type(call.message)]
        subjects = [(guard.scope, guard.subject(call.message)) for guard in rule.guards]
        now = self._clock.now()
        for scope, subject in subjects:
            until = await self._limiter.blocked_until(scope, subject, now)
            if until is not None:
                raise locked_out(until, now, error=rule.locked_out)
        try:
            return await proceed(call)
        except rule.failure:
            now = self._clock.now()
            for scope, subject in subjects:
                await self._limiter.record_failure(scope, subject, now, rule.policy)
            raise


__all__ = [
    "AttemptLimiter",
    "AttemptLimiting",
    "AttemptPolicy",
    "AttemptRule",
    "AttemptState",
    "Guard",
    "InvalidLimiterKey",
    "TooManyAttempts",
    "after_failure",
    "check_key",
    "locked_out",
]
